#!/usr/bin/env bash
# Runs the torrent integration suite RUNS times in a row (default 30) while
# parallel disk and CPU load competes with it, and counts the failures.
# Completion reported before libtorrent's writes reach the files only shows
# under such load, so a clean run here is the evidence that it cannot.
#
#   tests/stress_torrent.sh [RUNS] [BUILD_DIR]
#
# The load is stress-ng (--io, --hdd, --cpu) when installed, otherwise dd +
# sha256sum loops; it writes only under a scratch folder, touches no
# network, and stops with the script (also on Ctrl-C). Everything the suite
# starts listens on 127.0.0.1. Exits 0 only when every run passed; the
# output of failed runs is kept in the scratch folder.

set -u

runs=${1:-30}
build=${2:-build}
test_bin="$build/bin/test_integration_torrent"
[ -x "$test_bin" ] || test_bin="$build/tests/test_integration_torrent"
if [ ! -x "$test_bin" ]; then
  echo "no test_integration_torrent under $build (build it first)" >&2
  exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/skyhaul-stress.XXXXXX")
load_pids=()

stop_load() {
  for pid in "${load_pids[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null
  done
  for pid in "${load_pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  load_pids=()
}
trap 'stop_load; exit 130' INT TERM
trap 'stop_load' EXIT

# Each load job runs in its own process group so it stops as a whole.
start_load() {
  if command -v stress-ng >/dev/null; then
    setsid stress-ng --io 2 --hdd 2 --hdd-bytes 64M --cpu 2 \
      --temp-path "$scratch" --timeout 0 >/dev/null 2>&1 &
    load_pids+=($!)
  else
    for i in 1 2; do
      setsid bash -c "while :; do
          dd if=/dev/urandom of='$scratch/load$i' bs=1M count=64 \
             conv=fsync status=none
          sha256sum '$scratch/load$i' >/dev/null
        done" &
      load_pids+=($!)
    done
    for i in 1 2; do
      setsid bash -c "while :; do
          head -c 256M /dev/zero | sha256sum >/dev/null
        done" &
      load_pids+=($!)
    done
  fi
}

start_load
echo "load: $(command -v stress-ng >/dev/null && echo stress-ng || echo dd+sha256sum) in $scratch"

passed=0
failed=0
for ((i = 1; i <= runs; ++i)); do
  start=$(date +%s)
  log="$scratch/run$i.log"
  if timeout 900 "$test_bin" --log_level=test_suite >"$log" 2>&1; then
    passed=$((passed + 1))
    result=pass
    rm -f "$log"
  else
    failed=$((failed + 1))
    result="FAIL (log: $log)"
  fi
  echo "run $i/$runs: $result in $(($(date +%s) - start)) s"
done

stop_load
rm -f "$scratch"/load* 2>/dev/null
[ "$failed" -eq 0 ] && rm -rf "$scratch"
echo "test_integration_torrent under load: $passed/$runs passed, $failed failed"
[ "$failed" -eq 0 ]
