#!/usr/bin/env bash
# Installs the build into a fresh prefix, builds examples/embed against the
# installed package (find_package(skyhaul)), and runs it: it must download
# a file from a local origin inside its own actor_system and verify it.
# Usage: build_and_run.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$build/embed-test
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
# Nothing of the source tree may leak into the package.
if grep -rq "$src" "$work/prefix/lib/cmake/skyhaul"; then
  echo "the installed package names the source tree:" >&2
  grep -rn "$src" "$work/prefix/lib/cmake/skyhaul" >&2
  exit 1
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/examples/embed" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}" >"$work/configure.log"
cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }

# The origin: its first line is {"port": N}; it serves until stdin closes.
coproc ORIGIN { python3 "$src/tests/support/origin.py"; }
trap 'kill $ORIGIN_PID 2>/dev/null || true' EXIT
read -r -t 10 first <&"${ORIGIN[0]}"
port=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["port"])' "$first")
size=300000
sha1=$(python3 - "$src/tests/support" "$size" <<'PY'
import hashlib, sys
sys.path.insert(0, sys.argv[1])
import origin
print(hashlib.sha1(origin.content(0, int(sys.argv[2]))).hexdigest())
PY
)
out=$(timeout 120 "$work/build/embed" "$work/data" "http://127.0.0.1:$port/file/$size" "$sha1")
echo "$out"
grep -q "finished" <<<"$out"
grep -q "^file download.bin $size $sha1\$" <<<"$out"
# A wrong digest fails the task, and the program says so.
if timeout 120 "$work/build/embed" "$work/data2" "http://127.0.0.1:$port/file/$size" \
    "$(printf '0%.0s' {1..40})" >"$work/bad.out"; then
  echo "a wrong sha1 was accepted" >&2; cat "$work/bad.out" >&2; exit 1
fi
grep -q "failed" "$work/bad.out"
echo "embedding works"
