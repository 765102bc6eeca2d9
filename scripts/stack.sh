#!/usr/bin/env bash
# Starts or stops the local PostgreSQL and Redis that Parley runs and tests against, and optionally
# the delivery sinks: the mail catcher (scripts/mail_catcher.py, a real SMTP server keeping what it
# receives, with a JSON API) and the HTTP gateway sink (scripts/gateway_sink.py, when present). They
# listen on loopback only and keep their data in a folder of the project's own (never the system cluster).
#
#   scripts/stack.sh start <data-dir> <pg-port> <redis-port> [<smtp-port> <mail-api-port> <gateway-port>]
#   scripts/stack.sh stop  <data-dir>
#
# The sinks keep their data and pid files in <data-dir>/mail and <data-dir>/gateway; `stop` stops
# whatever was started. Starting again while running reuses the servers; starting after a crash
# clears the stale state.
#
# PARLEY_SERVER_PRELOAD (scripts/run.sh --simulate): PostgreSQL and Redis run with exactly that
# LD_PRELOAD instead of the inherited one, so a faked-clock run gives them tools/fakeclock's
# wall-clock shim. Redis cannot start under libfaketime (libfaketime #130); under libfaketime
# PostgreSQL's own timers (statement_timeout, deadlock_timeout: SIGALRM) never fired, so two
# deadlocked transactions waited for ever. The shim fakes only the wall clock.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cmd=${1:?usage: stack.sh start|stop DATA_DIR [PG_PORT REDIS_PORT [SMTP_PORT MAIL_API_PORT [GATEWAY_PORT]]]}
DATA=$(mkdir -p "${2:?data dir}" && cd "$2" && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[[ -n "$PGBIN" ]] || die "PostgreSQL server binaries not found: run scripts/install-deps.sh"
PGROOT=$DATA/pg
PGDATA=$PGROOT/data

pg_running() { [[ -f $PGDATA/postmaster.pid ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }
redis_running() { [[ -f $DATA/redis/redis.pid ]] && kill -0 "$(cat "$DATA/redis/redis.pid")" 2>/dev/null; }
pidfile_running() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# server_tool <program> <args...>: a PostgreSQL or Redis program, on PARLEY_SERVER_PRELOAD when it is set.
server_tool() {
  if [[ -n ${PARLEY_SERVER_PRELOAD:-} ]]; then LD_PRELOAD=$PARLEY_SERVER_PRELOAD "$@"; else "$@"; fi
}
# Debian's interpreter: python3-aiosmtpd is installed for it (a pyenv or venv python3 may come first in PATH).
PYTHON=python3
[[ -x /usr/bin/python3 ]] && PYTHON=/usr/bin/python3

# start_sink <name> <folder> <pid-file> <port-to-wait-for> <command...>: one sink in the background.
start_sink() {
  local name=$1 dir=$2 pidfile=$3 port=$4; shift 4
  mkdir -p "$dir"
  if pidfile_running "$pidfile"; then say "$name already running"; return; fi
  rm -f "$pidfile"
  setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 250); do
    port_open "$port" && { say "$name listening on 127.0.0.1:$port"; return; }
    pidfile_running "$pidfile" || break
    sleep 0.02
  done
  tail -n 20 "$dir/$name.log" >&2
  die "$name did not start on 127.0.0.1:$port"
}

start_sinks() {
  local smtp_port=$1 mail_api_port=$2 gateway_port=${3:-}
  start_sink mail-catcher "$DATA/mail" "$DATA/mail/catcher.pid" "$mail_api_port" \
    "$PYTHON" "$PARLEY_ROOT/scripts/mail_catcher.py" --smtp-port "$smtp_port" --http-port "$mail_api_port" \
    --dir "$DATA/mail"
  port_open "$smtp_port" || die "mail catcher: nothing listens on SMTP port $smtp_port"
  if [[ -n $gateway_port && -f $PARLEY_ROOT/scripts/gateway_sink.py ]]; then
    start_sink gateway-sink "$DATA/gateway" "$DATA/gateway/sink.pid" "$gateway_port" \
      "$PYTHON" "$PARLEY_ROOT/scripts/gateway_sink.py" --port "$gateway_port" --dir "$DATA/gateway"
  fi
}

stop_pidfile() {
  local pidfile=$1 pid
  pidfile_running "$pidfile" || { rm -f "$pidfile"; return; }
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
  rm -f "$pidfile"
}

start() {
  local pg_port=${1:?pg port} redis_port=${2:?redis port}
  chmod 755 "$DATA"
  # PostgreSQL: initdb refuses root, so the cluster belongs to the postgres user.
  mkdir -p "$PGROOT"; chown postgres:postgres "$PGROOT"
  if ! runuser -u postgres -- test -w "$PGROOT"; then
    # The cluster runs as postgres, which must be able to pass through every folder above it.
    local dir=$PGROOT blocked=""
    while [[ $dir != / ]]; do dir=$(dirname "$dir"); runuser -u postgres -- test -x "$dir" || blocked=$dir; done
    die "the postgres user cannot reach $PGROOT (no search permission on ${blocked:-a parent folder}): chmod o+x it, or clone Parley elsewhere"
  fi
  if [[ ! -f $PGDATA/PG_VERSION ]]; then
    say "initialising PostgreSQL in $PGDATA"
    server_tool runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log" 2>&1 || { cat "$PGROOT/initdb.log" >&2; die "initdb failed"; }
  fi
  if pg_running; then
    say "PostgreSQL already running on 127.0.0.1:$(sed -n 4p "$PGDATA/postmaster.pid")"
  else
    rm -f "$PGDATA/postmaster.pid"   # stale after a crash; pg_ctl status said it is not running
    server_tool runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/server.log" -w -t 60 \
      -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $PGROOT -c max_connections=300" start >/dev/null \
      || { tail -n 20 "$PGROOT/server.log" >&2; die "PostgreSQL did not start"; }
    say "PostgreSQL listening on 127.0.0.1:$pg_port"
  fi
  # Redis: a wake-up index only, so no persistence; noeviction is required by the timer library.
  mkdir -p "$DATA/redis"
  if redis_running; then
    say "Redis already running"
  else
    rm -f "$DATA/redis/redis.pid"
    server_tool redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --maxmemory-policy noeviction --dir "$DATA/redis" --pidfile "$DATA/redis/redis.pid" \
      --logfile "$DATA/redis/redis.log"
    for _ in $(seq 1 500); do server_tool redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.02; done
    server_tool redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG || die "Redis did not start"
    say "Redis listening on 127.0.0.1:$redis_port"
  fi
}

stop() {
  stop_pidfile "$DATA/mail/catcher.pid"
  stop_pidfile "$DATA/gateway/sink.pid"
  if pg_running; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true; fi
  if redis_running; then
    local pid; pid=$(cat "$DATA/redis/redis.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
  fi
}

case "$cmd" in
  start)
    start "${3:-}" "${4:-}"
    if [[ -n ${5:-} ]]; then start_sinks "$5" "${6:?mail API port}" "${7:-}"; fi
    ;;
  stop) stop ;;
  *) die "unknown command $cmd" ;;
esac
