# Shared helpers of the benchmark scripts (sourced, not run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
WORK=$(mktemp -d /tmp/skyhaul-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# start_skyhauld DIR [ARGS...]: starts the daemon, waits for listen.json,
# sets API (http://host:port), KEY (admin api key) and SKY_PID.
start_skyhauld() {
  local dir=$1; shift
  "$BIN/skyhauld" --data-dir "$dir" --api 127.0.0.1:0 --offline 127.0.0.1:0 \
    --s3 127.0.0.1:0 --allow-private-networks "$@" 2>"$dir.log" &
  SKY_PID=$!
  PIDS+=("$SKY_PID")
  for _ in $(seq 300); do [ -f "$dir/listen.json" ] && break; sleep 0.1; done
  [ -f "$dir/listen.json" ] || { echo "skyhauld did not start" >&2; cat "$dir.log" >&2; exit 1; }
  API=http://$(python3 -c "import json;print(json.load(open('$dir/listen.json'))['api'])")
  KEY=$(python3 -c "import json;print(json.load(open('$dir/admin.json'))['api_key'])")
}

# start_aria2 [ARGS...]: aria2c with JSON-RPC; sets ARIA_URL, ARIA_SECRET, ARIA_PID.
start_aria2() {
  local port; port=$(free_port)
  ARIA_SECRET=bench$RANDOM
  mkdir -p "$WORK/aria2"
  aria2c --enable-rpc --rpc-listen-port="$port" --rpc-secret="$ARIA_SECRET" \
    --dir="$WORK/aria2" --quiet --no-conf --max-concurrent-downloads=5 "$@" &
  ARIA_PID=$!
  PIDS+=("$ARIA_PID")
  ARIA_URL=http://127.0.0.1:$port
  for _ in $(seq 100); do
    curl -s -o /dev/null "$ARIA_URL/jsonrpc" && break
    sleep 0.1
  done
}

field() { # field LINE NAME -> value of NAME=... in a loadgen line
  echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
