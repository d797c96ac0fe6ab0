#!/usr/bin/env bash
# The Offcloud face under load, beside the Task API in the same run:
#   /api/cache with 100 form-encoded hashes (half cached) against an
#   info-hash cache of CACHED whole torrents;
#   /api/cloud/status (form-encoded requestId) over REQUESTS requests;
#   the Task API's GET /task/tid/<tid>/status over the same requests.
# Usage: benchmarks/offcloud_bench.sh [CONNECTIONS] [SECONDS] [CACHED] [REQUESTS]
# Prints the three loadgen lines (rps, p50_ms, p99_ms), then the ratio of
# the two status rates.
source "$(dirname "$0")/common.sh"
CONN=${1:-32}
SECS=${2:-10}
CACHED=${3:-100000}
REQUESTS=${4:-10000}
need_loadgen
[ -x "$BIN/offcloud_seed" ] || { echo "build first: make bench" >&2; exit 1; }

# A first start makes the database and its admin; the cache is filled
# while the daemon is stopped (one writer), then it starts again.
start_skyhauld "$WORK/sky"
stop_pid "$SKY_PID"
"$BIN/offcloud_seed" "$WORK/sky" "$CACHED" >&2
start_skyhauld "$WORK/sky"

common=(--connections "$CONN" --duration "$SECS")
cache=$("$LOADGEN" --url "$API" --mode oc-cache --key "$KEY" --cached "$CACHED" "${common[@]}")
echo "offcloud $cache"
# Both status modes create their REQUESTS paused tasks first (not timed).
oc_status=$("$LOADGEN" --url "$API" --mode oc-status --key "$KEY" --tasks "$REQUESTS" "${common[@]}")
echo "offcloud $oc_status"
task_status=$("$LOADGEN" --url "$API" --mode status --key "$KEY" --tasks "$REQUESTS" "${common[@]}")
echo "taskapi  $task_status"

python3 - "$(field "$oc_status" rps)" "$(field "$task_status" rps)" <<'PY'
import sys
oc, task = map(float, sys.argv[1:])
print(f"status_ratio={oc / task if task else float('inf'):.2f} "
      f"(offcloud_status_rps={oc:.0f} / task_api_status_rps={task:.0f})")
PY
