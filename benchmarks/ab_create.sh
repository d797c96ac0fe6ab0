#!/usr/bin/env bash
# Task creation rate of two skyhauld binaries, in alternating runs of the
# same loadgen (64 connections), so that a noisy host hits both alike.
# Usage: benchmarks/ab_create.sh OLD_SKYHAULD NEW_SKYHAULD [RUNS] [SECONDS]
# Prints one line per run: old|new run=R RPS
source "$(dirname "$0")/common.sh"
need_loadgen
OLD=$1; NEW=$2; RUNS=${3:-4}; SECS=${4:-5}
LG=$LOADGEN
for r in $(seq "$RUNS"); do
  for which in old new; do
    b=$OLD; [ "$which" = new ] && b=$NEW
    BIN=$(dirname "$b") start_skyhauld "$WORK/$which$r"
    out=$("$LG" --url "$API" --mode create --key "$KEY" --connections 64 --duration "$SECS" --tasks 1000)
    echo "$which run=$r $(field "$out" rps)"
    stop_pid "$SKY_PID"
  done
done
