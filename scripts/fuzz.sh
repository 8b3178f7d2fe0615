#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan+UBSan) and runs each for N
# seconds (default 20) over its saved corpus. New inputs go to a scratch dir, so
# the saved corpus only changes when someone copies findings in on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
dir=build-fuzz
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Cache hits across clones in different folders (CI builds a fresh clone).
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTAMT_FUZZ=ON
fi
cmake --build "$dir" -j "$(nproc)"
for bin in "$dir"/tests/fuzz/fuzz_*; do
  name=$(basename "$bin"); name=${name#fuzz_}
  scratch=$(mktemp -d)
  echo "fuzz $name: ${secs}s"
  "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
    "$scratch" "tests/fuzz/corpus/$name" 2>&1 | tail -n 3
  rm -rf "$scratch"
done
