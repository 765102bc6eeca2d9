#!/usr/bin/env bash
# Runs Parley locally with the demo trust: installs what is missing, builds, starts PostgreSQL,
# Redis, the mail catcher and the SMS/push gateway sink on loopback in .parley/run, applies
# migrations, starts every service, loads the demo trust, prints how to use it, and stays up until
# Ctrl-C, which stops everything it started.
# Running it again while it runs (or after a crash) replaces the old services cleanly.
#
# By default (--simulate week) all of it runs on a faked clock (tools/fakeclock/README.md) that starts
# on a Sunday evening in the past: deploy/demo/simulate_term.py then drives that past school week
# through the APIs, stepping the clock forward, and ends with the clock at real time, where
# everything keeps running. A faked-clock run starts from fresh data: it REMOVES the earlier run's
# PostgreSQL cluster, Redis, mail and gateway data (a cluster that lived on a faked clock is never
# reused, nor a real-time one moved back). A simulated week takes about 15 minutes more;
# --simulate none runs on the real clock, at once, and keeps the data.
#
#   scripts/run.sh [--simulate week|half-term|none] [--check] [--exit]    (--help)
#
# For tests: PARLEY_RUN_DATA (data folder, default .parley/run), PARLEY_RUN_BUILD (build folder,
# default build), PARLEY_RUN_SKIP_BUILD=1 (use the build as it is: no install-deps.sh, no build.sh),
# and the PARLEY_RUN_*_PORT variables below.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PARLEY_ROOT"

usage() {
  cat <<'TXT'
usage: scripts/run.sh [--simulate week|half-term|none] [--check] [--exit]

Runs the local Parley with the demo trust until Ctrl-C.

  --simulate week       (default) start on a faked clock on the Sunday evening before a past school
                        week, drive that week through the APIs (deploy/demo/simulate_term.py), then
                        bring the clock to real time; the services keep running on real time.
                        Starts from fresh data: REMOVES the earlier run's PostgreSQL, Redis, mail
                        and gateway data. Takes about 15 minutes more.
  --simulate half-term  the same over a past half-term (slow: about an hour)
  --simulate none       the real clock, no simulation; the earlier run's data is kept
  --check               load the trust only (not the demo enquiries, conduct records, appointments
                        or broadcasts) and have the simulation check the report against what it did
  --exit                stop everything and exit once the simulation (or, with --simulate none, the
                        loading) is done, non-zero if it failed, instead of staying up

Environment: PARLEY_RUN_DATA (data folder, default .parley/run), PARLEY_RUN_BUILD (build folder,
default build), PARLEY_RUN_SKIP_BUILD=1 (use the existing build), PARLEY_RUN_*_PORT (ports).
TXT
}

SIMULATE=week
CHECK=0
EXIT_WHEN_DONE=0
while (($#)); do
  case "$1" in
    --simulate)
      [[ ${2:-} =~ ^(week|half-term|none)$ ]] || { usage >&2; die "--simulate takes week, half-term or none"; }
      SIMULATE=$2; shift 2 ;;
    --simulate=*)
      SIMULATE=${1#*=}
      [[ $SIMULATE =~ ^(week|half-term|none)$ ]] || { usage >&2; die "--simulate takes week, half-term or none"; }
      shift ;;
    --check) CHECK=1; shift ;;
    --exit) EXIT_WHEN_DONE=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
FAKE_CLOCK=0
[[ $SIMULATE != none ]] && FAKE_CLOCK=1
SIMULATOR=$PARLEY_ROOT/deploy/demo/simulate_term.py
LIBFAKETIME=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if ((FAKE_CLOCK)) && [[ ! -f $SIMULATOR ]]; then
  die "deploy/demo/simulate_term.py missing: it drives the simulated week (--simulate none runs without it)"
fi

