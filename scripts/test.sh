#!/usr/bin/env bash
# Every test: installs what is missing, then
#   1. release build, the whole CTest suite;
#   2. ASan+UBSan build, the unit tests and the fuzz corpus replay;
#   3. the libFuzzer binaries (clang), each run over its seed corpus.
# Usage: scripts/test.sh            (as root, or with sudo, on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/install_deps.sh

step() { printf '\n=== %s\n' "$*"; }

step "release: build and run every test"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

step "asan: unit tests and fuzz corpus replay under ASan+UBSan"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

step "fuzz: libFuzzer binaries over their seed corpora"
cmake --preset fuzz >/dev/null
targets=()
for dir in fuzz/corpus/*/; do targets+=("ovpn_fuzz_$(basename "$dir")"); done
cmake --build --preset fuzz -j "$jobs" --target "${targets[@]}"
for target in "${targets[@]}"; do
  name=${target#ovpn_fuzz_}
  bin=build/fuzz/fuzz/$target
  if ! "$bin" -runs=0 "fuzz/corpus/$name" >/dev/null 2>&1; then
    echo "fuzz target $name failed:"
    "$bin" -runs=0 "fuzz/corpus/$name"
    exit 1
  fi
  echo "fuzz $name: corpus ok"
done

step "all tests passed"
