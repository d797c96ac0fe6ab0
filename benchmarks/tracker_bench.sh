#!/usr/bin/env bash
# Announce throughput and p99 of the community face's tracker against
# opentracker in the same run: TORRENTS posts with metainfo, PEERS peers
# (each joins once, untimed), then DURATION seconds of announces over keep-alive
# connections. Skyhaul checks the passkey and the level gate and counts
# every announce's figures (written in batches); opentracker checks its
# whitelist of the same info-hashes.
#   benchmarks/tracker_bench.sh  [TORRENTS=10000] [PEERS=100000]
#                                [CONNECTIONS=32] [DURATION=10]
source "$(dirname "$0")/common.sh"
need opentracker
TORRENTS=${TORRENTS:-10000}
PEERS=${PEERS:-100000}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
LOAD=$BIN/tracker_load
[ -x "$LOAD" ] || { echo "build first: make bench" >&2; exit 1; }

start_skyhauld "$WORK/sky" --tracker-interval=1800 --tracker-flush-ms=1000
user=$("$BIN/skyhauld" user add bench --level 1 --data-dir "$WORK/sky")
uid=$(echo "$user" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')
cred=$(echo "$user" | python3 -c 'import json,sys;print(json.load(sys.stdin)["credential"])')
pass=$(echo "$user" | python3 -c 'import json,sys;print(json.load(sys.stdin)["passkey"])')
echo "creating $TORRENTS posts with metainfo..." >&2
python3 "$(dirname "$0")/tracker_setup.py" "$API" "$uid" "$cred" "$TORRENTS" \
  >"$WORK/hashes"
port=${API##*:}

sky=$("$LOAD" --port "$port" --prefix "/announce/$pass" --hashes "$WORK/hashes" \
  --peers "$PEERS" --connections "$CONNECTIONS" --duration "$DURATION")
echo "skyhaul:     $sky"

mkdir -p "$WORK/ot"
chmod 755 "$WORK" "$WORK/ot"
cp "$WORK/hashes" "$WORK/ot/whitelist"
chmod 644 "$WORK/ot/whitelist"
otport=$(free_port)
(cd "$WORK/ot" && exec opentracker -i 127.0.0.1 -p "$otport" -P "$otport" \
  -d . -w whitelist) >"$WORK/ot.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do
  curl -s -m 1 -o /dev/null "http://127.0.0.1:$otport/stats" && break
  sleep 0.1
done
ot=$("$LOAD" --port "$otport" --prefix /announce --hashes "$WORK/hashes" \
  --peers "$PEERS" --connections "$CONNECTIONS" --duration "$DURATION")
echo "opentracker: $ot"

python3 - "$sky" "$ot" <<'PY'
import sys
def f(line):
    return dict(kv.split("=") for kv in line.split())
s, o = f(sys.argv[1]), f(sys.argv[2])
print("ratio rps skyhaul/opentracker=%.2f  p99 skyhaul=%sms opentracker=%sms"
      % (float(s["rps"]) / float(o["rps"]), s["p99_ms"], o["p99_ms"]))
PY
