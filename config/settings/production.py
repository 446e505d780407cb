"""Production: every secret and service address comes from the environment.

Every variable is read through core.env, so a missing or malformed one stops
any entry point (manage.py, uvicorn, the task worker) with one line naming
it and exit status 1. Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL
(PostgreSQL), REDIS_URL (or REDIS_SENTINELS + REDIS_SENTINEL_MASTER),
SITE_URL. docs/operations.md lists the optional ones, their defaults and
what they change.
"""

import re
from urllib.parse import urlsplit

from core import env
from core.logs import logging_config

from .base import *  # noqa: F403
from .base import (
    DEFAULT_FROM_EMAIL,
    PUENTE_LIVE,
    PUENTE_SEARCH_INDEX,
    PUENTE_SERVER,
    redis_channel_layer,
)

DEBUG = False
SECRET_KEY = env.required("SECRET_KEY", secret=True)
ALLOWED_HOSTS = env.hostnames("ALLOWED_HOSTS")
# Links in e-mails and the admin point here, e.g. https://consulta.municipio.gob.mx
SITE_URL = env.url("SITE_URL", path=False, require=True).rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")

# --- Database: PostgreSQL. One connection per request by default
# (persistent connections leak under ASGI: each request's sync code runs in a
# thread of its own); DATABASE_POOL=true keeps a psycopg pool per process
# instead; DATABASE_PGBOUNCER=true for PgBouncer in transaction mode.
DATABASE_POOL = env.boolean("DATABASE_POOL", False)
DATABASE_PGBOUNCER = env.boolean("DATABASE_PGBOUNCER", False)
if DATABASE_POOL and DATABASE_PGBOUNCER:
    raise env.fail(
        "DATABASE_POOL",
        "must be false when DATABASE_PGBOUNCER is true (PgBouncer pools the connections)",
        env.raw("DATABASE_POOL"),
    )
_POOL = {
    "min_size": env.integer("DATABASE_POOL_MIN_SIZE", 2, minimum=0),
    "max_size": env.integer("DATABASE_POOL_MAX_SIZE", 10, minimum=1),
    # Seconds a request waits for a free connection before failing.
    "timeout": env.number("DATABASE_POOL_TIMEOUT", 10.0, minimum=0.1),
}
if _POOL["max_size"] < _POOL["min_size"]:
    raise env.fail(
        "DATABASE_POOL_MAX_SIZE",
        f"must be at least DATABASE_POOL_MIN_SIZE ({_POOL['min_size']})",
        env.raw("DATABASE_POOL_MAX_SIZE"),
    )
_database = env.database("DATABASE_URL", engines=("django.db.backends.postgresql",), conn_max_age=0)
_options = _database.setdefault("OPTIONS", {})
_options["connect_timeout"] = env.integer("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
# Milliseconds any one statement may run (0: no limit; PostgreSQL refuses
# every connection past 2147483647). Sent as a startup option, which
# PgBouncer refuses unless told to ignore it.
_statement_timeout = env.integer("DATABASE_STATEMENT_TIMEOUT", 0, minimum=0, maximum=2**31 - 1)
if _statement_timeout:
    _options["options"] = " ".join(
        filter(None, [_options.get("options", ""), f"-c statement_timeout={_statement_timeout}"])
    )
if DATABASE_POOL:
    # Django's own pool (psycopg_pool) needs CONN_MAX_AGE = 0, as set above.
    _options["pool"] = _POOL
if DATABASE_PGBOUNCER:
    # A server-side cursor lives in one server connection; in transaction
    # mode PgBouncer hands the next statement to another.
    _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASES = {"default": _database}

# --- Redis: the channel layer and the cache. REDIS_URL may list several
# servers: the channel layer shards groups and channels over all of them
# (every process must list them in the same order); the cache uses the first,
# or REDIS_CACHE_URL (a primary, then its read replicas). Or Redis Sentinel.
_channel_layer_kind = env.choice("PUENTE_CHANNEL_LAYER", ("pubsub", "core"), "pubsub")
REDIS_SENTINELS = env.host_ports("REDIS_SENTINELS", 26379)
_cache_urls = env.urls("REDIS_CACHE_URL", ("redis", "rediss", "unix"))
if REDIS_SENTINELS:
    if env.is_set("REDIS_URL"):
        raise env.fail(
            "REDIS_URL",
            "must be empty when REDIS_SENTINELS is set (the sentinels name the master)",
            env.raw("REDIS_URL"),
        )
    _master = env.string("REDIS_SENTINEL_MASTER")
    if not _master:
        raise env.fail("REDIS_SENTINEL_MASTER", "is required when REDIS_SENTINELS is set")
    _master_options: dict = {"db": env.integer("REDIS_DB", 0, minimum=0)}
    if _password := env.string("REDIS_PASSWORD", secret=True):
        _master_options["password"] = _password
    _sentinel_options: dict = {"socket_connect_timeout": 2}
    if _password := env.string("REDIS_SENTINEL_PASSWORD", secret=True):
        _sentinel_options["password"] = _password
    _sentinel = {
        "sentinels": REDIS_SENTINELS,
        "master_name": _master,
        "sentinel_kwargs": _sentinel_options,
    }
    REDIS_URL = ""
    CHANNEL_LAYERS = {
        "default": redis_channel_layer([{**_sentinel, **_master_options}], _channel_layer_kind)
    }
    _cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://sentinel/{_master_options['db']}",
        "OPTIONS": {
            "pool_class": "core.redis_sentinel.SentinelPool",
            **_sentinel,
            **_master_options,
            "socket_connect_timeout": 2,
        },
    }
