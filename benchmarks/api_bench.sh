#!/usr/bin/env bash
# Task submission and status query rates of skyhauld against aria2's
# JSON-RPC (aria2.addUri with paused tasks, aria2.tellStatus), measured in
# the same run with the same connections and duration.
# Usage: benchmarks/api_bench.sh [CONNECTIONS] [SECONDS]
source "$(dirname "$0")/common.sh"
CONN=${1:-64}
SECS=${2:-10}
LOADGEN=$BIN/loadgen
[ -x "$LOADGEN" ] || { echo "build first: make bench" >&2; exit 1; }

start_skyhauld "$WORK/sky"
start_aria2

sky_create=$("$LOADGEN" --target "$API" --mode create --key "$KEY" --connections "$CONN" --duration "$SECS")
aria_add=$("$LOADGEN" --target "$ARIA_URL" --mode aria2-add --secret "$ARIA_SECRET" --connections "$CONN" --duration "$SECS")
sky_status=$("$LOADGEN" --target "$API" --mode status --key "$KEY" --connections "$CONN" --duration "$SECS" --tasks 1000)
aria_status=$("$LOADGEN" --target "$ARIA_URL" --mode aria2-status --secret "$ARIA_SECRET" --connections "$CONN" --duration "$SECS" --tasks 1000)

echo "skyhaul $sky_create"
echo "aria2   $aria_add"
echo "skyhaul $sky_status"
echo "aria2   $aria_status"
python3 - "$(field "$sky_create" rps)" "$(field "$aria_add" rps)" \
          "$(field "$sky_status" rps)" "$(field "$aria_status" rps)" <<'PY'
import sys
sc, aa, ss, ast = map(float, sys.argv[1:])
print(f"submit_ratio={sc/aa:.2f} (target >= 5; skyhaul commits each task to disk before it answers, aria2 keeps it in memory)")
print(f"status_ratio={ss/ast:.2f} (target >= 1.5)")
PY
