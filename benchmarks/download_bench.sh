#!/usr/bin/env bash
# One large file of random bytes served by a local nginx (sendfile on),
# fetched in the same run by `curl -o`, by `aria2c -x1 -s1` and by a
# skyhauld task (downloaded, hashed MD5+SHA-1+CRC32, verified against the
# given sha1, fsynced and stored as an object). Runs are interleaved
# (curl, aria2, skyhaul, curl, ...) and the best of RUNS is kept for each.
# Skyhaul's time is wall time from POST /task to the event on GET /events
# that says "finished" (benchmarks/sky_task.py; no status polls load the
# daemon meanwhile).
# Usage: benchmarks/download_bench.sh [SIZE_MIB] [RUNS]
# Prints: size_mib=… runs=… curl_s=… skyhaul_s=… aria2_s=… curl_fsync_s=…
#         md5_s=… (one core's MD5 of the file, from the page cache),
#         ratio_vs_floor=skyhaul/max(curl, md5) (target <= 1.05),
#         ratio=skyhaul/curl and ratio_vs_aria2=skyhaul/aria2
source "$(dirname "$0")/common.sh"
need nginx aria2c sha1sum openssl
SIZE_MIB=${1:-1024}
RUNS=${2:-3}

FILE=$(source_file "$SIZE_MIB"); SHA1=$(cat "$FILE.sha1")

mkdir -p "$WORK/www"
ln -s "$FILE" "$WORK/www/file.bin"
start_nginx "$WORK/www"
NGX_PID=$(cat "$WORK/nginx/nginx.pid")
URL=http://127.0.0.1:$NGX_PORT/file.bin

start_skyhauld "$WORK/sky"
API_HOSTPORT=${API#http://}



curl_times=() sync_times=() aria_times=() sky_times=() md5_times=() busy_times=()
for i in $(seq "$RUNS"); do
  t0=$(now); curl -sf -m 600 -o "$WORK/curl.out" "$URL"; t1=$(now)
  curl_times+=("$(elapsed "$t0" "$t1")"); rm -f "$WORK/curl.out"

  # Diagnostic: curl plus an fsync of its output (skyhaul fsyncs; curl doesn't).
  t0=$(now); curl -sf -m 600 -o "$WORK/curl.out" "$URL"; sync "$WORK/curl.out"; t1=$(now)
  sync_times+=("$(elapsed "$t0" "$t1")"); rm -f "$WORK/curl.out"

  t0=$(now)
  timeout 600 aria2c -q --no-conf -x1 -s1 --allow-overwrite=true --file-allocation=none \
    --auto-file-renaming=false -d "$WORK" -o aria.out "$URL"
  t1=$(now)
  aria_times+=("$(elapsed "$t0" "$t1")"); rm -f "$WORK/aria.out"

  # The floor's other half: MD5 cannot be split, so one core's MD5 of the
  # file (OpenSSL's, as Skyhaul uses; the file is in the page cache).
  t0=$(now); openssl dgst -md5 "$FILE" >/dev/null; t1=$(now)
  md5_times+=("$(elapsed "$t0" "$t1")")

  python3 -c 'import json,sys;print(json.dumps({"url":sys.argv[1],"bucket":"bench","key":sys.argv[3],"sha1":sys.argv[2]}))' \
    "$URL" "$SHA1" "run-$i-$RANDOM.bin" > "$WORK/body.json"
  c0=$(cpu_ticks "$SKY_PID" "$NGX_PID")
  sky_times+=("$(python3 "$ROOT/benchmarks/sky_task.py" "$API_HOSTPORT" "$KEY" "$WORK/body.json" --delete)")
  # Diagnostic: the CPU skyhauld and nginx spent on the task, spread over
  # the host's cores; on a host with few cores the work itself bounds it.
  busy_times+=("$(python3 -c 'import os,sys;print("%.3f" % ((int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf("SC_CLK_TCK") / os.cpu_count()))' "$c0" "$(cpu_ticks "$SKY_PID" "$NGX_PID")")")
  echo "run $i: curl_s=${curl_times[-1]} curl_fsync_s=${sync_times[-1]} aria2_s=${aria_times[-1]} md5_s=${md5_times[-1]} skyhaul_s=${sky_times[-1]} skyhaul_cpu_per_core_s=${busy_times[-1]}" >&2
done

c=$(printf '%s\n' "${curl_times[@]}" | best)
f=$(printf '%s\n' "${sync_times[@]}" | best)
a=$(printf '%s\n' "${aria_times[@]}" | best)
s=$(printf '%s\n' "${sky_times[@]}" | best)
m=$(printf '%s\n' "${md5_times[@]}" | best)
b=$(printf '%s\n' "${busy_times[@]}" | best)
echo "size_mib=$SIZE_MIB runs=$RUNS curl_s=$c skyhaul_s=$s aria2_s=$a curl_fsync_s=$f md5_s=$m skyhaul_cpu_per_core_s=$b"
python3 - "$c" "$a" "$s" "$f" "$m" "$b" <<'PY'
import sys
c, a, s, f, m, b = map(float, sys.argv[1:])
print(f"ratio_vs_floor={s / max(c, m):.3f} (skyhaul/max(curl, md5), target <= 1.05)")
print(f"ratio={s / c:.3f} (skyhaul/curl)")
print(f"ratio_vs_aria2={s / a:.3f} (skyhaul/aria2 -x1 -s1; aria2/curl={a / c:.3f})")
print(f"ratio_vs_curl_fsync={s / f:.3f} (diagnostic: curl -o then fsync of the file)")
print(f"ratio_vs_cpu={s / b:.3f} (diagnostic: skyhaul over the CPU skyhauld and nginx spent, per core)")
PY
