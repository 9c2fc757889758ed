#!/usr/bin/env bash
# Builds perfgate and runs every test: warnings as errors; then the whole suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer; then the response parser fuzzer
# for a fixed time. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${PERFGATE_FUZZ_SECONDS:-60}

echo "== build (warnings are errors)"
BUILD_DIR=build scripts/build.sh -DPERFGATE_WERROR=ON
echo "== tests"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== build with -fsanitize=address,undefined"
BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DPERFGATE_WERROR=ON -DPERFGATE_SANITIZE=ON
echo "== tests under ASan/UBSan"
# The coordinated-omission test measures timing over 40 s; it ran above, at full speed.
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j "$jobs" -E 'CoordinatedOmission')

echo "== fuzz the response parser for ${fuzz_seconds}s (clang, libFuzzer)"
CXX=clang++ BUILD_DIR=build-fuzz scripts/build.sh -DPERFGATE_FUZZ=ON -DPERFGATE_TESTS=OFF -DPERFGATE_WERROR=ON
corpus=$(mktemp -d)
cp fuzz/corpus/response_parser/* "$corpus"/
mkdir -p build-fuzz/artifacts
build-fuzz/fuzz/response_parser_fuzz -max_total_time="$fuzz_seconds" -artifact_prefix=build-fuzz/artifacts/ \
  "$corpus" 2>build-fuzz/fuzz.log || { tail -50 build-fuzz/fuzz.log; exit 1; }
tail -2 build-fuzz/fuzz.log
rm -rf "$corpus"
echo "all tests passed"
