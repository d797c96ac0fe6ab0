#!/usr/bin/env bash
# Leeching one single-file torrent from one local seeder (a python-libtorrent
# session, tests/support/seeder.py), found through a local opentracker, by
# `aria2c` and by a skyhauld task in the same run. Runs are interleaved
# (aria2c, skyhaul, aria2c, ...) and the best of RUNS is kept for each.
# Skyhaul's time is wall time from POST /task (the .torrent uploaded as
# base64) to the event on GET /events that says "finished" (benchmarks/
# sky_task.py): it includes hashing every file (MD5, SHA-1, CRC32), fsync
# and storing the object. Each skyhaul run
# uses a fresh data dir, so the info-hash cache never answers.
# Usage: benchmarks/torrent_bench.sh [SIZE_MIB] [RUNS]
# Prints: size_mib=… runs=… aria2_s=… skyhaul_s=… and
#         speed_ratio=aria2_s/skyhaul_s (skyhaul's speed relative to aria2c,
#         target >= 1.0)
source "$(dirname "$0")/common.sh"
need aria2c opentracker /usr/bin/python3
SIZE_MIB=${1:-1024}
RUNS=${2:-1}
SEEDER=$ROOT/tests/support/seeder.py
PY=/usr/bin/python3

# The data and its .torrent are cached between runs of the script.
CACHE=/tmp/skyhaul-bench-bt-$SIZE_MIB
if [ ! -s "$CACHE/info.json" ]; then
  echo "creating $CACHE ($SIZE_MIB MiB and its torrent)" >&2
  rm -rf "$CACHE"; mkdir -p "$CACHE"
  $PY "$SEEDER" make --data "$CACHE/data" --name bench.bin \
    --out "$CACHE/bench.torrent" "bench.bin:$((SIZE_MIB * 1048576))" > "$CACHE/info.json.tmp"
  mv "$CACHE/info.json.tmp" "$CACHE/info.json"
fi
HASH=$(json_get "$CACHE/info.json" info_hash)

# opentracker drops to nobody and chroots into its folder: make it readable.
TRK=$WORK/tracker
mkdir -p "$TRK"; chmod 755 "$WORK" "$TRK"
echo "$HASH" > "$TRK/whitelist"; chmod 644 "$TRK/whitelist"
TRK_PORT=$(free_port)
(cd "$TRK" && exec opentracker -i 127.0.0.1 -p "$TRK_PORT" -P "$TRK_PORT" -d . -w whitelist) \
  >"$WORK/tracker.log" 2>&1 &
PIDS+=($!)
ANNOUNCE=http://127.0.0.1:$TRK_PORT/announce
TORRENT=$WORK/bench.torrent
$PY "$SEEDER" retrack --torrent "$CACHE/bench.torrent" --tracker "$ANNOUNCE" --out "$TORRENT"

# The seeder checks the data, then announces.
mkfifo "$WORK/seed.in"
$PY "$SEEDER" seed --torrent "$TORRENT" --data "$CACHE/data" < "$WORK/seed.in" > "$WORK/seed.out" 2>"$WORK/seed.err" &
PIDS+=($!)
exec 7>"$WORK/seed.in"
for _ in $(seq 1200); do [ -s "$WORK/seed.out" ] && break; sleep 0.1; done
[ -s "$WORK/seed.out" ] || { echo "the seeder did not start" >&2; cat "$WORK/seed.err" >&2; exit 1; }
SCRAPE="http://127.0.0.1:$TRK_PORT/scrape?info_hash=$(echo "$HASH" | sed 's/../%&/g')"
for _ in $(seq 600); do
  curl -s -m 2 "$SCRAPE" | grep -q '8:completei[1-9]' && break; sleep 0.1
done
curl -s -m 2 "$SCRAPE" | grep -q '8:completei[1-9]' || { echo "the tracker has no seeder" >&2; exit 1; }

python3 -c 'import base64,json,sys;print(json.dumps({"torrent":base64.b64encode(open(sys.argv[1],"rb").read()).decode(),"bucket":"bench"}))' \
  "$TORRENT" > "$WORK/body.json"


aria_times=() sky_times=()
for i in $(seq "$RUNS"); do
  rm -rf "$WORK/a2"; mkdir -p "$WORK/a2"
  ARIA_PORT=$(free_port) # before the clock starts: aria2c is timed alone
  t0=$(now)
  timeout 1800 aria2c -q --no-conf --interface=127.0.0.1 --dir="$WORK/a2" \
    --enable-dht=false --enable-dht6=false \
    --bt-enable-lpd=false --enable-peer-exchange=false --seed-time=0 \
    --file-allocation=none --check-integrity=false --bt-hash-check-seed=false \
    --listen-port="$ARIA_PORT" "$TORRENT"
  t1=$(now)
  aria_times+=("$(elapsed "$t0" "$t1")"); rm -rf "$WORK/a2"

  start_skyhauld "$WORK/sky-$i" --bt-listen=127.0.0.1:0 --bt-dht=false --bt-lsd=false \
    --bt-port-mapping=false
  sky_times+=("$(python3 "$ROOT/benchmarks/sky_task.py" "${API#http://}" "$KEY" "$WORK/body.json")")
  stop_pid "$SKY_PID"; rm -rf "$WORK/sky-$i"
  echo "run $i: aria2_s=${aria_times[-1]} skyhaul_s=${sky_times[-1]}" >&2
done

a=$(printf '%s\n' "${aria_times[@]}" | best)
s=$(printf '%s\n' "${sky_times[@]}" | best)
echo "size_mib=$SIZE_MIB runs=$RUNS aria2_s=$a skyhaul_s=$s"
python3 - "$SIZE_MIB" "$a" "$s" <<'PYEOF'
import sys
mib, a, s = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"aria2_mib_s={mib / a:.1f} skyhaul_mib_s={mib / s:.1f}")
print(f"speed_ratio={a / s:.3f} (skyhaul speed / aria2c speed, target >= 1.0)")
PYEOF
