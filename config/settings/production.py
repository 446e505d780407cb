"""Production: every secret and service address comes from the environment.

Required: SECRET_KEY, ALLOWED_HOSTS (comma-separated), DATABASE_URL,
REDIS_URL, SITE_URL. Optional: ELASTICSEARCH_URL (database search without it),
CSRF_TRUSTED_ORIGINS, EMAIL_HOST and the other EMAIL_* below.
"""

import os

import dj_database_url

from .base import *  # noqa: F403


def _required(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"The environment variable {name} is required in production.")
    return value


DEBUG = False
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
# Links in e-mails and the admin point here, e.g. https://consulta.municipio.gob.mx
WAGTAILADMIN_BASE_URL = _required("SITE_URL")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
DATABASES = {
    "default": dj_database_url.parse(
        # Persistent connections leak under ASGI (each request's sync code
        # runs in its own thread): keep them per request.
        _required("DATABASE_URL"),
        conn_max_age=0,
    )
}
REDIS_URL = _required("REDIS_URL")
CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}  # noqa: F405
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "true").lower() == "true"

# Behind a TLS-terminating proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
if ELASTICSEARCH_URL:
    PUENTE_SEARCH_BACKEND = "elasticsearch"
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX": os.environ.get("WAGTAILSEARCH_INDEX", "puente_pages"),
        }
    }

# Indexing and other background work wait in the database for the worker
# (`manage.py db_worker`; docs/operations.md), so no request waits for them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
