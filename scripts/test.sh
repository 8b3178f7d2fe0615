#!/usr/bin/env bash
# Everything CI runs (DESIGN §9): set-up, build, ctest (unit, golden, fuzz corpus
# replay), a short libFuzzer smoke run (clang-14), and the pytest end-to-end suites
# against the real `postamt serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh
scripts/build.sh build RelWithDebInfo

echo "== ctest"
ctest --test-dir build --output-on-failure -j "$(nproc)"

echo "== libFuzzer smoke (clang-14, ASan+UBSan)"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

echo "== end-to-end (pytest)"
POSTAMT_BIN="$PWD/build/src/app/postamt" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e
echo "== all tests passed in $(( $(date +%s) - start ))s"
