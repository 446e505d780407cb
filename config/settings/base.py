"""Shared settings; see the package docstring for how the modules compose."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    # daphne first so that runserver serves ASGI (websockets) in development.
    "daphne",
    # The bottom layer: no models; registers the `<id:...>` path converter.
    "core",
    "accounts",
    "consultations",
    "comments",
    "notifications",
    "moderation",
    "search",
    "responses",
    "summaries",
    # Content pages (privacy notice, terms, help) and "My data" (ARCO rights).
    "pages",
    "privacy",
    # The demo content and its loader (manage.py load_demo): the top floor.
    "demo",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "channels",
    # The task queue's table, for deployments that run a worker (production).
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Required by Wagtail's search index model on PostgreSQL; harmless elsewhere.
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RefuseBadCharacters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "config.i18n.language_switch",
                "consultations.context_processors.navigation",
                "moderation.context_processors.notices",
                "accounts.context_processors.policies",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: e-mail is the login and must be verified; the display name
# is what the public sees.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# One address per person; changing it is verified before it replaces the old
# one (rectification, logged by privacy/signals.py).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Puente <no-reply@localhost>")

# Internationalisation: Mexican Spanish first, English second.
LANGUAGE_CODE = "es-mx"
# Each language is named in itself, as the language switch shows it.
LANGUAGES = [("es-mx", "Español (México)"), ("en", "English")]
LOCALE_PATHS = [SITE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "America/Mexico_City"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Wagtail
WAGTAIL_SITE_NAME = "Puente"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("es", "Español"), ("en", "English")]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000


# Channels: in-memory by default; Redis when REDIS_URL is configured.
REDIS_CHANNEL_LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


def redis_channel_layer(url, kind=None):
    """The pub/sub layer by default: it did not drop messages under bursts
    where the core layer dropped half of them (shared/MEASURED.md and
    bench/fanout); clients catch up by cursor whatever happens. The core layer
    stays selectable (PUENTE_CHANNEL_LAYER=core) for comparison. redis-py 8
    refuses connection 101 rather than waiting, so the pool is sized for many
    handshakes; a Redis that is down fails fast."""
    kind = kind or os.environ.get("PUENTE_CHANNEL_LAYER", "pubsub")
    return {
        "BACKEND": REDIS_CHANNEL_LAYERS[kind],
        "CONFIG": {
            "hosts": [{"address": url, "max_connections": 1000, "socket_connect_timeout": 2}]
        },
    }


REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Background work (django-tasks): immediate here (the work runs in the request,
# after its commit); production queues it in the database for a worker
# (`manage.py db_worker`, django-tasks-db).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Comment search (the `search` app): the database unless ELASTICSEARCH_URL is set.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
PUENTE_SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else "database"
# Keyword arguments for the Elasticsearch client (the test settings choose a
# transport node; a dotted path is imported).
ELASTICSEARCH_OPTIONS = {}
# The alias the Elasticsearch backend searches and writes through; each
# rebuild points it at a new concrete index named "<alias>-<timestamp>".
PUENTE_SEARCH_INDEX = os.environ.get("PUENTE_SEARCH_INDEX", "puente-comments")
# Whether an index write refreshes before returning (True, or "wait_for" for
# the next scheduled refresh). False: Elasticsearch's own refresh, about a
# second later, is soon enough for moderators and far cheaper under bulk.
PUENTE_SEARCH_REFRESH = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON with bounded nesting and no NUL or lone surrogate (core/input.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Puente API",
    "DESCRIPTION": "Public consultations, their comments, moderation and summaries.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["config.api_schema.public_api_only"],
    # Two enums are both called "status": name them.
    "ENUM_NAME_OVERRIDES": {
        "CommentStatusEnum": "comments.models.CommentStatus",
        "ConsultationStatusEnum": "consultations.status.Status",
        "FlagReasonEnum": "moderation.models.FlagReason",
    },
}

# Puente: demo accounts are created only when this is true (local demo mode).
PUENTE_DEMO_MODE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Extension points of the lower apps (docs/architecture.md, "Layers"): the
# higher apps that plug into them, as import strings.
# Asked by every comment write (comments/hooks.py): holds and reviews.
PUENTE_COMMENT_GATES = ["moderation.holds.Holds"]
# Told, inside the writer's transaction, which comments changed.
PUENTE_COMMENT_CHANGE_LISTENERS = ["search.indexing.schedule"]
# What a consultation page shows beyond its text (consultations/models.py):
# callables (page, request) -> template context.
PUENTE_CONSULTATION_PAGE_CONTEXT = [
    "comments.threads.discussion_context",
    "responses.context.response_context",
]

# Comments: the shortest interval between two posts by one person, in
# seconds; new accounts (younger than `new_account_days`) wait longer.
PUENTE_COMMENT_RATE_LIMITS = {"interval": 15, "new_account_interval": 60, "new_account_days": 3}
# Writes (posts, edits, deletions, reactions) one person may make over HTTP.
PUENTE_COMMENT_WRITE_RATE = "60/min"
# Decisions one moderator may take through the JSON API (bulk counts once).
PUENTE_MODERATION_WRITE_RATE = "600/min"
# Frames a websocket client may send: `rate` per second, bursts of `burst`.
PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 2, "burst": 10}

# Documents per bulk request to the index (search_sync, search_rebuild);
# bench/search: 1,000 bulk-indexed fastest (1,385 docs/s; 823 at 500, 1,294 at 2,000).
PUENTE_SEARCH_BATCH_SIZE = 1000
# Summary terms (search/terms.py): a group of more published comments than
# this has its terms ranked from a deterministic sample of about this many
# (the counts shown stay exact).
PUENTE_SUMMARY_TERMS_SAMPLE = 2000
# Themes are one theme however they are capitalised ("Movilidad", "movilidad").
TAGGIT_CASE_INSENSITIVE = True

# Open data of a consultation (summaries/opendata.py, docs/open-data.md):
# when its CSV and JSON files can be downloaded: "closed" (once it closed or
# was reported on), "always" (while open too) or "never".
PUENTE_OPEN_DATA_AVAILABLE = "closed"
# The key of the authors' pseudonyms. Empty: derived from SECRET_KEY, so
# rotating SECRET_KEY changes every pseudonym; set a key of its own in
# production. Changing it changes every pseudonym too.
PUENTE_OPEN_DATA_KEY = os.environ.get("PUENTE_OPEN_DATA_KEY", "")
# The licence the files are published under.
PUENTE_OPEN_DATA_LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}

# "My data" (privacy/): how long a person's data file can be downloaded, in
# hours, and for how many minutes a finished one is handed out again instead
# of building another.
PUENTE_DATA_EXPORT_HOURS = 72
PUENTE_DATA_EXPORT_REUSE_MINUTES = 10
# Corrections of one's display name per day (each re-indexes their comments).
PUENTE_DISPLAY_NAME_CHANGES_PER_DAY = 5
