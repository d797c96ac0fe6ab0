# Shared helpers of the benchmark scripts (sourced, not run).
# Everything listens on 127.0.0.1 only; every process a script starts is
# recorded in PIDS and stopped on exit (SIGTERM, then SIGKILL after 10 s).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
LOADGEN=$BIN/loadgen
WORK=$(mktemp -d /tmp/skyhaul-bench-XXXXXX)
PIDS=()

stop_pid() { # stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL
  local p=$1
  kill -0 "$p" 2>/dev/null || return 0
  kill "$p" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() { # need CMD...: fail early with a hint when a tool is missing
  for c in "$@"; do
    command -v "$c" >/dev/null || { echo "missing $c (run scripts/install-deps.sh)" >&2; exit 1; }
  done
}
need python3 curl

need_loadgen() {
  [ -x "$LOADGEN" ] || { echo "build first: make bench" >&2; exit 1; }
}

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

json_get() { # json_get FILE KEY
  python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# start_skyhauld DIR [ARGS...]: starts the daemon on free loopback ports,
# waits for listen.json and /healthz; sets API (http://host:port), KEY
# (admin api key) and SKY_PID. The daemon's log is DIR.log.
start_skyhauld() {
  local dir=$1; shift
  [ -x "$BIN/skyhauld" ] || { echo "build first: make build" >&2; exit 1; }
  mkdir -p "$dir"
  "$BIN/skyhauld" --data-dir "$dir" --api 127.0.0.1:0 --offline 127.0.0.1:0 \
    --s3 127.0.0.1:0 --allow-private-networks "$@" >"$dir.log" 2>&1 &
  SKY_PID=$!
  PIDS+=("$SKY_PID")
  for _ in $(seq 300); do
    [ -s "$dir/listen.json" ] && break
    kill -0 "$SKY_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$dir/listen.json" ] || { echo "skyhauld did not start" >&2; cat "$dir.log" >&2; exit 1; }
  API=http://$(json_get "$dir/listen.json" api)
  KEY=$(json_get "$dir/admin.json" api_key)
  curl -sf -m 5 -o /dev/null "$API/healthz" || { echo "skyhauld /healthz failed" >&2; exit 1; }
}

# start_aria2 [ARGS...]: aria2c with JSON-RPC on a free loopback port; sets
# ARIA_URL (the /jsonrpc endpoint), ARIA_SECRET and ARIA_PID.
start_aria2() {
  need aria2c
  local port; port=$(free_port)
  ARIA_SECRET=bench$RANDOM$RANDOM
  mkdir -p "$WORK/aria2"
  aria2c --enable-rpc --rpc-listen-port="$port" --rpc-listen-all=false \
    --rpc-secret="$ARIA_SECRET" --dir="$WORK/aria2" --quiet --no-conf \
    --max-concurrent-downloads=5 "$@" >"$WORK/aria2.log" 2>&1 &
  ARIA_PID=$!
  PIDS+=("$ARIA_PID")
  ARIA_URL=http://127.0.0.1:$port/jsonrpc
  for _ in $(seq 100); do
    curl -s -m 2 -o /dev/null -d '{"jsonrpc":"2.0","id":"0","method":"aria2.getVersion","params":["token:'"$ARIA_SECRET"'"]}' \
      "$ARIA_URL" && return 0
    sleep 0.1
  done
  echo "aria2c did not start" >&2; cat "$WORK/aria2.log" >&2; exit 1
}

field() { # field LINE NAME -> value of NAME=... in a loadgen line
  echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

now() { date +%s.%N; }
elapsed() { python3 -c 'import sys;print("%.3f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }
best() { sort -n | head -1; }

# source_file MIB: prints the path of a file of MIB MiB of random bytes,
# /tmp/skyhaul-bench-src-MIB.bin, made once and kept between runs (the same
# bytes until /tmp is cleaned), with its sha1 cached beside it in
# <path>.sha1.
source_file() {
  local f=/tmp/skyhaul-bench-src-$1.bin
  if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" -ne $(($1 * 1048576)) ]; then
    echo "creating $f ($1 MiB of random bytes)" >&2
    head -c "$1M" /dev/urandom > "$f.tmp" && mv "$f.tmp" "$f"
  fi
  [ -f "$f.sha1" ] && [ "$f.sha1" -nt "$f" ] || sha1sum "$f" | cut -c1-40 > "$f.sha1"
  echo "$f"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

cpu_ticks() { # cpu_ticks PID...: their utime + stime, in clock ticks
  for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{s += $1} END {print s}'
}

# Other work on the host skews every figure: say how busy it was.
echo "host: $(nproc) cpus, loadavg $(cut -d' ' -f1-3 /proc/loadavg) at start" >&2

# start_nginx WWW [LOCATION_CONF]: nginx serving WWW on a free loopback
# port, as one process (no master, so no privilege drop: it runs as the
# current user, root included), in the foreground, with its pid file, logs
# and temp paths in $WORK/nginx. LOCATION_CONF goes into the server block
# (e.g. "limit_rate 8m;" to limit each connection). Sets NGX_PORT and
# NGX_LOG (the access log); waits until it answers.
start_nginx() {
  need nginx
  local www=$1 extra=${2:-}
  local ngx=$WORK/nginx
  NGX_PORT=$(free_port)
  NGX_LOG=$ngx/logs/access.log
  mkdir -p "$ngx/logs" "$ngx/tmp"
  cat > "$ngx/nginx.conf" <<NGINX
daemon off;
master_process off;
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log;
events { worker_connections 20000; }
worker_rlimit_nofile 40000;
http {
  access_log $NGX_LOG;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  server {
    listen 127.0.0.1:$NGX_PORT;
    root $www;
    disable_symlinks off;
    $extra
  }
}
NGINX
  nginx -e "$ngx/logs/error.log" -c "$ngx/nginx.conf" -p "$ngx" >"$ngx/logs/stdout.log" 2>&1 &
  PIDS+=($!)
  # Up once it answers anything (the root may have no index: 403/404).
  for _ in $(seq 50); do
    curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGX_PORT/" 2>/dev/null | grep -q '^[1-5]' && return 0
    sleep 0.1
  done
  echo "nginx did not start" >&2; cat "$ngx/logs/"*.log >&2; exit 1
}
