#!/usr/bin/env bash
# The whole `make test` flow: Debian packages, virtualenv and dev requirements,
# then the lint gate and test suite (tools/test-inside.sh) with throwaway
# PostgreSQL, Redis and osmem servers (tools/services.py). Safe to rerun; the
# install steps are skipped when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$EPOCHREALTIME
PYTHON=${PYTHON:-python3}

finish() {
  local rc=$?
  awk -v s="$start" -v e="$EPOCHREALTIME" -v rc="$rc" \
    'BEGIN { printf "make test: %s in %.1f s\n", rc ? "FAILED (exit " rc ")" : "passed", e - s }'
}
trap finish EXIT

have_postgres() {
  { command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/postgres" ]; } ||
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

missing=()
have_postgres || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v msgfmt >/dev/null || missing+=(gettext)
# nginx for the production stack's test (tools/stack.py runs its own; the
# system's nginx is never used).
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl) # the stack test's TLS certificate
# systemd-analyze for the lint gate's check of deploy/systemd (it skips,
# saying so, without it; installing the package starts nothing here).
command -v systemd-analyze >/dev/null || missing+=(systemd)
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing Debian packages: ${missing[*]}" >&2
    echo "test.sh: install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  (
    # Packages must not start their system services: the tests run their
    # own servers, and nginx's would fail (and fail the install) when port
    # 80 is taken. A policy-rc.d that denies every start, for the install.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod +x "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  )
  # Should a service manager have started the system's nginx all the same.
  if [ -s /run/nginx.pid ] && [[ " ${missing[*]} " == *" nginx "* ]]; then
    /usr/sbin/nginx -s quit || true
  fi
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.dev-installed
if [ ! -e "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ requirements-dev.txt -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  touch "$stamp"
fi
# moto's S3-API server for the media-storage tests, in a virtualenv of its
# own: it imports a library called `responses`, the name of one of our apps.
s3stamp=.venv/s3server/.installed
if [ ! -e "$s3stamp" ] || [ requirements-s3server.txt -nt "$s3stamp" ]; then
  "$PYTHON" -m venv .venv/s3server
  .venv/s3server/bin/python -m pip install -q -r requirements-s3server.txt
  touch "$s3stamp"
fi

.venv/bin/python tools/services.py -- bash tools/test-inside.sh
