#!/usr/bin/env bash
# Installs every Debian package perfgate's build, tests and benchmarks need.
# Idempotent: packages already present are left alone; safe to re-run.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev             # the libFuzzer target and sanitizer runtimes
  libfmt-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libyaml-cpp-dev libsqlite3-dev
  libsimdjson-dev libzstd-dev          # report: JSONL parsing, .zst logs
  libgtest-dev libgmock-dev libbenchmark-dev
  wrk nginx-light hyperfine            # peers for bench/ and tests
  python3 time                         # /usr/bin/time for client CPU in bench/
  linux-perf                           # perfgate profile and `profile: true` (perf record)
  nodejs                               # the Node.js worker of examples/exec (run by a test)
  ccache                               # rebuilds of unchanged sources are free
  chromium fonts-dejavu-core           # a test renders the HTML report headless and checks its charts
  openjdk-17-jdk-headless libhdrhistogram-java  # a test reads our hlog with HdrHistogram's own reader
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
