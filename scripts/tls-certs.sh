#!/usr/bin/env bash
# Makes a throwaway local certificate authority and one certificate per name, for running and
# testing Parley with TLS on one machine (never for a real deployment: docs/deploy.md, "TLS").
#
#   scripts/tls-certs.sh <dir> <name>...
#
# Writes <dir>/ca.crt and ca.key (made once, reused while they exist) and, for every name,
# <dir>/<name>.crt and <name>.key: ECDSA P-256, valid 30 days, for both server and client use
# (a service presents the same certificate to its callers and to the peers it calls), with the
# subject alternative names localhost, 127.0.0.1 and the name itself. A name's certificate is made
# again on every call.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

DIR=${1:?usage: tls-certs.sh DIR NAME...}; shift
(($#)) || die "usage: tls-certs.sh DIR NAME..."
command -v openssl >/dev/null || die "openssl not found: run scripts/install-deps.sh"
mkdir -p "$DIR"
chmod 700 "$DIR"

if [[ ! -s $DIR/ca.crt || ! -s $DIR/ca.key ]]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/ca.key" 2>/dev/null
  chmod 600 "$DIR/ca.key"
  openssl req -x509 -new -key "$DIR/ca.key" -sha256 -days 30 -subj "/CN=Parley local CA $(basename "$DIR")" \
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
      -days 30 -sha256 -extfile "$ext" -out "$DIR/$name.crt" 2>/dev/null
  rm -f "$ext"
done
