"""Tests: the services started by `make test` (DATABASE_URL, REDIS_URL,
ELASTICSEARCH_URL), else the embedded defaults; fast hashing, locmem e-mail."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import CHANNEL_LAYERS, DATABASES, PUENTE_LIVE, REDIS_URL

# pytest-xdist's worker ("gw0", "gw1", ...), empty outside a parallel run. The
# servers a browser test starts inherit it with the rest of the environment.
TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False

# A file, not memory, for SQLite tests, so that a server process started by a
# browser test sees the same database as the test. Under tools/services.py it
# goes in the run's scratch directory (two runs at once in one checkout do not
# share it), else in var/. Under pytest-xdist, pytest-django appends the
# worker to every test database name (PostgreSQL test_puente_gw0, SQLite
# test-db.sqlite3_gw0): one database per worker.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _folder = Path(os.environ.get("SERVICES_TMPDIR") or BASE_DIR / "var")  # noqa: F405
    _folder.mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(_folder / "test-db.sqlite3")}

# Static files straight from the source folders: the browser tests' server
# runs without collectstatic.
WHITENOISE_USE_FINDERS = True

# Tests make many writes as the same few users, and every test client reads
# from 127.0.0.1; the flood limits have their own tests.
PUENTE_COMMENT_WRITE_RATE = "100000/min"
PUENTE_MODERATION_WRITE_RATE = "100000/min"
PUENTE_PUBLIC_READ_RATE = "100000/min"
PUENTE_EXPORT_RATE = "100000/min"
PUENTE_FOLLOW_RATE = "100000/min"
# The same for open sockets (core/socket_limits.py): bench/fanout's 1,000 to
# 5,000 clients all come from 127.0.0.1; tests/core/test_socket_limits.py
# runs its servers with the limits it tests.
PUENTE_LIVE = {**PUENTE_LIVE, "per_ip": 0, "per_person": 0}

# The suite at large indexes into the database backend; the search tests
# choose the Elasticsearch backend themselves when ELASTICSEARCH_URL is set.
PUENTE_SEARCH_BACKEND = "database"

# Tests read what they have just indexed. osmem-server, the test command's
# OpenSearch-API server, refuses the client's Elasticsearch-only media type.
PUENTE_SEARCH_REFRESH = True
ELASTICSEARCH_OPTIONS = {"node_class": "search.es_transport.PlainJsonNode"}

# Parallel runs: the workers share the test command's Redis, and Redis pub/sub
# channels belong to the server, not to a database number, so each worker's
# channel layer gets a prefix of its own (groups are named after ids, which
# repeat across the workers' databases, and the moderators' queue group is one
# name). Only for the shared Redis, which tools/services.py also exports as
# SERVICES_REDIS_URL: a test that starts a Redis of its own
# (tests/e2e/test_live_two_servers.py) keeps the default prefix it names.
if TEST_WORKER and REDIS_URL and os.environ.get("SERVICES_REDIS_URL") == REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-{TEST_WORKER}"

# The Elasticsearch tests name an index of their own per test or module; the
# default alias is the worker's too, so that no two workers ever share one.
PUENTE_SEARCH_INDEX = "-".join(filter(None, ["puente-test-comments", TEST_WORKER]))
