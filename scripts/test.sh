#!/usr/bin/env bash
# Build and run the whole test suite (unit tests and end-to-end CLI tests).
# BUILD_DIR and extra cmake arguments select other builds, e.g. sanitizers:
#   BUILD_DIR=build-asan scripts/test.sh -DRPL_SANITIZE=address,undefined
# RPL_TEST_FILTER, when set, runs only the tests whose names match that regular expression
# (ctest -R), e.g. the threaded ones under ThreadSanitizer:
#   BUILD_DIR=build-tsan RPL_TEST_FILTER='batch|live|replay|ring' scripts/test.sh -DRPL_SANITIZE=thread
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j"$(nproc)"
cd "$build"
if [ -n "${RPL_TEST_FILTER:-}" ]; then
    ctest --output-on-failure -j2 -R "$RPL_TEST_FILTER"
else
    ctest --output-on-failure -j2
fi
