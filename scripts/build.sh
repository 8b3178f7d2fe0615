#!/usr/bin/env bash
# Configures and builds postamt with CMake + Ninja + ccache.
# Usage: scripts/build.sh [BUILD_DIR] [BUILD_TYPE] [TARGET...]
#        (defaults: build, RelWithDebInfo, everything)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
type=${2:-RelWithDebInfo}
shift $(( $# > 2 ? 2 : $# ))
targets=()
for t in "$@"; do targets+=(--target "$t"); done
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Cache hits across clones in different folders (CI builds a fresh clone).
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type"
fi
cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
