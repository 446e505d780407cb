"""Tests: the services started by `make test` (DATABASE_URL, REDIS_URL,
ELASTICSEARCH_URL), else the embedded defaults; fast hashing, locmem e-mail."""

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False

# A file, not memory, for SQLite tests, so that a server process started by a
# browser test sees the same database as the test.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}  # noqa: F405

# Static files straight from the source folders: the browser tests' server
# runs without collectstatic.
WHITENOISE_USE_FINDERS = True

# Tests make many writes as the same few users; the flood limit has its own test.
PUENTE_COMMENT_WRITE_RATE = "100000/min"
PUENTE_MODERATION_WRITE_RATE = "100000/min"

# The suite at large indexes into the database backend; the search tests
# choose the Elasticsearch backend themselves when ELASTICSEARCH_URL is set.
PUENTE_SEARCH_BACKEND = "database"

# Tests read what they have just indexed. osmem-server, the test command's
# OpenSearch-API server, refuses the client's Elasticsearch-only media type.
PUENTE_SEARCH_REFRESH = True
ELASTICSEARCH_OPTIONS = {"node_class": "search.es_transport.PlainJsonNode"}
