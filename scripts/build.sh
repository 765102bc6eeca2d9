#!/usr/bin/env bash
# Configures and builds one build tree.
#   scripts/build.sh [build-dir] [extra cmake args...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BUILD=${1:-$PARLEY_ROOT/build}; shift || true
export CCACHE_BASEDIR=$PARLEY_ROOT CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  cmake -S "$PARLEY_ROOT" -B "$BUILD" "${generator[@]}" "$@" >/dev/null
else
  cmake -S "$PARLEY_ROOT" -B "$BUILD" "$@" >/dev/null
fi
say "building $(basename "$BUILD")"
cmake --build "$BUILD" -j "$(nproc)"
