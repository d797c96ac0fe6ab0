#!/usr/bin/env bash
# Task creation rate of two skyhauld binaries, in alternating runs of the
# same loadgen (64 connections), so that a noisy host hits both alike.
# Beside the rate, the daemon's own CPU time per created task (user +
# system, from /proc), which a host busy with other work disturbs less.
# Usage: benchmarks/ab_create.sh OLD_SKYHAULD NEW_SKYHAULD [RUNS] [SECONDS]
# Prints one line per run: old|new run=R RPS cpu_us_per_create=U
source "$(dirname "$0")/common.sh"
need_loadgen
OLD=$1; NEW=$2; RUNS=${3:-4}; SECS=${4:-5}
LG=$LOADGEN
TICK_US=$((1000000 / $(getconf CLK_TCK)))
for r in $(seq "$RUNS"); do
  for which in old new; do
    b=$OLD; [ "$which" = new ] && b=$NEW
    BIN=$(dirname "$b") start_skyhauld "$WORK/$which$r"
    before=$(cpu_ticks "$SKY_PID")
    out=$("$LG" --url "$API" --mode create --key "$KEY" --connections 64 --duration "$SECS" --tasks 1000)
    after=$(cpu_ticks "$SKY_PID")
    n=$(field "$out" requests)
    echo "$which run=$r $(field "$out" rps) cpu_us_per_create=$(( (after - before) * TICK_US / (n > 0 ? n : 1) ))"
    stop_pid "$SKY_PID"
  done
done
