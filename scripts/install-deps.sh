#!/usr/bin/env bash
# Installs every Debian package Parley builds, runs and tests with. Safe to run again: packages
# already present are skipped without touching the network.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PACKAGES=(
  build-essential cmake pkg-config ninja-build ccache git ca-certificates openssl tzdata
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libabsl-dev
  libhiredis-dev libpqxx-dev libpq-dev libjwt-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev
  clang libclang-rt-14-dev
  postgresql postgresql-contrib redis-server
  python3 python3-yaml
  # scripts/run.sh --simulate: the whole local Parley on a faked clock (libfaketime comes with it).
  faketime
  # notifications: SMTP and HTTP gateways (libcurl), letters (libharu PDF, DejaVu fonts, poppler to
  # read them back in tests), the mail catcher (aiosmtpd) and the SMTP benchmark (postfix's
  # smtp-sink and smtp-source).
  libcurl4-openssl-dev libhpdf-dev poppler-utils fonts-dejavu-core python3-aiosmtpd postfix
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${#missing[@]} missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # postfix is here for its benchmark tools only: preseed "No configuration" so the install asks
  # nothing and configures no mail system (the install is non-interactive).
  if command -v debconf-set-selections >/dev/null 2>&1; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# buf (the proto lint) comes from npm. A machine whose Node.js already bundles npm (nodesource)
# must not get Debian's npm package, which conflicts with it.
if ! command -v npm >/dev/null 2>&1; then
  say "installing Node.js and npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# kubectl renders the Kustomize manifests. Debian's kubernetes-client provides it where the
# machine has none of its own (it conflicts with an already installed kubectl package).
if ! command -v kubectl >/dev/null 2>&1; then
  say "installing kubectl (kubernetes-client)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
fi