else:
    for _name in ("REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_PASSWORD", "REDIS_PASSWORD"):
        if env.is_set(_name):
            raise env.fail(
                _name,
                "is only used with REDIS_SENTINELS (put a password in REDIS_URL: "
                "redis://:password@host:6379/0)",
            )
    _redis_urls = env.urls("REDIS_URL", ("redis", "rediss", "unix"), require=True)
    REDIS_URL = _redis_urls[0]
    CHANNEL_LAYERS = {
        "default": redis_channel_layer(
            [{"address": url} for url in _redis_urls], _channel_layer_kind
        )
    }
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
if _cache_urls:
    # Django's RedisCache writes to the first and reads from the others.
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_urls}
CACHES = {"default": _cache}

# --- Media: local disk (MEDIA_ROOT, PUENTE_MEDIA_ROOT), or an S3-compatible
# bucket. Documents are always streamed by Wagtail's serve view after its
# privacy checks, never a redirect to the file's storage.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
S3_VARIABLES = [
    "PUENTE_MEDIA_S3_ENDPOINT_URL",
    "PUENTE_MEDIA_S3_REGION",
    "PUENTE_MEDIA_S3_CUSTOM_DOMAIN",
    "PUENTE_MEDIA_S3_PREFIX",
    "PUENTE_MEDIA_S3_ADDRESSING_STYLE",
    "PUENTE_MEDIA_S3_QUERYSTRING_AUTH",
    "PUENTE_MEDIA_S3_QUERYSTRING_EXPIRE",
]
_bucket = env.string("PUENTE_MEDIA_S3_BUCKET")
_media = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if not _bucket:
    for _name in S3_VARIABLES:
        if env.is_set(_name):
            raise env.fail("PUENTE_MEDIA_S3_BUCKET", f"is required when {_name} is set")
