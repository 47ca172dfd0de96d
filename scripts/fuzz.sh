#!/usr/bin/env bash
# Runs a fuzz target under libFuzzer with AddressSanitizer and UBSan.
# Usage: scripts/fuzz.sh [TARGET] [SECONDS]   (default: policy_fuzz for 60 s)
# New inputs that reach new code are kept in build/fuzz/corpus-TARGET; copy the
# interesting ones into the target's corpus directory so ctest replays them.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-policy_fuzz}
seconds=${2:-60}
scripts/deps.sh --fuzz
build=build/fuzz
[ -f $build/build.ninja ] || CC=clang CXX=clang++ cmake -S . -B $build -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOFFER_FUZZ=ON
cmake --build $build --target "$target"
case $target in
  policy_fuzz) seeds=src/iam/policy_corpus ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac
work=$build/corpus-$target
mkdir -p "$work"
exec "$build/$(find $build -name "$target" -type f -printf '%P\n' | head -1)" \
  -max_total_time="$seconds" -max_len=4096 "$work" "$seeds"
