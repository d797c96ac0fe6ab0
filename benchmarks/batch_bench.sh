#!/usr/bin/env bash
# Many small files: N files of SIZE_KIB served by a local nginx, fetched 8
# at once in the same run by `aria2c -j8 -i list` and by skyhauld with one
# `POST /task/batch/create` (every file downloaded, hashed MD5+SHA-1+CRC32,
# fsynced and stored as an object) and `--max-active 8`. Skyhaul's time is
# wall time from the batch request to the state counter showing N
# finished (polled every 20 ms). Runs alternate; the best of RUNS is kept.
# Usage: benchmarks/batch_bench.sh [N] [SIZE_KIB] [RUNS]
# Prints: files=… size_kib=… aria2_s=… skyhaul_s=… submit_s=…
#         ratio=aria2/skyhaul (speed relative to aria2c; target >= 1.0)
source "$(dirname "$0")/common.sh"
need nginx aria2c
N=${1:-2000}
SIZE_KIB=${2:-256}
RUNS=${3:-3}

mkdir -p "$WORK/www"
head -c "${SIZE_KIB}K" /dev/urandom > "$WORK/www/src.bin"
for i in $(seq "$N"); do ln "$WORK/www/src.bin" "$WORK/www/f$i.bin"; done
start_nginx "$WORK/www"
BASE=http://127.0.0.1:$NGX_PORT

for i in $(seq "$N"); do echo "$BASE/f$i.bin"; done > "$WORK/list.txt"

aria_times=() sky_times=() submit_times=()
for r in $(seq "$RUNS"); do
  rm -rf "$WORK/aria"; mkdir -p "$WORK/aria"
  t0=$(now)
  timeout 600 aria2c -q --no-conf -j8 -x1 -s1 --file-allocation=none \
    --auto-file-renaming=false --allow-overwrite=true -d "$WORK/aria" -i "$WORK/list.txt"
  t1=$(now)
  [ "$(ls "$WORK/aria" | wc -l)" -eq "$N" ] || { echo "aria2c fetched $(ls "$WORK/aria" | wc -l) of $N" >&2; exit 1; }
  aria_times+=("$(elapsed "$t0" "$t1")")

  rm -rf "$WORK/sky"
  start_skyhauld "$WORK/sky" --max-active 8
  out=$(python3 - "$API" "$KEY" "$WORK/list.txt" "$N" <<'PY'
import http.client, json, sys, time, urllib.parse
api, key, listing, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
u = urllib.parse.urlparse(api)
urls = [l.strip() for l in open(listing) if l.strip()]
body = json.dumps({"tasks": [{"url": x, "bucket": "bench", "key": "k/%d" % i}
                             for i, x in enumerate(urls)]})
c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
t0 = time.monotonic()
c.request("POST", "/task/batch/create", body, h)
r = json.loads(c.getresponse().read())
t1 = time.monotonic()
assert r.get("created") == n, r
deadline = t0 + 600
while True:
    c.request("GET", "/task/state_counter", headers=h)
    d = json.loads(c.getresponse().read())["detail"]
    if d["finished"] + d["failed"] == n:
        break
    if time.monotonic() > deadline:
        sys.exit("timed out: %r" % d)
    time.sleep(0.02)
t2 = time.monotonic()
assert d["failed"] == 0, d
print("%.3f %.3f" % (t2 - t0, t1 - t0))
PY
)
  stop_pid "$SKY_PID"
  sky_times+=("${out% *}"); submit_times+=("${out#* }")
  echo "run $r: aria2_s=${aria_times[-1]} skyhaul_s=${sky_times[-1]} submit_s=${submit_times[-1]}" >&2
done

a=$(printf '%s\n' "${aria_times[@]}" | best)
s=$(printf '%s\n' "${sky_times[@]}" | best)
b=$(printf '%s\n' "${submit_times[@]}" | best)
echo "files=$N size_kib=$SIZE_KIB runs=$RUNS aria2_s=$a skyhaul_s=$s submit_s=$b"
python3 -c 'import sys;a,s=map(float,sys.argv[1:]);print(f"ratio={a/s:.3f} (aria2_s/skyhaul_s: skyhaul speed relative to aria2c -j8 -i, target >= 1.0)")' "$a" "$s"
