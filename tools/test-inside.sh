#!/usr/bin/env bash
# Lint gate and test suite. Run by tools/test.sh inside tools/services.py, so
# DATABASE_URL, REDIS_URL and ELASTICSEARCH_URL point at throwaway servers.
# docs/testing.md explains the passes, the marks and the parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test

# pytest-xdist workers: one per CPU the process may use unless PYTEST_WORKERS
# says otherwise (0: none, all in one process). Each worker has its own test
# database, channel prefix and servers; --dist loadfile keeps each file on
# one worker, so module-wide data sets (search) are written once, and
# --no-loadscope-reorder hands files out in collection order, browser tests
# last (docs/testing.md).
WORKERS=${PYTEST_WORKERS:-logical}
PYTEST=(.venv/bin/python -m pytest -p no:cacheprovider -q --durations=10)

# The files holding the tests marked `alone` (tests/engines.py's RUN_ALONE).
alone=$(.venv/bin/python -c 'from tests import engines
print(*sorted({engines.entry_path(entry) for entry in engines.RUN_ALONE}), sep="\n")')
mapfile -t ALONE <<<"$alone"
[ -n "$alone" ] || ALONE=()

# pytest_pass [MARKS]: the tests the mark expression selects (all without
# one), in parallel; then those of them marked `alone`, by themselves, from
# their own files only. Exit 5 (nothing selected) is fatal for the first
# part, as set -e makes it, and fine for the second.
pytest_pass() {
  local select=${1:+($1) and }
  "${PYTEST[@]}" -n "$WORKERS" --dist loadfile --no-loadscope-reorder -m "${select}not alone"
  ((${#ALONE[@]})) || return 0
  local rc=0
  "${PYTEST[@]}" -m "${select}alone" "${ALONE[@]}" || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
    exit "$rc"
  fi
}

echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache
.venv/bin/mypy
.venv/bin/python manage.py check
.venv/bin/python manage.py makemigrations --check --dry-run
# Dockerfile, compose files, systemd units, shell scripts, nginx template.
bash tools/lint-deploy.sh

echo "== pytest on PostgreSQL"
pytest_pass

# Second pass, on SQLite (the `make run` database; no DATABASE_URL), for the
# tests whose behaviour can differ by engine: tests/engines.py marks them.
echo "== pytest on SQLite"
unset DATABASE_URL
pytest_pass "both_databases and not postgres_only"
