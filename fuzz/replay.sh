#!/bin/sh
# Runs a fuzz target once over every file of the given folders (its seed
# corpus and its regressions): fails on the first input that crashes.
set -e
bin=$1
shift
files=$(for d in "$@"; do if [ -d "$d" ]; then find "$d" -type f ! -name '.*'; fi; done)
[ -n "$files" ] || { echo "no inputs in $*" >&2; exit 1; }
# shellcheck disable=SC2086
exec "$bin" -runs=1 $files
