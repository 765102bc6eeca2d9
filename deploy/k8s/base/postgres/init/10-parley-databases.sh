#!/usr/bin/env bash
# Runs once, when PostgreSQL initialises an empty data directory (the image runs every file in
# /docker-entrypoint-initdb.d). Creates one database per Parley service, each owned by a login role
# of its own (parley_<service>) whose password comes from the parley-postgres Secret through the
# variable PARLEY_DB_PASSWORD_<SERVICE>. Other roles may not connect to it.
# For a service added after the first start, run the same statements by hand (docs/deploy.md).
set -euo pipefail

for service in contacts conduct escalation appointments notifications reporting; do
  var="PARLEY_DB_PASSWORD_${service^^}"
  password="${!var:-}"
  if [[ -z $password ]]; then
    echo "10-parley-databases.sh: $var is not set" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" --dbname postgres \
    --set=db="$service" --set=role="parley_$service" --set=password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
  echo "10-parley-databases.sh: created database $service owned by parley_$service"
done
