#!/usr/bin/env bash
# Fuzzes the generic request check (parley::api::ValidateRequest) with libFuzzer: arbitrary bytes as
# the request of every contacts, conduct and escalation RPC, under AddressSanitizer (leaks included)
# and UndefinedBehaviorSanitizer. Builds with clang into build-fuzz/ (ccache when present), seeds the
# corpus with valid requests and runs for the given number of seconds. Exit code 0: nothing found.
#   scripts/fuzz.sh [seconds]        default 30; see docs/fuzzing.md for longer runs
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PARLEY_ROOT"

RUN_SECONDS=${1:-30}
[[ $RUN_SECONDS =~ ^[0-9]+$ ]] || die "seconds must be a whole number, not '$RUN_SECONDS'"
BUILD=${PARLEY_FUZZ_BUILD:-$PARLEY_ROOT/build-fuzz}
command -v clang++ >/dev/null 2>&1 || die "clang++ not found: run scripts/install-deps.sh"

export CCACHE_BASEDIR=$PARLEY_ROOT CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  CC=clang CXX=clang++ cmake -S "$PARLEY_ROOT" -B "$BUILD" "${generator[@]}" -DPARLEY_FUZZ=ON \
    -DPARLEY_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
say "building the request fuzzer ($(basename "$BUILD"))"
cmake --build "$BUILD" --target request_fuzz request_fuzz_seeds -j "$(nproc)"

# libFuzzer adds what it finds to the first directory, so the corpus grows from run to run.
CORPUS=$BUILD/fuzz/corpus
mkdir -p "$CORPUS" "$BUILD/fuzz/artifacts"
"$BUILD/fuzz/request_fuzz_seeds" "$CORPUS"

say "fuzzing ValidateRequest for ${RUN_SECONDS}s"
# libFuzzer's own output (progress lines, a long recommended dictionary) goes to a log; its final
# figures are printed, and on a finding the end of the log with the crash.
LOG=$BUILD/fuzz/last-run.log
status=0
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$BUILD/fuzz/request_fuzz" -max_total_time="$RUN_SECONDS" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$BUILD/fuzz/artifacts/" "$CORPUS" >"$LOG" 2>&1 || status=$?
if ((status)); then
  tail -n 80 "$LOG"
  die "the fuzzer found a problem (exit $status): the whole output is in $LOG, the input in $BUILD/fuzz/artifacts/"
fi
grep -E '^(Done |stat::)' "$LOG" || true
