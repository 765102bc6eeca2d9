#!/usr/bin/env bash
# The term_simulation_e2e test (ctest, label e2e): scripts/run.sh --simulate week --check --exit on
# its own ports and data folder, with the build ctest runs from. The whole local Parley comes up on
# a faked clock in the past, simulate_term.py drives the week and checks the report, the clock is
# brought to real time, and everything is stopped. Skipped (77) only when libfaketime is missing.
#
#   deploy/demo/term_simulation_e2e.sh <build-dir>
set -euo pipefail
BUILD=${1:?usage: term_simulation_e2e.sh BUILD_DIR}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

if [[ ! -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ]]; then
  echo "SKIP: libfaketime is not installed (scripts/install-deps.sh installs the faketime package)"
  exit 77
fi

# Ports of its own: not scripts/test.sh's (PG 55433, Redis 6391, sinks 2591, 8591, 8592) nor
# run.sh's defaults (55434, 6393, 50051-50056, 9091-9096, 2525, 8025, 8090).
export PARLEY_RUN_PG_PORT=55437 PARLEY_RUN_REDIS_PORT=6397
export PARLEY_RUN_CONTACTS_PORT=50061 PARLEY_RUN_CONDUCT_PORT=50062 PARLEY_RUN_ESCALATION_PORT=50063
export PARLEY_RUN_NOTIFICATIONS_PORT=50064 PARLEY_RUN_APPOINTMENTS_PORT=50065 PARLEY_RUN_REPORTING_PORT=50066
export PARLEY_RUN_CONTACTS_METRICS_PORT=9101 PARLEY_RUN_CONDUCT_METRICS_PORT=9102
export PARLEY_RUN_ESCALATION_METRICS_PORT=9103 PARLEY_RUN_NOTIFICATIONS_METRICS_PORT=9104
export PARLEY_RUN_APPOINTMENTS_METRICS_PORT=9105 PARLEY_RUN_REPORTING_METRICS_PORT=9106
export PARLEY_RUN_SMTP_PORT=2527 PARLEY_RUN_MAIL_API_PORT=8027 PARLEY_RUN_GATEWAY_PORT=8093

export PARLEY_RUN_SKIP_BUILD=1 PARLEY_RUN_BUILD=$BUILD
# scripts/test.sh points TMPDIR at its own temporary folder, removed when it ends.
export PARLEY_RUN_DATA=${TMPDIR:+$TMPDIR/term-sim}
PARLEY_RUN_DATA=${PARLEY_RUN_DATA:-$BUILD/term-sim}
# The services must not inherit a preload or a clock from whoever runs the test.
unset LD_PRELOAD FAKETIME_TIMESTAMP_FILE
# Stopped with SIGTERM before ctest's TIMEOUT (1500 s) kills it outright: run.sh's clean-up then still
# stops the services, PostgreSQL, Redis and the sinks; timeout exits 124 then, so the test fails.
exec timeout --signal=TERM --kill-after=50 1440 "$ROOT/scripts/run.sh" --simulate week --check --exit
