#!/bin/sh
# Runs every fuzz target for RUNS executions (default 10,000,000) and
# prints executions and crashes per target. Crashing inputs are kept in
# build-fuzz/bench-findings/<target>/; a crash ends that target's run.
# Usage: benchmarks/fuzz.sh [RUNS]   (after `make fuzz`)
set -u
runs=${1:-10000000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FUZZ_BUILD:-$root/build-fuzz}/bin
out=${FUZZ_BUILD:-$root/build-fuzz}/bench-findings
printf '%-14s %12s %8s %8s\n' target executions crashes seconds
for src in "$root"/fuzz/corpus/*/; do
  t=$(basename "$src")
  mkdir -p "$out/$t" "$out/$t.corpus"
  start=$(date +%s)
  "$bin/fuzz_$t" -runs="$runs" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$out/$t/" -print_final_stats=1 \
    "$out/$t.corpus" "$src" >"$out/$t.log" 2>&1
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$t.log" \
          | grep -o '[0-9]*$' | awk '{s+=$1} END {print s+0}')
  crashes=$(find "$out/$t" -type f \( -name 'crash-*' -o -name 'leak-*' \
            -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-14s %12s %8s %8s\n' "$t" "$execs" "$crashes" $(( $(date +%s) - start ))
done
