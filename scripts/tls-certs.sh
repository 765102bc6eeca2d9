#!/usr/bin/env bash
# Makes a throwaway local certificate authority and one certificate per name, for running and
# testing Parley with TLS on one machine (never for a real deployment: docs/deploy.md, "TLS").
#
#   scripts/tls-certs.sh <dir> <name>...
#
# Writes <dir>/ca.crt and ca.key (made once, reused while they exist) and, for every name,
# <dir>/<name>.crt and <name>.key: ECDSA P-256, for both server and client use (a service presents
# the same certificate to its callers and to the peers it calls), with the subject alternative names
# localhost, 127.0.0.1 and the name itself. A name's certificate is made again on every call.
#
# The CA and the certificates are valid for PARLEY_TLS_DAYS days from now (default 30). A run on a
# faked clock (scripts/run.sh --simulate) makes them on that clock, in the past, with a validity long
# enough to reach the real today.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DIR=${1:?usage: tls-certs.sh DIR NAME...}; shift
(($#)) || die "usage: tls-certs.sh DIR NAME..."
command -v openssl >/dev/null || die "openssl not found: run scripts/install-deps.sh"
DAYS=${PARLEY_TLS_DAYS:-30}
[[ $DAYS =~ ^[1-9][0-9]*$ ]] || die "PARLEY_TLS_DAYS must be a number of days, not $DAYS"
mkdir -p "$DIR"
chmod 700 "$DIR"

if [[ ! -s $DIR/ca.crt || ! -s $DIR/ca.key ]]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/ca.key" 2>/dev/null
  chmod 600 "$DIR/ca.key"
  openssl req -x509 -new -key "$DIR/ca.key" -sha256 -days "$DAYS" -subj "/CN=Parley local CA $(basename "$DIR")" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$DIR/ca.crt" 2>/dev/null
fi

for name in "$@"; do
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "bad certificate name: $name"
  openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/$name.key" 2>/dev/null
  chmod 600 "$DIR/$name.key"
  ext=$(mktemp)
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$name" >"$ext"
  openssl req -new -key "$DIR/$name.key" -subj "/CN=$name" 2>/dev/null |
    openssl x509 -req -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days "$DAYS" -sha256 -extfile "$ext" -out "$DIR/$name.crt" 2>/dev/null
  rm -f "$ext"
done
