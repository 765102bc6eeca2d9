#!/usr/bin/env bash
# Runs every Parley test on this machine: installs what is missing, builds, starts PostgreSQL,
# Redis, the mail catcher and the HTTP gateway sink on loopback in .parley/test, makes a throwaway
# TLS CA there, runs the unit, db and e2e tests (every service started with TLS) and the browser tests
# (the HTML trust report in headless Chromium), runs the unit and db tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer, fuzzes the request check for 30 seconds
# (scripts/fuzz.sh), runs the lints, and stops what it started. The exit code says pass or fail.
#
# Set PARLEY_TEST_SKIP_SANITIZE=1 to skip the sanitizer build during local iteration, and
# PARLEY_TEST_SKIP_FUZZ=1 to skip the fuzz stage.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PARLEY_ROOT"

"$PARLEY_ROOT/scripts/install-deps.sh"

DATA=$PARLEY_ROOT/.parley/test
PG_PORT=${PARLEY_TEST_PG_PORT:-55433}
REDIS_PORT=${PARLEY_TEST_REDIS_PORT:-6391}
# The delivery sinks (scripts/stack.sh): the mail catcher's SMTP and HTTP API, the HTTP gateway sink.
SMTP_PORT=${PARLEY_TEST_SMTP_PORT:-2591}
MAIL_API_PORT=${PARLEY_TEST_MAIL_API_PORT:-8591}
GATEWAY_PORT=${PARLEY_TEST_GATEWAY_PORT:-8592}
# Tests write keys (the e2e trusts' signing keys among them) and scratch files to a temporary
# folder: one per run, inside the data folder, removed when the run ends, so none outlives it.
TEST_TMP=$DATA/tmp
trap '"$PARLEY_ROOT/scripts/stack.sh" stop "$DATA"; rm -rf "$TEST_TMP"' EXIT
"$PARLEY_ROOT/scripts/stack.sh" start "$DATA" "$PG_PORT" "$REDIS_PORT" "$SMTP_PORT" "$MAIL_API_PORT" "$GATEWAY_PORT"
rm -rf "$TEST_TMP"
mkdir -p "$TEST_TMP"
export TMPDIR=$TEST_TMP TEST_TMPDIR=$TEST_TMP

# Tests that need servers read them from here; each test makes its own database.
export PARLEY_TEST_PG_DSN="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
export PARLEY_TEST_REDIS_ADDR="127.0.0.1:$REDIS_PORT"
export PARLEY_TEST_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
export PARLEY_TEST_MAIL_API="http://127.0.0.1:$MAIL_API_PORT"
if [[ -f $PARLEY_ROOT/scripts/gateway_sink.py ]]; then
  export PARLEY_TEST_GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT"
fi
# The e2e tests start every service with TLS: a throwaway local CA, a certificate the services
# present ("service") and one the tests present ("client"). tests/e2e/e2e_support.h reads it here.
rm -rf "$DATA/tls"
"$PARLEY_ROOT/scripts/tls-certs.sh" "$DATA/tls" service client
export PARLEY_TEST_TLS_DIR=$DATA/tls

failures=0
failed_tests=()
# The per-test timeout only catches a hang: the longest e2e tests take about three minutes on a busy
# two-core machine.
run_ctest() {  # build-dir label-regex
  if ! ctest --test-dir "$1" -L "$2" --output-on-failure --timeout 600 -j "$(nproc)"; then
    failures=$((failures + 1))
    # Named again at the very end, where a CI log cut to its tail still shows them.
    local list=$1/Testing/Temporary/LastTestsFailed.log
    if [[ -f $list ]]; then
      while IFS= read -r line; do failed_tests+=("$(basename "$1"): ${line#*:}"); done <"$list"
    fi
  fi
}

# The browser tests (tests/browser) open the HTML trust report in Debian's Chromium, driven by
# playwright-core from npm (installed into .parley/npm, as lint.sh installs buf); playwright-core
# downloads no browser of its own.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "installing chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
PLAYWRIGHT_VERSION=1.64.1
if [[ ! -f $PARLEY_ROOT/.parley/npm/node_modules/playwright-core/package.json ]] ||
  ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$PARLEY_ROOT/.parley/npm/node_modules/playwright-core/package.json"; then
  say "installing playwright-core $PLAYWRIGHT_VERSION from npm"
  npm install --silent --no-audit --no-fund --prefix "$PARLEY_ROOT/.parley/npm" "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null
fi

"$PARLEY_ROOT/scripts/build.sh" "$PARLEY_ROOT/build"
say "tests: unit, db, e2e, browser"
run_ctest "$PARLEY_ROOT/build" 'unit|db|e2e|browser'

if [[ "${PARLEY_TEST_SKIP_SANITIZE:-0}" != 1 ]]; then
  "$PARLEY_ROOT/scripts/build.sh" "$PARLEY_ROOT/build-sanitize" -DPARLEY_SANITIZE=ON \
    -DPARLEY_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
  say "tests under AddressSanitizer + UndefinedBehaviorSanitizer: unit, db"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_ctest "$PARLEY_ROOT/build-sanitize" 'unit|db'
fi

if [[ "${PARLEY_TEST_SKIP_FUZZ:-0}" != 1 ]]; then
  say "fuzz: the request check, 30 seconds"
  if ! "$PARLEY_ROOT/scripts/fuzz.sh" 30; then
    failures=$((failures + 1))
    failed_tests+=("fuzz: scripts/fuzz.sh found a problem (above)")
  fi
fi

say "lint"
if ! "$PARLEY_ROOT/scripts/lint.sh"; then
  failures=$((failures + 1))
  failed_tests+=("lint: scripts/lint.sh (above)")
fi

if ((failures)); then
  for t in "${failed_tests[@]}"; do echo "  failed: $t"; done
  say "FAILED: $failures test stage(s) failed"
  exit 1
fi
say "all test stages passed"
