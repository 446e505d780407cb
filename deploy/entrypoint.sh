#!/usr/bin/env bash
# The one way every production process of Puente starts: tools/stack.py, the
# container image (ENTRYPOINT) and the systemd units all call this script.
#
#   deploy/entrypoint.sh web                  the app server (manage.py serve: uvicorn)
#   deploy/entrypoint.sh worker               the background task worker (db_worker)
#   deploy/entrypoint.sh scheduler            the scheduled jobs (run_scheduler)
#   deploy/entrypoint.sh release              migrate, forget_kept, then check --deploy; run before web
#   deploy/entrypoint.sh manage ARGS...       any manage.py command
#
# Environment: DJANGO_SETTINGS_MODULE (default config.settings.production)
# and the variables those settings read; PUENTE_PYTHON (default python: the
# image's; a checkout sets .venv/bin/python); for web, PUENTE_BIND
# (default 0.0.0.0:8000) and PUENTE_WEB_WORKERS (uvicorn processes, default 1);
# for release, PUENTE_CHECK_FAIL_LEVEL (default WARNING: any warning of
# `check --deploy` stops the release).
set -euo pipefail

usage() {
  echo "usage: $0 web|worker|scheduler|release|manage [ARGS...]" >&2
}

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.production}
PY=${PUENTE_PYTHON:-python}

if [ $# -lt 1 ]; then
  usage
  exit 64
fi
role=$1
shift

case "$role" in
  web)
    exec "$PY" manage.py serve --bind "${PUENTE_BIND:-0.0.0.0:8000}" \
      --workers "${PUENTE_WEB_WORKERS:-1}" "$@"
    ;;
  worker)
    exec "$PY" manage.py db_worker "$@"
    ;;
  scheduler)
    exec "$PY" manage.py run_scheduler "$@"
    ;;
  release)
    # Idempotent: migrate does nothing when nothing is pending. Static files
    # are collected when the image is built (or by the stack), not here.
    "$PY" manage.py migrate --noinput "$@"
    # After a restore the cursors went back; after an upgrade the templates
    # may have changed: renderings kept in the cache are not read again.
    "$PY" manage.py forget_kept
    exec "$PY" manage.py check --deploy --fail-level "${PUENTE_CHECK_FAIL_LEVEL:-WARNING}"
    ;;
  manage)
    if [ $# -lt 1 ]; then
      echo "$0: manage needs a command, e.g. $0 manage createsuperuser" >&2
      exit 64
    fi
    exec "$PY" manage.py "$@"
    ;;
  *)
    echo "$0: unknown role '$role'" >&2
    usage
    exit 64
    ;;
esac
