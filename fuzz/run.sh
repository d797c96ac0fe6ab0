#!/bin/sh
# Runs every fuzz target for SECONDS seconds (default 20) from its seed
# corpus, after replaying its regressions. Fails when one finds a crash;
# the input is left in build-fuzz/findings/<target>/.
# Usage: fuzz/run.sh [SECONDS]   (after `make fuzz`)
set -u
secs=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${FUZZ_BUILD:-$root/build-fuzz}/bin
out=${FUZZ_BUILD:-$root/build-fuzz}/findings
failed=0
for src in "$root"/fuzz/corpus/*/; do
  t=$(basename "$src")
  mkdir -p "$out/$t" "$out/$t.corpus"
  if [ -d "$root/fuzz/regressions/$t" ] \
      && ! "$root/fuzz/replay.sh" "$bin/fuzz_$t" "$root/fuzz/regressions/$t" \
           >"$out/$t.replay.log" 2>&1; then
    echo "$t: a regression input crashes (see $out/$t.replay.log)"
    failed=1
    continue
  fi
  if "$bin/fuzz_$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$out/$t/" -print_final_stats=1 \
      "$out/$t.corpus" "$src" >"$out/$t.log" 2>&1; then
    echo "$t: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$t.log" | grep -o '[0-9]*$') executions, 0 crashes"
  else
    echo "$t: CRASH (see $out/$t.log and $out/$t/)"
    failed=1
  fi
done
exit $failed