DATA=$(mkdir -p "${PARLEY_RUN_DATA:-$PARLEY_ROOT/.parley/run}" && cd "${PARLEY_RUN_DATA:-$PARLEY_ROOT/.parley/run}" && pwd)
PG_PORT=${PARLEY_RUN_PG_PORT:-55434}
REDIS_PORT=${PARLEY_RUN_REDIS_PORT:-6393}
CONTACTS_PORT=${PARLEY_RUN_CONTACTS_PORT:-50051}
CONTACTS_METRICS_PORT=${PARLEY_RUN_CONTACTS_METRICS_PORT:-9091}
CONDUCT_PORT=${PARLEY_RUN_CONDUCT_PORT:-50052}
CONDUCT_METRICS_PORT=${PARLEY_RUN_CONDUCT_METRICS_PORT:-9092}
ESCALATION_PORT=${PARLEY_RUN_ESCALATION_PORT:-50053}
ESCALATION_METRICS_PORT=${PARLEY_RUN_ESCALATION_METRICS_PORT:-9093}
NOTIFICATIONS_PORT=${PARLEY_RUN_NOTIFICATIONS_PORT:-50054}
NOTIFICATIONS_METRICS_PORT=${PARLEY_RUN_NOTIFICATIONS_METRICS_PORT:-9094}
APPOINTMENTS_PORT=${PARLEY_RUN_APPOINTMENTS_PORT:-50055}
APPOINTMENTS_METRICS_PORT=${PARLEY_RUN_APPOINTMENTS_METRICS_PORT:-9095}
REPORTING_PORT=${PARLEY_RUN_REPORTING_PORT:-50056}
REPORTING_METRICS_PORT=${PARLEY_RUN_REPORTING_METRICS_PORT:-9096}
# The local delivery sinks: what the demo trust's emails, texts and pushes actually reach.
SMTP_PORT=${PARLEY_RUN_SMTP_PORT:-2525}
MAIL_API_PORT=${PARLEY_RUN_MAIL_API_PORT:-8025}
GATEWAY_PORT=${PARLEY_RUN_GATEWAY_PORT:-8090}
BUILD=${PARLEY_RUN_BUILD:-$PARLEY_ROOT/build}
[[ $BUILD == /* ]] || BUILD=$PARLEY_ROOT/$BUILD

if [[ ${PARLEY_RUN_SKIP_BUILD:-0} != 1 ]]; then
  "$PARLEY_ROOT/scripts/install-deps.sh"
  "$PARLEY_ROOT/scripts/build.sh" "$BUILD"
fi
FUTEX_SHIM=$BUILD/tools/fakeclock/libparley_fakeclock_futex.so
WALL_SHIM=$BUILD/tools/fakeclock/libparley_fakeclock_wall.so
if ((FAKE_CLOCK)); then
  [[ -f $LIBFAKETIME ]] || die "libfaketime not found ($LIBFAKETIME): run scripts/install-deps.sh, or use --simulate none"
  [[ -f $FUTEX_SHIM && -f $WALL_SHIM ]] || die "the fakeclock shims are not built in $BUILD (a sanitizer build has none): use --simulate none"
  # When the simulated span starts (ISO 8601 UTC), from the demo calendars.
  T0=$(python3 "$SIMULATOR" start-time --span "$SIMULATE") || die "simulate_term.py start-time failed"
fi
mkdir -p "$DATA/pids" "$DATA/logs" "$DATA/keys"
# Marks this run's start: the clean-up removes only the libfaketime leftovers made since.
RUN_STARTED=$DATA/run.started
touch "$RUN_STARTED"

# An earlier run that is still up is asked to stop (its own clean-up stops its services and
# servers); services left behind by a crash are stopped below.
RUN_PID_FILE=$DATA/run.pid
if [[ -f $RUN_PID_FILE ]]; then
  earlier=$(cat "$RUN_PID_FILE")
  if [[ $earlier != "$$" ]] && kill -0 "$earlier" 2>/dev/null; then
    say "stopping the Parley started earlier (pid $earlier)"
    kill -TERM "$earlier" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$earlier" 2>/dev/null || break; sleep 0.1; done
  fi
fi
echo $$ >"$RUN_PID_FILE"

stop_services() {
  # In reverse start order, so no service outlives a peer it watches (notifications holds a
  # directory watch on contacts, which otherwise waits out its drain); then anything an older run left.
  local pidfiles=() i
  for ((i = ${#PARLEY_SERVICES[@]} - 1; i >= 0; i--)); do pidfiles+=("$DATA/pids/${PARLEY_SERVICES[i]}.pid"); done
  for pidfile in "${pidfiles[@]}" "$DATA"/pids/*.pid; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      # A run stopped in the middle of a clock jump leaves its services stopped (SIGSTOP).
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    # What libfaketime 0.9.10 leaves behind for a process on the faked clock (remove_faketime_leftovers).
    rm -f "/dev/shm/faketime_shm_$pid" "/dev/shm/sem.faketime_sem_$pid"
    rm -f "$pidfile"
  done
}
stop_services

# libfaketime 0.9.10 leaves /dev/shm/faketime_shm_<pid> and sem.faketime_sem_<pid> behind for a
# process that does not exit normally, and has no FAKETIME_DISABLE_SHM: remove the pairs of ended
# processes made since this run started (never a live process's, never an older one's).
remove_faketime_leftovers() {
  local f pid
  for f in /dev/shm/faketime_shm_* /dev/shm/sem.faketime_sem_*; do
    [[ -O $f && $f -nt $RUN_STARTED ]] || continue
    pid=${f##*_}
    [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null && rm -f "$f"
  done
  return 0
}

if ((FAKE_CLOCK)); then
  # A fresh trust: the faked clock starts in the past, and no data may outlive a clock it lived on.
  say "simulating a past $SIMULATE from $T0: removing the earlier run's PostgreSQL, Redis, mail and gateway data"
  "$PARLEY_ROOT/scripts/stack.sh" stop "$DATA"
  rm -rf "$DATA/pg" "$DATA/redis" "$DATA/mail" "$DATA/gateway" "$DATA/clock" "$DATA/simulation.log"
  # Written from the real clock, before any process reads it (nothing to hold still yet).
  python3 deploy/demo/simclock.py --file "$DATA/clock" set "$T0" >/dev/null
  # Every process started from here on lives on the faked clock: the futex shim first (it must find
  # libfaketime's clock_gettime as the next one), Redis on the wall-clock shim instead (stack.sh).
  FAKE_PRELOAD=$FUTEX_SHIM:$LIBFAKETIME
  export LD_PRELOAD=$FAKE_PRELOAD
  export FAKETIME_TIMESTAMP_FILE=$DATA/clock FAKETIME_CACHE_DURATION=1
  export PARLEY_SERVER_PRELOAD=$WALL_SHIM
  # A jump of more than the default 5 min would make every directory replica stale (NOT_SERVING,
  # timer handlers failing DIRECTORY_REPLICA_STALE) until its next heartbeat.
  export PARLEY_DIRECTORY_MAX_STALENESS=1000h
  # The certificates are made on the faked clock, in the past: they must still be valid at real time.
  export PARLEY_TLS_DAYS=400
fi

"$PARLEY_ROOT/scripts/stack.sh" start "$DATA" "$PG_PORT" "$REDIS_PORT" "$SMTP_PORT" "$MAIL_API_PORT" "$GATEWAY_PORT"
cleanup() {
  local rc=$?
  trap - INT TERM EXIT
  # Stopping needs no faked clock, and every faked command would leave a libfaketime pair behind.
  unset LD_PRELOAD
  say "stopping Parley"
  stop_services
  "$PARLEY_ROOT/scripts/stack.sh" stop "$DATA"
  ((FAKE_CLOCK)) && remove_faketime_leftovers
  if [[ "$(cat "$RUN_PID_FILE" 2>/dev/null)" == "$$" ]]; then rm -f "$RUN_PID_FILE"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# The local signing key stands in for the trust's identity provider: services trust its public
# half, parleyctl mints tokens with it.
# Services call each other with tokens of their own, signed by a second key that every service
# also trusts.
for key in jwt service; do
  if [[ ! -f $DATA/keys/$key-private.pem ]]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$DATA/keys/$key-private.pem"
    openssl ec -in "$DATA/keys/$key-private.pem" -pubout -out "$DATA/keys/$key-public.pem" 2>/dev/null
    chmod 600 "$DATA/keys/$key-private.pem"
  fi
done

# TLS on every gRPC port: a throwaway local CA and a certificate per service (and one for
# parleyctl), made again on every run. Services verify each other's certificates (mutual TLS,
# client certificates optional so token-only clients still connect); parleyctl and the demo
# loaders trust the CA (docs/deploy.md, "TLS").
TLS=$DATA/tls
rm -rf "$TLS"
"$PARLEY_ROOT/scripts/tls-certs.sh" "$TLS" "${PARLEY_SERVICES[@]}" parleyctl
export PARLEY_TLS_CA_FILE=$TLS/ca.crt PARLEY_TLS_REQUIRED=true
export PARLEY_CA_FILE=$TLS/ca.crt PARLEY_CLIENT_CERT_FILE=$TLS/parleyctl.crt PARLEY_CLIENT_KEY_FILE=$TLS/parleyctl.key

PG_BASE="host=127.0.0.1 port=$PG_PORT user=postgres"
for svc in "${PARLEY_SERVICES[@]}"; do
  if ! psql "$PG_BASE dbname=postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$svc'" | grep -q 1; then
    psql "$PG_BASE dbname=postgres" -qc "CREATE DATABASE $svc" >/dev/null
  fi
done

export PARLEY_JWT_PUBLIC_KEYS=$DATA/keys/jwt-public.pem,$DATA/keys/service-public.pem
export PARLEY_SERVICE_KEY=$DATA/keys/service-private.pem
export PARLEY_JWT_ISSUER=parley-local PARLEY_JWT_AUDIENCE=parley
export PARLEY_BIND_ADDRESS=127.0.0.1
export PARLEY_REDIS_ADDR=127.0.0.1:$REDIS_PORT
# parleyctl mail (and the simulation) read the mail catcher here, whatever its port.
export PARLEY_MAIL_API=http://127.0.0.1:$MAIL_API_PORT

start_service() {  # name port metrics-port
  local name=$1 port=$2 metrics=$3 bin=$BUILD/services/$1/parley-$1
  PARLEY_PG_DSN="$PG_BASE dbname=$name" "$bin" migrate
  PARLEY_PG_DSN="$PG_BASE dbname=$name" PARLEY_GRPC_PORT=$port PARLEY_METRICS_PORT=$metrics \
    PARLEY_TLS_CERT_FILE=$TLS/$name.crt PARLEY_TLS_KEY_FILE=$TLS/$name.key \
    nohup "$bin" serve >>"$DATA/logs/$name.log" 2>&1 &
  echo $! >"$DATA/pids/$name.pid"
}
start_service contacts "$CONTACTS_PORT" "$CONTACTS_METRICS_PORT"

export PARLEY_CONTACTS_ADDR=127.0.0.1:$CONTACTS_PORT
export PARLEY_CONDUCT_ADDR=127.0.0.1:$CONDUCT_PORT
export PARLEY_SIGNING_KEY=$DATA/keys/jwt-private.pem
CTL=$BUILD/tools/parleyctl/parleyctl
"$CTL" wait --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/contacts.log" >&2; die "contacts did not become ready"; }

say "loading the demo trust"
python3 deploy/demo/generate_demo_trust.py "$DATA/demo-trust.json"
# The generated document is the demo trust as it should be: apply it whole, deletions included.
"$CTL" import --yes "$DATA/demo-trust.json"

# Notifications before conduct and escalation: their outbox relays hand it every notice they write
# (they relay only when PARLEY_NOTIFICATIONS_ADDR is set), and the templates they name are loaded here.
export PARLEY_NOTIFICATIONS_ADDR=127.0.0.1:$NOTIFICATIONS_PORT
PARLEY_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT PARLEY_SMTP_FROM=office@parley.local \
  PARLEY_SMS_A_URL=http://127.0.0.1:$GATEWAY_PORT/sms/sms-a PARLEY_SMS_B_URL=http://127.0.0.1:$GATEWAY_PORT/sms/sms-b \
  PARLEY_PUSH_URL=http://127.0.0.1:$GATEWAY_PORT/push \
  start_service notifications "$NOTIFICATIONS_PORT" "$NOTIFICATIONS_METRICS_PORT"
"$CTL" wait --service notifications --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/notifications.log" >&2; die "notifications did not become ready"; }
if ((CHECK)); then
  # The templates the relays' notices name, and the schools' settings, but no broadcasts: the
  # report must hold only the simulation's activity.
  say "loading the demo notifications (templates, settings, preferences; no broadcasts: --check)"
  python3 deploy/demo/load_notifications_demo.py "$CTL" --no-broadcasts
else
  say "loading the demo notifications (templates, settings, preferences, broadcasts)"
  python3 deploy/demo/load_notifications_demo.py "$CTL"
fi

start_service conduct "$CONDUCT_PORT" "$CONDUCT_METRICS_PORT"
"$CTL" wait --service conduct --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/conduct.log" >&2; die "conduct did not become ready"; }
if ((!CHECK)); then
  say "loading the demo conduct records (Kenilworth)"
  deploy/demo/load_conduct_demo.sh "$CTL"
fi
export PARLEY_ESCALATION_ADDR=127.0.0.1:$ESCALATION_PORT
start_service escalation "$ESCALATION_PORT" "$ESCALATION_METRICS_PORT"
"$CTL" wait --service escalation --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/escalation.log" >&2; die "escalation did not become ready"; }
if ((!CHECK)); then
  say "loading the demo enquiries (a term's worth, every school)"
  python3 deploy/demo/load_escalation_demo.py "$CTL"
fi
# Appointments after escalation: it reads contacts' directory, asks conduct's gate and relays its
# notices to notifications (PARLEY_NOTIFICATIONS_ADDR), all exported above.
export PARLEY_APPOINTMENTS_ADDR=127.0.0.1:$APPOINTMENTS_PORT
start_service appointments "$APPOINTMENTS_PORT" "$APPOINTMENTS_METRICS_PORT"
"$CTL" wait --service appointments --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/appointments.log" >&2; die "appointments did not become ready"; }
if ((!CHECK)); then
  say "loading the demo appointments (parents' evenings, meeting requests, meetings held and their notes)"
  python3 deploy/demo/load_appointments_demo.py "$CTL"
fi
# Reporting last: it reads every other service's figures and contacts' directory.
export PARLEY_REPORTING_ADDR=127.0.0.1:$REPORTING_PORT
start_service reporting "$REPORTING_PORT" "$REPORTING_METRICS_PORT"
"$CTL" wait --service reporting --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/reporting.log" >&2; die "reporting did not become ready"; }

if ((FAKE_CLOCK)); then
  # The simulation steps the clock (simclock.py, holding the services still at each jump) and ends
  # with it at real time. It reads the real clock itself, so it runs without libfaketime; the
  # parleyctl it runs gets the faked clock back through --preload.
  say "simulating the $SIMULATE from $T0 (log: $DATA/simulation.log)"
  sim_args=(run --span "$SIMULATE" --data "$DATA" --ctl "$CTL" --preload "$FAKE_PRELOAD" --pg "$PG_BASE"
    --trust "$DATA/demo-trust.json")
  ((CHECK)) && sim_args+=(--check)
  if ! env -u LD_PRELOAD -u FAKETIME_TIMESTAMP_FILE python3 "$SIMULATOR" "${sim_args[@]}" >"$DATA/simulation.log" 2>&1; then
    tail -n 40 "$DATA/simulation.log" >&2
    ((CHECK)) && die "the simulation failed (log: $DATA/simulation.log)"
    # A demo with part of a week behind it is still a demo: bring the clock to real time and go on.
    say "the simulation stopped short (log: $DATA/simulation.log); bringing the clock to real time"
    env -u LD_PRELOAD -u FAKETIME_TIMESTAMP_FILE python3 deploy/demo/simclock.py --file "$DATA/clock" \
      --freeze "$DATA" real >/dev/null || die "could not bring the faked clock to real time"
  fi
  tail -n 20 "$DATA/simulation.log" >&2
  SIMULATED_FROM=$(python3 -c 'import datetime, sys; from zoneinfo import ZoneInfo
print(datetime.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/London")).strftime("%a %d %b %Y %H:%M"))' "$T0")
  # Normally at real time now; a --check run ends after the last timer the simulation started, which
  # may be ahead of real time (the clock never moves back).
  CLOCK_NOW=$(env -u LD_PRELOAD python3 deploy/demo/simclock.py --file "$DATA/clock" now)
  if [[ $(cat "$DATA/clock") =~ ^[+-]?0$ ]]; then
    CLOCK_STATE="the clock now runs at real time"
  else
    CLOCK_STATE="the faked clock is at $CLOCK_NOW ($(cat "$DATA/clock") s from real time)"
  fi
  say "simulated the $SIMULATE from $SIMULATED_FROM; $CLOCK_STATE"
fi
if ((EXIT_WHEN_DONE)); then
  say "done (--exit)"
  exit 0
fi
# This term, as the report names it (autumn from August, spring to March, summer after).
REPORT_PERIOD=$(python3 -c 'import datetime; d = datetime.date.today(); print(f"{d.year}-" + ("autumn" if d.month >= 8 else "spring" if d.month <= 3 else "summer"))')
# The guardian under the demo's communication arrangement (none with --check: a placeholder).
DEMO_GUARDIAN=$("$CTL" --json conduct arrangements --school kenilworth |
  python3 -c 'import json, sys; a = json.load(sys.stdin).get("arrangements") or [{"guardian": "guardians/GUARDIAN"}]; print(a[0]["guardian"].split("/")[1])')
CLOCK_TEXT=""
if ((FAKE_CLOCK)); then
  CLOCK_TEXT="
The demo trust lived through a faked past $SIMULATE from $SIMULATED_FROM (deploy/demo/simulate_term.py:
its enquiries, timers, notices and report); $CLOCK_STATE, and the services keep
running on it (still under libfaketime, reading $DATA/clock).
"
fi

cat <<TXT

Parley is running (logs in $DATA/logs, data in $DATA), TLS on every gRPC port with
the local CA $DATA/tls/ca.crt (any gRPC client must trust it).
$CLOCK_TEXT
  contacts   gRPC 127.0.0.1:$CONTACTS_PORT   metrics http://127.0.0.1:$CONTACTS_METRICS_PORT/metrics
  conduct    gRPC 127.0.0.1:$CONDUCT_PORT   metrics http://127.0.0.1:$CONDUCT_METRICS_PORT/metrics
  escalation gRPC 127.0.0.1:$ESCALATION_PORT   metrics http://127.0.0.1:$ESCALATION_METRICS_PORT/metrics
  notifications gRPC 127.0.0.1:$NOTIFICATIONS_PORT   metrics http://127.0.0.1:$NOTIFICATIONS_METRICS_PORT/metrics
  appointments gRPC 127.0.0.1:$APPOINTMENTS_PORT   metrics http://127.0.0.1:$APPOINTMENTS_METRICS_PORT/metrics
  reporting  gRPC 127.0.0.1:$REPORTING_PORT   metrics http://127.0.0.1:$REPORTING_METRICS_PORT/metrics
  PostgreSQL 127.0.0.1:$PG_PORT (one database per service)   Redis 127.0.0.1:$REDIS_PORT
  mail catcher SMTP 127.0.0.1:$SMTP_PORT, API http://127.0.0.1:$MAIL_API_PORT   SMS/push sink http://127.0.0.1:$GATEWAY_PORT

Try, in another terminal (scripts/parleyctl uses this run's endpoints and signing key):

  scripts/parleyctl schools list
  scripts/parleyctl route --school st-marys --pupil \$(scripts/parleyctl pupils list --school st-marys --page-size 1 --ids-only) --category send --channel email
  scripts/parleyctl deadline --school st-marys --channel email --stage acknowledge --received "2025-10-24 16:10" --explain
  scripts/parleyctl conduct arrangements --school kenilworth
  scripts/parleyctl conduct check --school kenilworth --guardian $DEMO_GUARDIAN --channel phone
  scripts/parleyctl enquiries open --school st-marys --pupil p-00001 --channel email --category learning --subject "Reading book"
  scripts/parleyctl enquiries list --school st-marys
  scripts/parleyctl notices list --school woodgrange-infant
  scripts/parleyctl evenings list --school kenilworth
  scripts/parleyctl evenings timetable \$(scripts/parleyctl --json evenings list --school kenilworth | python3 -c 'import json,sys; print(json.load(sys.stdin)["parentsEvenings"][0]["name"])') --staff miss-reid
  scripts/parleyctl meetings list --school st-marys
  scripts/parleyctl report --period $REPORT_PERIOD --html report.html --csv report.csv
  scripts/parleyctl notices messages \$(scripts/parleyctl --json notices list --school riverside-academy --category consent | python3 -c 'import json,sys; print(json.load(sys.stdin)["notices"][0]["name"])')

The emails the demo trust sent, as the guardians' mail servers received them:

  scripts/parleyctl mail list
  scripts/parleyctl mail show 1

The texts and app pushes, as the SMS and push gateways received them:

  curl -s 'http://127.0.0.1:$GATEWAY_PORT/messages?kind=sms'
  curl -s 'http://127.0.0.1:$GATEWAY_PORT/messages?kind=push'

Press Ctrl-C to stop everything.
TXT
while true; do
  for svc in "${PARLEY_SERVICES[@]}"; do
    pid=$(cat "$DATA/pids/$svc.pid" 2>/dev/null || echo 0)
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$DATA/logs/$svc.log" >&2; die "$svc stopped unexpectedly"; }
  done
  sleep 2
done
