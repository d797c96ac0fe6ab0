#!/usr/bin/env bash
# Resident memory per waiting task: N paused tasks submitted to skyhauld
# (--max-active 1) and, in the same run, N paused downloads added to aria2c
# through aria2.addUri. RSS is VmRSS from /proc/<pid>/status, read after a
# 200-request warm-up (so connection buffers and allocator arenas are not
# charged to the tasks) and again 1 s after the N submissions.
# Usage: benchmarks/memory_bench.sh [TASKS] [CONNECTIONS]
# Prints the two loadgen lines, then for each daemon
#   rss_before_kb=… rss_after_kb=… per_task_bytes=…   (skyhaul target <= 2048)
# and ratio=skyhaul_per_task/aria2_per_task.
source "$(dirname "$0")/common.sh"
N=${1:-100000}
CONN=${2:-64}
need_loadgen

rss_anon_kb() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }

start_skyhauld "$WORK/sky" --max-active 1
sky_start=$(rss_kb "$SKY_PID")
"$LOADGEN" --url "$API" --mode create --key "$KEY" --connections "$CONN" --duration 30 --requests 200 > /dev/null
sleep 1
sky_before=$(rss_kb "$SKY_PID") sky_before_anon=$(rss_anon_kb "$SKY_PID")
out=$("$LOADGEN" --url "$API" --mode create --key "$KEY" --connections "$CONN" --duration 600 --requests "$N")
echo "skyhaul $out"
[ "$(field "$out" requests)" -eq "$N" ] || echo "warning: skyhaul accepted $(field "$out" requests) of $N tasks" >&2
sleep 1
sky_after=$(rss_kb "$SKY_PID") sky_after_anon=$(rss_anon_kb "$SKY_PID")
stop_pid "$SKY_PID"   # free the CPU and memory before aria2 runs

start_aria2
aria_start=$(rss_kb "$ARIA_PID")
"$LOADGEN" --url "$ARIA_URL" --mode aria2-add --secret "$ARIA_SECRET" --connections "$CONN" --duration 30 --requests 200 > /dev/null
sleep 1
aria_before=$(rss_kb "$ARIA_PID") aria_before_anon=$(rss_anon_kb "$ARIA_PID")
out=$("$LOADGEN" --url "$ARIA_URL" --mode aria2-add --secret "$ARIA_SECRET" --connections "$CONN" --duration 600 --requests "$N")
echo "aria2   $out"
[ "$(field "$out" requests)" -eq "$N" ] || echo "warning: aria2 accepted $(field "$out" requests) of $N downloads" >&2
sleep 1
aria_after=$(rss_kb "$ARIA_PID") aria_after_anon=$(rss_anon_kb "$ARIA_PID")

python3 - "$N" "$sky_start" "$sky_before" "$sky_after" "$sky_before_anon" "$sky_after_anon" \
  "$aria_start" "$aria_before" "$aria_after" "$aria_before_anon" "$aria_after_anon" <<'PY'
import sys
n, ss, sb, sa, sba, saa, as_, ab, aa, aba, aaa = map(int, sys.argv[1:])
s = (sa - sb) * 1024 / n
a = (aa - ab) * 1024 / n
print(f"skyhaul tasks={n} rss_start_kb={ss} rss_before_kb={sb} rss_after_kb={sa} "
      f"per_task_bytes={s:.0f} anon_per_task_bytes={(saa - sba) * 1024 / n:.0f} (target <= 2048)")
print(f"aria2   tasks={n} rss_start_kb={as_} rss_before_kb={ab} rss_after_kb={aa} "
      f"per_task_bytes={a:.0f} anon_per_task_bytes={(aaa - aba) * 1024 / n:.0f}")
print(f"ratio={s / a:.3f} (skyhaul per-task bytes / aria2 per-task bytes)")
PY
