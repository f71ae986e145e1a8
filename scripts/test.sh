#!/usr/bin/env bash
# Build and run the whole test suite (unit tests and end-to-end CLI tests).
# BUILD_DIR and extra cmake arguments select other builds, e.g. sanitizers:
#   BUILD_DIR=build-asan scripts/test.sh -DRPL_SANITIZE=address,undefined
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j2