else:
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", _bucket):
        raise env.fail(
            "PUENTE_MEDIA_S3_BUCKET",
            "must be a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)",
            _bucket,
        )
    _key_id = env.string("AWS_ACCESS_KEY_ID")
    _secret_key = env.string("AWS_SECRET_ACCESS_KEY", secret=True)
    if _key_id and not _secret_key:
        raise env.fail("AWS_SECRET_ACCESS_KEY", "is required when AWS_ACCESS_KEY_ID is set")
    if _secret_key and not _key_id:
        raise env.fail("AWS_ACCESS_KEY_ID", "is required when AWS_SECRET_ACCESS_KEY is set")
    _domain = env.string("PUENTE_MEDIA_S3_CUSTOM_DOMAIN")
    if "://" in _domain or any(ch.isspace() for ch in _domain):
        # django-storages builds https://<domain>/<name>: a host, no scheme.
        raise env.fail(
            "PUENTE_MEDIA_S3_CUSTOM_DOMAIN", "must be a host name without scheme", _domain
        )
    _media = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": env.url("PUENTE_MEDIA_S3_ENDPOINT_URL", path=False) or None,
            "region_name": env.string("PUENTE_MEDIA_S3_REGION") or None,
            "access_key": _key_id or None,
            "secret_key": _secret_key or None,
            "custom_domain": _domain.rstrip("/") or None,
            "location": env.string("PUENTE_MEDIA_S3_PREFIX").strip("/"),
            "addressing_style": env.choice(
                "PUENTE_MEDIA_S3_ADDRESSING_STYLE", ("auto", "path", "virtual"), "auto"
            ),
            # No ACL header: objects get the bucket's (private) default.
            "default_acl": None,
            # Signed, expiring URLs (the bucket stays private).
            "querystring_auth": env.boolean("PUENTE_MEDIA_S3_QUERYSTRING_AUTH", True),
            "querystring_expire": env.integer(
                "PUENTE_MEDIA_S3_QUERYSTRING_EXPIRE", 3600, minimum=1, maximum=7 * 24 * 3600
            ),
            # Two uploads with one name both survive (a suffix is added).
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _media,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- E-mail (SMTP).
EMAIL_BACKEND = env.string("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.string("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", secret=True)
EMAIL_USE_SSL = env.boolean("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise env.fail(
        "EMAIL_USE_TLS",
        "must be false when EMAIL_USE_SSL is true (STARTTLS or TLS from the start, not both)",
        env.raw("EMAIL_USE_TLS"),
    )
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Behind a TLS-terminating proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- The app server (manage.py serve: uvicorn), over base.PUENTE_SERVER.
PUENTE_SERVER = {
    **PUENTE_SERVER,
    # Not below the app's own frame limit, which refuses larger frames
    # with a message (core/sockets.py).
    "ws_max_size": env.integer(
        "PUENTE_WS_MAX_SIZE", PUENTE_SERVER["ws_max_size"], minimum=PUENTE_SERVER["ws_max_size"]
    ),
    "ws_ping_interval": env.number(
        "UVICORN_WS_PING_INTERVAL", PUENTE_SERVER["ws_ping_interval"], minimum=1
    ),
    "ws_ping_timeout": env.number(
        "UVICORN_WS_PING_TIMEOUT", PUENTE_SERVER["ws_ping_timeout"], minimum=1
    ),
    "timeout_keep_alive": env.integer(
        "UVICORN_TIMEOUT_KEEP_ALIVE", PUENTE_SERVER["timeout_keep_alive"], minimum=1
    ),
    "timeout_graceful_shutdown": env.integer(
        "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", PUENTE_SERVER["timeout_graceful_shutdown"], minimum=0
    ),
    "limit_concurrency": env.optional_integer("UVICORN_LIMIT_CONCURRENCY", minimum=1)
    or PUENTE_SERVER["limit_concurrency"],
    # The socket call takes a C int (the kernel caps it at net.core.somaxconn).
    "backlog": env.integer(
        "UVICORN_BACKLOG", PUENTE_SERVER["backlog"], minimum=1, maximum=2**31 - 1
    ),
    "forwarded_allow_ips": env.ip_networks(
        "PUENTE_FORWARDED_ALLOW_IPS", PUENTE_SERVER["forwarded_allow_ips"]
    ),
    "ws_per_message_deflate": env.boolean(
        "PUENTE_WS_PER_MESSAGE_DEFLATE", PUENTE_SERVER["ws_per_message_deflate"]
    ),
}
# Live sockets per app process (core/socket_limits.py): open per address and
# per signed-in person, seconds without a frame from the client; 0: no limit.
PUENTE_LIVE = {
    **PUENTE_LIVE,
    "per_ip": env.integer("PUENTE_WS_PER_IP", PUENTE_LIVE["per_ip"], minimum=0),
    "per_person": env.integer("PUENTE_WS_PER_PERSON", PUENTE_LIVE["per_person"], minimum=0),
    "idle_seconds": env.integer("PUENTE_WS_IDLE_SECONDS", PUENTE_LIVE["idle_seconds"], minimum=0),
}

# --- Logs (one JSON line per request, core/request_log.py) and errors.
LOG_LEVEL = env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), "INFO")
LOG_FORMAT = env.choice("LOG_FORMAT", ("json", "text"), "json")
LOGGING = logging_config(LOG_LEVEL, json=LOG_FORMAT == "json")

