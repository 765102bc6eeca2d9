#!/usr/bin/env bash
# Runs Parley locally with the demo trust: installs what is missing, builds, starts PostgreSQL,
# Redis, the mail catcher and the SMS/push gateway sink on loopback in .parley/run, applies
# migrations, starts every service, loads the demo trust, prints how to use it, and stays up until
# Ctrl-C, which stops everything it started.
# Running it again while it runs (or after a crash) replaces the old services cleanly.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PARLEY_ROOT"

DATA=$PARLEY_ROOT/.parley/run
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
BUILD=$PARLEY_ROOT/build

"$PARLEY_ROOT/scripts/install-deps.sh"
"$PARLEY_ROOT/scripts/build.sh" "$BUILD"
mkdir -p "$DATA/pids" "$DATA/logs" "$DATA/keys"

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
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}
stop_services

"$PARLEY_ROOT/scripts/stack.sh" start "$DATA" "$PG_PORT" "$REDIS_PORT" "$SMTP_PORT" "$MAIL_API_PORT" "$GATEWAY_PORT"
cleanup() {
  local rc=$?
  trap - INT TERM EXIT
  say "stopping Parley"
  stop_services
  "$PARLEY_ROOT/scripts/stack.sh" stop "$DATA"
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
say "loading the demo notifications (templates, settings, preferences, broadcasts)"
python3 deploy/demo/load_notifications_demo.py "$CTL"

start_service conduct "$CONDUCT_PORT" "$CONDUCT_METRICS_PORT"
"$CTL" wait --service conduct --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/conduct.log" >&2; die "conduct did not become ready"; }
say "loading the demo conduct records (Kenilworth)"
deploy/demo/load_conduct_demo.sh "$CTL"
export PARLEY_ESCALATION_ADDR=127.0.0.1:$ESCALATION_PORT
start_service escalation "$ESCALATION_PORT" "$ESCALATION_METRICS_PORT"
"$CTL" wait --service escalation --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/escalation.log" >&2; die "escalation did not become ready"; }
say "loading the demo enquiries (a term's worth, every school)"
python3 deploy/demo/load_escalation_demo.py "$CTL"
# Appointments after escalation: it reads contacts' directory, asks conduct's gate and relays its
# notices to notifications (PARLEY_NOTIFICATIONS_ADDR), all exported above.
export PARLEY_APPOINTMENTS_ADDR=127.0.0.1:$APPOINTMENTS_PORT
start_service appointments "$APPOINTMENTS_PORT" "$APPOINTMENTS_METRICS_PORT"
"$CTL" wait --service appointments --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/appointments.log" >&2; die "appointments did not become ready"; }
say "loading the demo appointments (parents' evenings, meeting requests, meetings held and their notes)"
python3 deploy/demo/load_appointments_demo.py "$CTL"
# Reporting last: it reads every other service's figures and contacts' directory.
export PARLEY_REPORTING_ADDR=127.0.0.1:$REPORTING_PORT
start_service reporting "$REPORTING_PORT" "$REPORTING_METRICS_PORT"
"$CTL" wait --service reporting --timeout 30s >/dev/null || { tail -n 20 "$DATA/logs/reporting.log" >&2; die "reporting did not become ready"; }
# This term, as the report names it (autumn from August, spring to March, summer after).
REPORT_PERIOD=$(python3 -c 'import datetime; d = datetime.date.today(); print(f"{d.year}-" + ("autumn" if d.month >= 8 else "spring" if d.month <= 3 else "summer"))')
DEMO_GUARDIAN=$("$CTL" --json conduct arrangements --school kenilworth |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["arrangements"][0]["guardian"].split("/")[1])')

cat <<TXT

Parley is running (logs in .parley/run/logs, data in .parley/run), TLS on every gRPC port with
the local CA .parley/run/tls/ca.crt (any gRPC client must trust it).

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
