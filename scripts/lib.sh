# Shared shell helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

PARLEY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PARLEY_ROOT

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Services built and started by the scripts, in start order.
PARLEY_SERVICES=(contacts notifications conduct escalation appointments reporting)