SENTRY_DSN = env.string("SENTRY_DSN")
if SENTRY_DSN:
    _dsn = env.parse_url("SENTRY_DSN", SENTRY_DSN, ("http", "https"))
    if not _dsn.username or not re.fullmatch(r"(/[^/]+)*/\d+/?", _dsn.path):
        raise env.fail(
            "SENTRY_DSN", "must be a DSN such as https://<key>@<host>/<project id>", SENTRY_DSN
        )
SENTRY_ENVIRONMENT = env.string("SENTRY_ENVIRONMENT", "production")
SENTRY_RELEASE = env.string("SENTRY_RELEASE")
SENTRY_TRACES_SAMPLE_RATE = env.number("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0, maximum=1)
if SENTRY_DSN:
    from core.sentry import init_sentry

    init_sentry(SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE, SENTRY_TRACES_SAMPLE_RATE)

# --- Search: comment search and page search in Elasticsearch when
# ELASTICSEARCH_URL lists one or more nodes (else the database).
_es_urls = env.urls("ELASTICSEARCH_URL", ("http", "https"))
for _url in _es_urls:
    if urlsplit(_url).username or urlsplit(_url).password:
        raise env.fail(
            "ELASTICSEARCH_URL",
            "must not carry credentials (use ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME "
            "and ELASTICSEARCH_PASSWORD)",
            env.raw("ELASTICSEARCH_URL"),
        )
_es_api_key = env.string("ELASTICSEARCH_API_KEY", secret=True)
_es_username = env.string("ELASTICSEARCH_USERNAME")
_es_password = env.string("ELASTICSEARCH_PASSWORD", secret=True)
_es_ca_certs = env.existing_file("ELASTICSEARCH_CA_CERTS")
_es_verify = env.boolean("ELASTICSEARCH_VERIFY_CERTS", True)
_es_timeout = env.number("ELASTICSEARCH_TIMEOUT", 5.0, minimum=0.1)
if _es_username and not _es_password:
    raise env.fail("ELASTICSEARCH_PASSWORD", "is required when ELASTICSEARCH_USERNAME is set")
if _es_password and not _es_username:
    raise env.fail("ELASTICSEARCH_USERNAME", "is required when ELASTICSEARCH_PASSWORD is set")
if _es_api_key and _es_username:
    raise env.fail(
        "ELASTICSEARCH_API_KEY",
        "and ELASTICSEARCH_USERNAME are two ways to sign in: set only one",
    )
if not _es_urls:
    for _name in (
        "ELASTICSEARCH_API_KEY",
        "ELASTICSEARCH_USERNAME",
        "ELASTICSEARCH_CA_CERTS",
        "ELASTICSEARCH_VERIFY_CERTS",
        "ELASTICSEARCH_TIMEOUT",
    ):
        if env.is_set(_name):
            raise env.fail("ELASTICSEARCH_URL", f"is required when {_name} is set")
# Keyword arguments of the Elasticsearch client, shared by comment search
# (search/backends/elasticsearch.py) and Wagtail's page search.
_es_client_options: dict = {}
if _es_api_key:
    _es_client_options["api_key"] = _es_api_key
if _es_username:
    _es_client_options["basic_auth"] = (_es_username, _es_password)
if any(url.lower().startswith("https://") for url in _es_urls):
    _es_client_options["verify_certs"] = _es_verify
    if _es_ca_certs:
        _es_client_options["ca_certs"] = _es_ca_certs
ELASTICSEARCH_URL = ",".join(_es_urls)
ELASTICSEARCH_OPTIONS = {
    "hosts": _es_urls,
    "request_timeout": _es_timeout,
    **_es_client_options,
}
if _es_urls:
    PUENTE_SEARCH_BACKEND = "elasticsearch"
    PUENTE_SEARCH_INDEX = env.string("PUENTE_SEARCH_INDEX", PUENTE_SEARCH_INDEX)
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": _es_urls,
            "INDEX": env.string("WAGTAILSEARCH_INDEX", "puente_pages"),
            "TIMEOUT": _es_timeout,
            "OPTIONS": _es_client_options,
        }
    }
else:
    PUENTE_SEARCH_BACKEND = "database"

# Indexing and other background work wait in the database for the worker
# (`manage.py db_worker`; docs/operations.md), so no request waits for them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
