#!/usr/bin/env bash
# Builds perfgate and runs every test: warnings as errors; then the whole suite again
# under AddressSanitizer + UndefinedBehaviorSanitizer; then the response parser, histogram
# decoder and JSON input fuzzers for a fixed time (30 s each). Any failure fails the script. Each stage
# prints the minutes since the start: the whole takes 20 to 25 on two cores (fresh clones, 2026-12-06: 19m16s with a warm compiler cache, 24m39s compiling both builds anew; 20m52s with the g++ build cached and the ASan build anew on precompiled headers) and must stay under 25: the next tests added must make room first (see the ASan stage's list of what it leaves out).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${PERFGATE_FUZZ_SECONDS:-30}

echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] build (warnings are errors)"
# -O2 as in RelWithDebInfo, without the debug information, which costs a third of the build.
BUILD_DIR=build BUILD_TYPE=Release scripts/build.sh -DPERFGATE_WERROR=ON -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG"
echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] tests"
# One test at a time: many tests time real commands and loads, and two CPUs shared between
# tests make those timings lie. (The whole suite takes about two and a half minutes this way.)
(cd build && ctest --output-on-failure)

echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] build with -fsanitize=address,undefined"
# With clang, which builds this twice as fast as g++ (and checks its warnings too); line tables
# are all the sanitizers' reports need. Precompiled headers (PERFGATE_ONE_SHOT_BUILD) take a fifth
# off this build (6m31s of CPU, not 8m14s); not for g++ above, whose -O2 string warnings then
# report false overflows inside libstdc++.
CXX=clang++ BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DPERFGATE_WERROR=ON -DPERFGATE_SANITIZE=ON \
  -DPERFGATE_ONE_SHOT_BUILD=ON -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1"
echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] tests under ASan/UBSan"
# Left out here: tests whose minute goes to waiting on timing and statistics, or to another
# program (Chromium, Java) — they ran above at full speed, and the code they exercise runs here
# in shorter tests: coordinated omission (40 s), the A/A test of twenty runs (30 s), the leak
# soak pair (40 s), a suite run twice (37 s), monitor's leak verdicts (12 s), the HTML page in
# Chromium and the hlog read by HdrHistogram's Java reader.
asan_skipped='CoordinatedOmission|TwentyIdenticalRunsRaiseNoFalseAlarm|ALeakingServiceFailsAndASoundOnePasses'
asan_skipped+='|SameSuiteTwiceIsNoRegressionAndASlowerServiceFailsTheGate|EachProgramGetsItsLeakVerdict'
asan_skipped+='|HtmlInChromium|HlogJavaReader'
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -E "$asan_skipped")

echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] fuzz for ${fuzz_seconds}s per target (clang, libFuzzer)"
# Only the fuzz targets: they compile the sources they exercise themselves.
CXX=clang++ BUILD_DIR=build-fuzz BUILD_TARGETS="response_parser_fuzz histogram_decode_fuzz json_input_fuzz" scripts/build.sh -DPERFGATE_FUZZ=ON -DPERFGATE_TESTS=OFF -DPERFGATE_WERROR=ON
mkdir -p build-fuzz/artifacts
for target in response_parser histogram_decode json_input; do
  corpus=$(mktemp -d)  # new inputs go here, not into the repository
  build-fuzz/fuzz/${target}_fuzz -max_total_time="$fuzz_seconds" -artifact_prefix=build-fuzz/artifacts/ \
    "$corpus" "fuzz/corpus/$target" 2>"build-fuzz/$target.log" || { tail -50 "build-fuzz/$target.log"; exit 1; }
  echo "$target: $(grep -E '^Done' "build-fuzz/$target.log")"
  rm -rf "$corpus"
done
echo "all tests passed in $((SECONDS / 60))m$((SECONDS % 60))s"
