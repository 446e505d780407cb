#!/usr/bin/env bash
# Lint gate and test suite. Run by tools/test.sh inside tools/services.py, so
# DATABASE_URL, REDIS_URL and ELASTICSEARCH_URL point at throwaway servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test

echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python manage.py check
.venv/bin/python manage.py makemigrations --check --dry-run

# set -e makes every failure fatal here, including exit 5 (no tests collected).
echo "== pytest on PostgreSQL"
.venv/bin/python -m pytest -p no:cacheprovider -q

# Second pass for behaviour that differs on SQLite (the `make run` database).
# Exit 5 is fine here: it only means every test is marked postgres_only.
echo "== pytest on SQLite"
rc=0
env -u DATABASE_URL .venv/bin/python -m pytest -p no:cacheprovider -q -m "not postgres_only" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
  exit "$rc"
fi
