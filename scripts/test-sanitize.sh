#!/usr/bin/env bash
# CI's second part (docs/testing.md): builds with ASan + UBSan (float-cast-overflow included)
# into build-asan/ and runs every test there. A sanitizer report fails the test it came from
# (exit status 99) and is written to build-asan/sanitizer-logs/, checked here after ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKELLE_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$(nproc)"
cd build-asan
rm -rf sanitizer-logs
mkdir sanitizer-logs
status=0
ctest --output-on-failure -j "$(nproc)" || status=$?
# The coroutine warning (testbenches/CMakeLists.txt) is in these logs too; a report says ERROR.
if grep -l -E "ERROR: |runtime error: " sanitizer-logs/* 2>/dev/null; then
  grep -h -A30 -E "ERROR: |runtime error: " sanitizer-logs/* | head -200
  echo "test-sanitize: sanitizer reports above (build-asan/sanitizer-logs/)" >&2
  status=1
fi
exit "$status"
