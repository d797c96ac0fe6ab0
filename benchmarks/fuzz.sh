#!/bin/sh
# Runs every fuzz target for RUNS executions (default 10,000,000), or
# until it has run MAX_SECONDS (default: no bound), JOBS targets at a time
# (default 1), and prints executions and crashes per target. Crashing
# inputs are kept in build-fuzz/bench-findings/<target>/; a crash ends
# that target's run.
# Do not stop the fuzzers with SIGSTOP: libFuzzer's per-input timeout runs
# on wall time, and a pause shows up as a false timeout. To spare the host,
# run it under `nice -n 19` instead.
# Usage: benchmarks/fuzz.sh [RUNS] [MAX_SECONDS] [JOBS]   (after `make fuzz`)
set -u
runs=${1:-10000000}
max_secs=${2:-0}
jobs=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FUZZ_BUILD:-$root/build-fuzz}/bin
out=${FUZZ_BUILD:-$root/build-fuzz}/bench-findings
mkdir -p "$out"

# One target: runs it and writes its line to $out/<target>.line.
run_one() {
  t=$1
  src=$root/fuzz/corpus/$t
  mkdir -p "$out/$t" "$out/$t.corpus"
  start=$(date +%s)
  "$bin/fuzz_$t" -runs="$runs" -max_total_time="$max_secs" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/$t/" \
    -print_final_stats=1 "$out/$t.corpus" "$src" >"$out/$t.log" 2>&1
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$t.log" \
          | grep -o '[0-9]*$' | awk '{s+=$1} END {print s+0}')
  crashes=$(find "$out/$t" -type f \( -name 'crash-*' -o -name 'leak-*' \
            -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-14s %12s %8s %8s\n' "$t" "$execs" "$crashes" \
    $(( $(date +%s) - start )) >"$out/$t.line"
}

if [ "${1:-}" = --one ]; then
  runs=$2 max_secs=$3
  run_one "$4"
  exit 0
fi

targets=$(for src in "$root"/fuzz/corpus/*/; do basename "$src"; done)
for t in $targets; do rm -f "$out/$t.line"; done
printf '%s\n' $targets \
  | xargs -P "$jobs" -I{} "$0" --one "$runs" "$max_secs" {}
printf '%-14s %12s %8s %8s\n' target executions crashes seconds
for t in $targets; do cat "$out/$t.line"; done
