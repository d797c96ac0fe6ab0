#!/usr/bin/env bash
# One verified download of SIZE MiB from a local nginx by two skyhauld
# binaries, in alternating runs, so that a noisy host hits both alike.
# Both daemons run side by side on the same nginx and the same cached
# file; each run is one task with a sha1 (MD5, SHA-1 and CRC32 computed,
# verified, fsynced and stored; timed to its finished event by
# benchmarks/sky_task.py). Beside the wall time, the daemon's own CPU
# time per GiB (user + system, from /proc).
# Usage: benchmarks/ab_download.sh OLD_SKYHAULD NEW_SKYHAULD [RUNS] [SIZE_MIB]
# Prints one line per run, `old|new run=R seconds=S cpu_s_per_gib=C`, then
# the median of each and new/old.
source "$(dirname "$0")/common.sh"
need nginx sha1sum
OLD=$1; NEW=$2; RUNS=${3:-6}; SIZE=${4:-1024}

f=$(source_file "$SIZE"); SHA1=$(cat "$f.sha1")
mkdir -p "$WORK/www"
ln -s "$f" "$WORK/www/b.bin"
start_nginx "$WORK/www" "access_log off;"
URL=http://127.0.0.1:$NGX_PORT/b.bin
cat "$f" > /dev/null # into the page cache

declare -A api key pid
for which in old new; do
  b=$OLD; [ "$which" = new ] && b=$NEW
  BIN=$(dirname "$b") start_skyhauld "$WORK/$which"
  api[$which]=${API#http://}; key[$which]=$KEY; pid[$which]=$SKY_PID
done

TICK=$(getconf CLK_TCK)
for r in $(seq "$RUNS"); do
  # Alternate which goes first, so neither always follows the other.
  order="old new"; [ $((r % 2)) -eq 0 ] && order="new old"
  for which in $order; do
    printf '{"url":"%s","bucket":"bench","key":"run-%s.bin","sha1":"%s"}\n' \
      "$URL" "$r" "$SHA1" > "$WORK/body.json"
    before=$(cpu_ticks "${pid[$which]}")
    s=$(python3 "$ROOT/benchmarks/sky_task.py" "${api[$which]}" \
        "${key[$which]}" "$WORK/body.json" --delete)
    after=$(cpu_ticks "${pid[$which]}")
    cpu=$(python3 -c 'import sys;print("%.2f" % ((int(sys.argv[2]) - int(sys.argv[1])) / int(sys.argv[3]) * 1024 / int(sys.argv[4])))' \
          "$before" "$after" "$TICK" "$SIZE")
    echo "$which run=$r seconds=$s cpu_s_per_gib=$cpu"
    echo "$which $s $cpu" >> "$WORK/runs"
  done
done
python3 - "$WORK/runs" <<'PY'
import statistics, sys
runs = {"old": [], "new": []}
cpu = {"old": [], "new": []}
for line in open(sys.argv[1]):
    w, s, c = line.split()
    runs[w].append(float(s)); cpu[w].append(float(c))
m = {w: statistics.median(v) for w, v in runs.items()}
c = {w: statistics.median(v) for w, v in cpu.items()}
print("median old=%.3f s new=%.3f s new/old=%.3f" % (m["old"], m["new"], m["new"] / m["old"]))
print("best   old=%.3f s new=%.3f s new/old=%.3f" % (min(runs["old"]), min(runs["new"]), min(runs["new"]) / min(runs["old"])))
print("cpu_s_per_gib median old=%.2f new=%.2f" % (c["old"], c["new"]))
PY
