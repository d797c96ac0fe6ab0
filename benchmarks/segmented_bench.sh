#!/usr/bin/env bash
# Segmented HTTP downloads against a local nginx, in one run:
#  1. a per-connection throttled origin (limit_rate 8m), SIZE_A MiB,
#     verified by sha1: skyhauld (--split 8) vs
#     `aria2c -x8 -s8 --checksum=sha-1=…`; target speed ratio >= 1.0.
#  2. SIZE_B MiB unthrottled: skyhauld segmented vs skyhauld with one
#     connection vs `curl -o`, and the MD5 time of the file on one core
#     (OpenSSL's, as Skyhaul uses: `openssl dgst -md5`, file in the page
#     cache; coreutils' md5sum is slower and would loosen the floor); target
#     segmented <= 1.05 * max(curl wall, md5 time).
# Each figure is the best of RUNS, runs interleaved. Skyhaul's time is wall
# time from POST /task to the event on GET /events that says "finished"
# (the file downloaded, hashed MD5+SHA-1+CRC32, verified, fsynced and
# stored; benchmarks/sky_task.py).
# Usage: benchmarks/segmented_bench.sh [SIZE_A_MIB] [SIZE_B_MIB] [RUNS]
source "$(dirname "$0")/common.sh"
need nginx aria2c sha1sum openssl
SIZE_A=${1:-192}
SIZE_B=${2:-1024}
RUNS=${3:-3}

FILE_A=$(source_file "$SIZE_A"); SHA1_A=$(cat "$FILE_A.sha1")
FILE_B=$(source_file "$SIZE_B"); SHA1_B=$(cat "$FILE_B.sha1")

mkdir -p "$WORK/www/slow"
ln -s "$FILE_A" "$WORK/www/slow/a.bin"
ln -s "$FILE_B" "$WORK/www/b.bin"
start_nginx "$WORK/www" "access_log off; location /slow/ { limit_rate 8m; }"
URL_A=http://127.0.0.1:$NGX_PORT/slow/a.bin
URL_B=http://127.0.0.1:$NGX_PORT/b.bin

start_skyhauld "$WORK/sky"
API_HOSTPORT=${API#http://}

sky() { # sky URL SHA1 [CONNECTIONS]: seconds of one verified task
  python3 -c 'import json,sys
b={"url":sys.argv[1],"bucket":"bench","key":sys.argv[3],"sha1":sys.argv[2]}
if len(sys.argv) > 4: b["connections"]=int(sys.argv[4])
print(json.dumps(b))' "$1" "$2" "run-$RANDOM$RANDOM.bin" ${3:+"$3"} > "$WORK/body.json"
  python3 "$ROOT/benchmarks/sky_task.py" "$API_HOSTPORT" "$KEY" "$WORK/body.json" --delete
}

aria_a=() sky_a=() curl_b=() md5_b=() seg_b=() one_b=()
for i in $(seq "$RUNS"); do
  t0=$(now)
  timeout 600 aria2c -q --no-conf -x8 -s8 --checksum=sha-1="$SHA1_A" \
    --allow-overwrite=true --file-allocation=none --auto-file-renaming=false \
    -d "$WORK" -o aria.out "$URL_A"
  t1=$(now); aria_a+=("$(elapsed "$t0" "$t1")"); rm -f "$WORK/aria.out"
  sky_a+=("$(sky "$URL_A" "$SHA1_A")")

  t0=$(now); curl -sf -m 600 -o "$WORK/curl.out" "$URL_B"; t1=$(now)
  curl_b+=("$(elapsed "$t0" "$t1")"); rm -f "$WORK/curl.out"
  t0=$(now); openssl dgst -md5 "$FILE_B" > /dev/null; t1=$(now)
  md5_b+=("$(elapsed "$t0" "$t1")")
  seg_b+=("$(sky "$URL_B" "$SHA1_B")")
  one_b+=("$(sky "$URL_B" "$SHA1_B" 1)")
  echo "run $i: aria2_a=${aria_a[-1]} skyhaul_a=${sky_a[-1]} curl_b=${curl_b[-1]}" \
       "md5_b=${md5_b[-1]} segmented_b=${seg_b[-1]} one_b=${one_b[-1]}" >&2
done

aa=$(printf '%s\n' "${aria_a[@]}" | best)
sa=$(printf '%s\n' "${sky_a[@]}" | best)
cb=$(printf '%s\n' "${curl_b[@]}" | best)
mb=$(printf '%s\n' "${md5_b[@]}" | best)
gb=$(printf '%s\n' "${seg_b[@]}" | best)
ob=$(printf '%s\n' "${one_b[@]}" | best)
echo "throttled: size_mib=$SIZE_A runs=$RUNS aria2_s=$aa skyhaul_s=$sa"
echo "unthrottled: size_mib=$SIZE_B runs=$RUNS curl_s=$cb md5_s=$mb segmented_s=$gb one_connection_s=$ob"
python3 - "$aa" "$sa" "$cb" "$mb" "$gb" "$ob" <<'PY'
import sys
aa, sa, cb, mb, gb, ob = map(float, sys.argv[1:])
print(f"throttled_speed_vs_aria2={aa / sa:.3f} (aria2 time / skyhaul time, target >= 1.0)")
floor = max(cb, mb)
print(f"unthrottled_vs_floor={gb / floor:.3f} (segmented / max(curl, md5), target <= 1.05)")
print(f"one_connection_vs_floor={ob / floor:.3f}; segmented_vs_one={gb / ob:.3f} (target <= 1.0)")
PY
