#!/usr/bin/env bash
# Task submission and status query rates of skyhauld against aria2's
# JSON-RPC (aria2.addUri of paused downloads, aria2.tellStatus), measured in
# the same run with the same connection count and duration.
# Skyhaul commits every task to LMDB (durable, fsynced) before it answers;
# aria2 keeps its session in memory only.
# Usage: benchmarks/api_bench.sh [CONNECTIONS] [SECONDS] [THREADS]
# Prints the four loadgen lines, then submit_ratio= and status_ratio=.
source "$(dirname "$0")/common.sh"
CONN=${1:-64}
SECS=${2:-10}
THREADS=${3:-1}
need_loadgen

start_skyhauld "$WORK/sky"
start_aria2
common=(--connections "$CONN" --duration "$SECS" --threads "$THREADS" --tasks 1000)

sky_create=$("$LOADGEN" --url "$API" --mode create --key "$KEY" "${common[@]}")
echo "skyhaul $sky_create"
aria_add=$("$LOADGEN" --url "$ARIA_URL" --mode aria2-add --secret "$ARIA_SECRET" "${common[@]}")
echo "aria2   $aria_add"
sky_status=$("$LOADGEN" --url "$API" --mode status --key "$KEY" "${common[@]}")
echo "skyhaul $sky_status"
aria_status=$("$LOADGEN" --url "$ARIA_URL" --mode aria2-status --secret "$ARIA_SECRET" "${common[@]}")
echo "aria2   $aria_status"

python3 - "$(field "$sky_create" rps)" "$(field "$aria_add" rps)" \
          "$(field "$sky_status" rps)" "$(field "$aria_status" rps)" <<'PY'
import sys
sc, aa, ss, ast = map(float, sys.argv[1:])
r = lambda a, b: a / b if b else float("inf")
print(f"submit_ratio={r(sc, aa):.2f} (target >= 5; skyhaul_create_rps={sc:.0f} / aria2_add_rps={aa:.0f})")
print(f"status_ratio={r(ss, ast):.2f} (target >= 1.5; skyhaul_status_rps={ss:.0f} / aria2_status_rps={ast:.0f})")
PY
