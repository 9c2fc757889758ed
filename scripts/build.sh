#!/usr/bin/env bash
# Configures and builds perfgate into build/ (the binary is build/perfgate).
# Extra arguments go to cmake's configure step, e.g. -DPERFGATE_WERROR=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# ccache, when installed, keeps rebuilds of unchanged sources cheap; paths below the checkout are
# hashed relative to it, so two clones of the repository share one cache.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "${launcher[@]}" "$@" >/dev/null
# BUILD_TARGETS="a b" builds only those targets.
cmake --build "$build_dir" -j "$(nproc)" ${BUILD_TARGETS:+--target $BUILD_TARGETS}
