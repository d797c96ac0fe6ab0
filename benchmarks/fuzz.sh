#!/bin/sh
# Runs every fuzz target until it has run RUNS executions in all (default
# 10,000,000), or for at most MAX_SECONDS per target this time (default:
# no bound), JOBS targets at a time (default 1), and prints executions and
# crashes per target.
#
# A campaign can take several invocations: each target keeps its corpus
# (build-fuzz/bench-findings/<target>.corpus) and a ledger of executions
# done so far (<target>.total). An invocation runs only what is missing to
# RUNS, continuing from the corpus the last one left, and adds what it ran
# to the ledger, also when it was interrupted (then the count is the last
# one libFuzzer printed). `--fresh` empties the ledgers first. The ledgers
# live in the build tree: to carry a campaign over to another checkout or
# machine, write each target's count so far (one number) into its
# <target>.total before the first invocation there.
# Crashing inputs are kept in build-fuzz/bench-findings/<target>/; a crash
# ends that target's run.
#
# Do not stop the fuzzers with SIGSTOP: libFuzzer's per-input timeout runs
# on wall time, and a pause shows up as a false timeout. To spare the host,
# run it under `nice -n 19` instead. To end it, send SIGINT or SIGTERM to
# its process group: the running fuzzers print their counts, their ledgers
# are written, and no further target starts.
# Usage: benchmarks/fuzz.sh [--fresh] [RUNS] [MAX_SECONDS] [JOBS]
#        (after `make fuzz`)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FUZZ_BUILD:-$root/build-fuzz}/bin
out=${FUZZ_BUILD:-$root/build-fuzz}/bench-findings
mkdir -p "$out"

# Executions a finished or interrupted run printed in its log.
executions() {
  n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$1" | grep -o '[0-9]*$' \
      | tail -n 1)
  if [ -z "$n" ]; then
    n=$(grep -o '^#[0-9]*' "$1" | tr -d '#' | tail -n 1)
  fi
  echo "${n:-0}"
}

# One target: runs what is missing to $runs and writes its line to
# $out/<target>.line.
run_one() {
  t=$1
  src=$root/fuzz/corpus/$t
  mkdir -p "$out/$t" "$out/$t.corpus"
  # The fuzzer takes the signal itself and prints its count; this shell
  # must live on to add it to the ledger.
  trap '' INT TERM
  [ -e "$out/.stop" ] && return 0
  touch "$out/$t.running"
  done_before=$(cat "$out/$t.total" 2>/dev/null || echo 0)
  missing=$(( runs - done_before ))
  start=$(date +%s)
  if [ "$missing" -gt 0 ]; then
    "$bin/fuzz_$t" -runs="$missing" -max_total_time="$max_secs" \
      -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$out/$t/" -print_final_stats=1 \
      "$out/$t.corpus" "$src" >"$out/$t.log" 2>&1
    echo $(( done_before + $(executions "$out/$t.log") )) >"$out/$t.total"
  fi
  crashes=$(find "$out/$t" -type f \( -name 'crash-*' -o -name 'leak-*' \
            -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-14s %12s %12s %8s %8s\n' "$t" \
    $(( $(cat "$out/$t.total") - done_before )) "$(cat "$out/$t.total")" \
    "$crashes" $(( $(date +%s) - start )) >"$out/$t.line"
  rm -f "$out/$t.running"
}

if [ "${1:-}" = --one ]; then
  runs=$2 max_secs=$3
  run_one "$4"
  exit 0
fi

targets=$(for src in "$root"/fuzz/corpus/*/; do basename "$src"; done)
if [ "${1:-}" = --fresh ]; then
  shift
  for t in $targets; do rm -f "$out/$t.total"; done
fi
runs=${1:-10000000}
max_secs=${2:-0}
jobs=${3:-1}
rm -f "$out/.stop"
for t in $targets; do
  rm -f "$out/$t.line"
  [ -f "$out/$t.total" ] || echo 0 >"$out/$t.total"
done
trap 'touch "$out/.stop"' INT TERM
printf '%s\n' $targets | xargs -P "$jobs" -I{} "$0" --one "$runs" "$max_secs" {}
# After an interrupt xargs is gone, but the targets it ran are still
# writing their ledgers: wait for them (30 s at most).
tries=0
while ls "$out"/*.running >/dev/null 2>&1 && [ $tries -lt 150 ]; do
  sleep 0.2
  tries=$((tries + 1))
done
printf '%-14s %12s %12s %8s %8s\n' target "this run" "in all" crashes seconds
for t in $targets; do
  cat "$out/$t.line" 2>/dev/null || printf '%-14s (not run)\n' "$t"
done
