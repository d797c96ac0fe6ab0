#!/usr/bin/env bash
# Restart time and memory with many waiting tasks: N tasks submitted to a
# skyhauld that starts none (--max-active 0), so every one stays waiting;
# then the daemon is stopped and started again, and the time from exec to
# listen.json and to the first /healthz 200 is measured (polled every
# 5 ms), with VmRSS once ready. An empty daemon started the same way is the
# reference for both. N=1000000 takes about 2-4 minutes to submit here.
# Usage: benchmarks/restart_bench.sh [TASKS] [CONNECTIONS] [RESTARTS]
# Prints the loadgen line, then
#   empty: ready_ms=… rss_kb=…
#   loaded: tasks=… ready_ms=… listen_ms=… rss_kb=… per_task_bytes=…   (targets: ready <= 1000 ms, <= 1024 B/task)
#   state_counter waiting=…
source "$(dirname "$0")/common.sh"
N=${1:-1000000}
CONN=${2:-64}
RESTARTS=${3:-3}
need_loadgen

PORT=$(free_port)
# ready DIR: starts skyhauld on DIR (api on $PORT) and prints
# "listen_ms ready_ms pid" once /healthz answers.
ready() {
  python3 - "$BIN/skyhauld" "$1" "$PORT" <<'PY'
import os, socket, subprocess, sys, time
binary, data, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
listen = os.path.join(data, "listen.json")
try: os.unlink(listen)
except FileNotFoundError: pass
log = open(data + ".log", "ab")
t0 = time.monotonic()
p = subprocess.Popen([binary, "--data-dir", data, "--api", f"127.0.0.1:{port}",
                      "--offline", "127.0.0.1:0", "--s3", "127.0.0.1:0",
                      "--allow-private-networks", "--max-active", "0"],
                     stdout=log, stderr=log, start_new_session=True)
listen_ms = None
deadline = t0 + 120
while time.monotonic() < deadline:
    if p.poll() is not None:
        sys.exit("skyhauld exited: see " + data + ".log")
    if listen_ms is None and os.path.exists(listen) and os.path.getsize(listen) > 0:
        listen_ms = (time.monotonic() - t0) * 1000
    if listen_ms is not None:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            reply = s.recv(64)
            s.close()
            if reply.startswith(b"HTTP/1.1 200"):
                print("%.1f %.1f %d" % (listen_ms, (time.monotonic() - t0) * 1000, p.pid))
                sys.exit(0)
        except OSError:
            pass
    time.sleep(0.005)
sys.exit("skyhauld was not ready within 120 s")
PY
}

# The reference: an empty data dir, started twice (the first makes it).
mkdir -p "$WORK/empty"
read -r _ _ pid < <(ready "$WORK/empty"); PIDS+=("$pid"); stop_pid "$pid"
read -r e_listen e_ready pid < <(ready "$WORK/empty"); PIDS+=("$pid")
sleep 1; e_rss=$(rss_kb "$pid"); stop_pid "$pid"
echo "empty: ready_ms=$e_ready listen_ms=$e_listen rss_kb=$e_rss"

mkdir -p "$WORK/sky"
read -r _ _ pid < <(ready "$WORK/sky"); PIDS+=("$pid")
KEY=$(json_get "$WORK/sky/admin.json" api_key)
out=$("$LOADGEN" --url "http://127.0.0.1:$PORT" --mode create --paused false --key "$KEY" \
      --connections "$CONN" --duration 1800 --requests "$N")
echo "submit $out"
made=$(field "$out" requests); errors=$(field "$out" errors)
stop_pid "$pid"

best_ready=""; best_listen=""; rss=""
for i in $(seq "$RESTARTS"); do
  read -r l r pid < <(ready "$WORK/sky"); PIDS+=("$pid")
  echo "restart $i: listen_ms=$l ready_ms=$r"
  if [ -z "$best_ready" ] || python3 -c "import sys;sys.exit(not float(sys.argv[1])<float(sys.argv[2]))" "$r" "$best_ready"; then
    best_ready=$r; best_listen=$l
  fi
  sleep 1; rss=$(rss_kb "$pid")
  [ "$i" = "$RESTARTS" ] || stop_pid "$pid"
done
waiting=$(curl -sf -m 30 -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/task/state_counter" \
  | python3 -c 'import json,sys;print(json.load(sys.stdin)["detail"]["waiting"])')
stop_pid "$pid"
per=$(python3 -c 'import sys;print(int((int(sys.argv[1])-int(sys.argv[2]))*1024/max(1,int(sys.argv[3]))))' "$rss" "$e_rss" "$made")
echo "loaded: tasks=$made errors=$errors ready_ms=$best_ready listen_ms=$best_listen rss_kb=$rss per_task_bytes=$per"
echo "state_counter waiting=$waiting"
