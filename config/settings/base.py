"""Shared settings; see the package docstring for how the modules compose."""

import os
from pathlib import Path

from core import env, logs, sockets, sqlite

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
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
    "wagtail.contrib.sitemaps",
    # The sitemap's template (pages/sitemaps.py).
    "django.contrib.sitemaps",
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
    # /health/live and /health/ready, first: any Host header, no HTTPS
    # redirect (probes reach 127.0.0.1 directly; core/health.py).
    "core.health.Health",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files get them too (core/headers.py).
    "core.headers.SecurityHeaders",
    "core.middleware.RefuseBadCharacters",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's log line names the signed-in person's id (core/request_log.py).
    "core.request_log.RecordUser",
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
                # The site's name, logo and accent colour (core/identity.py).
                "core.identity.context",
                "notifications.context_processors.unread",
                "accounts.context_processors.policies",
            ],
        },
    },
]

# SQLite (the default, and any sqlite:// DATABASE_URL, such as the browser
# tests' servers get) in WAL mode with immediate transactions and a busy
# timeout: core/sqlite.py says why.
DATABASES = {
    "default": sqlite.with_options(
        env.database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0)
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
# allauth's sign-up form, doing the same work for a taken address as for a
# new one (accounts/signup.py); the extra fields above are its base.
ACCOUNT_FORMS = {
    "signup": "accounts.signup.SameWorkSignupForm",
    # The others with the site's labels, descriptions and errors (accounts/account_forms.py).
    "login": "accounts.account_forms.LoginForm",
    "reset_password": "accounts.account_forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.account_forms.ResetPasswordKeyForm",
    "change_password": "accounts.account_forms.ChangePasswordForm",
    "add_email": "accounts.account_forms.ChangeEmailForm",
}
# Opening the confirmation link in the browser that signed up signs the
# person in and returns them to the sign-up's `next` (allauth keeps the
# pending sign-in in that session for ACCOUNT_LOGIN_TIMEOUT seconds; in
# another browser the link leads through sign-in to the same page:
# accounts/adapter.py).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_TIMEOUT = 60 * 60
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
# Dates as the site writes them, over Django's per language (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
# Both default to folders of the checkout; tools/stack.py (and a deployment
# that keeps them elsewhere) moves them with these variables.
STATIC_ROOT = Path(os.environ.get("PUENTE_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("PUENTE_MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Wagtail
WAGTAIL_SITE_NAME = "Puente"
# The name account e-mails sign with (accounts/brand.py; the site identity
# setting, core/identity.py, falls back to it).
PUENTE_SITE_NAME = os.environ.get("PUENTE_SITE_NAME", "Puente")
# New pages' slugs in ASCII ("parques-y-espacios-publicos-2027"); an older
# slug with accents is still reached without them (consultations/models.py).
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Wagtail 8's autosave of the page editor is off: on the "add page" form, an
# autosave still in flight when the editor clicks Publish creates the page
# first, and the Publish then fails on its own slug (a 500; seen in
# tests/e2e/test_editor_journey_in_browser.py on a loaded machine). Editors
# save drafts with "Save draft". Turn it back on once Wagtail serialises the
# two (WAGTAIL_AUTOSAVE_INTERVAL, milliseconds).
WAGTAIL_AUTOSAVE_INTERVAL = 0
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAIL_I18N_ENABLED = False
# No avatars from gravatar.com: staff e-mail hashes stay here, and the admin's
# Content-Security-Policy needs no image host of another origin.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor does the admin's home page ask releases.wagtail.org for new versions:
# the admin makes no request to another host.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("es", "Español"), ("en", "English")]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000


# Channels: in-memory by default; Redis when REDIS_URL is configured.
REDIS_CHANNEL_LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
REDIS_HOST_OPTIONS = {"max_connections": 1000, "socket_connect_timeout": 2}


def redis_channel_layer(url, kind=None):
    """The pub/sub layer by default: it did not drop messages under bursts
    where the core layer dropped half of them (shared/MEASURED.md and
    bench/fanout); clients catch up by cursor whatever happens. The core layer
    stays selectable (PUENTE_CHANNEL_LAYER=core) for comparison. redis-py 8
    refuses connection 101 rather than waiting, so the pool is sized for many
    handshakes; a Redis that is down fails fast."""
    kind = kind or env.choice("PUENTE_CHANNEL_LAYER", tuple(REDIS_CHANNEL_LAYERS), "pubsub")
    # `url` may also be a list of channels_redis host entries (production:
    # several shards, or a Sentinel entry).
    hosts = [{"address": url}] if isinstance(url, str) else url
    return {
        "BACKEND": REDIS_CHANNEL_LAYERS[kind],
        "CONFIG": {"hosts": [{**REDIS_HOST_OPTIONS, **host} for host in hosts]},
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

# Reverse proxies in front of Puente that append to X-Forwarded-For: the
# client's address is the one the nearest of them saw, and one that a client
# writes there itself is ignored. 0 (the default): REMOTE_ADDR, for a server
# that clients reach directly. Too low, and every client behind the proxy
# shares one budget of the per-IP limits (the proxy's address); too high, and
# a client picks its own address. DRF's throttles and allauth's rate limits
# (sign-in, sign-up) both count by it.
PUENTE_TRUSTED_PROXIES = env.integer("PUENTE_TRUSTED_PROXIES", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = PUENTE_TRUSTED_PROXIES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON only (what the schema documents and every client sends), with
    # bounded nesting and no NUL or lone surrogate (core/input.py); other
    # media types answer 415.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.CheckedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.PageNumbers",
    "PAGE_SIZE": 20,
    # Reads per client (core/throttles.py); views with throttles of their own
    # name it among them.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.PublicReadThrottle"],
    # Which address is the client's (PUENTE_TRUSTED_PROXIES, above).
    "NUM_PROXIES": PUENTE_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Puente API",
    "DESCRIPTION": "Public consultations, their comments, moderation and summaries.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["config.api_schema.public_api_only"],
    # core.urls.IdConverter: ids from 1 to 2^63-1 (anything else is a 404).
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.shared_errors",
    ],
    # Two enums are both called "status": name them.
    "ENUM_NAME_OVERRIDES": {
        "CommentStatusEnum": "comments.models.CommentStatus",
        "ConsultationStatusEnum": "consultations.status.Status",
        "FlagReasonEnum": "moderation.models.FlagReason",
        # Every notification topic's choices but the receipt's.
        "DeliveryEnum": "notifications.models.Delivery",
    },
}

# Puente: demo accounts are created only when this is true (local demo mode).
PUENTE_DEMO_MODE = False

# Plain text to stderr, each line with its request's id (core/logs.py);
# production writes JSON lines.
LOGGING = logs.logging_config("WARNING", json=False)

# /health/ready (core/health.py): how old the oldest change waiting for the
# comment index and the oldest due background task may be (seconds), how
# long a check of Redis or Elasticsearch may take, and how long a process
# reuses a "no migration pending" answer.
PUENTE_HEALTH = {
    "backlog_max_age": 900,
    "task_max_age": 600,
    "timeout": 2.0,
    "migrations_cache": 60,
}

# Extension points of the lower apps (docs/architecture.md, "Layers"): the
# higher apps that plug into them, as import strings.
# Asked by every comment write (comments/hooks.py): holds and reviews.
PUENTE_COMMENT_GATES = ["moderation.holds.Holds", "notifications.hooks.Follows"]
# Told, inside the writer's transaction, which comments changed.
PUENTE_COMMENT_CHANGE_LISTENERS = ["search.indexing.schedule"]
# More checks of /health/ready (core/health.py): name -> callable (limits)
# returning {"status": "ok" | "fail", figures...}, or None where it does not apply.
PUENTE_HEALTH_CHECKS = {
    "search_index": "search.readiness.index_alias",
    "search_backlog": "search.readiness.backlog",
}
# Opinion groups (summaries/opinion_groups.py, docs/opinion-groups.md):
# people with fewer than `min_votes` reactions in a scope are left out of the
# grouping; no group smaller than `min_group` people is formed or shown;
# 2 to `max_groups` groups; an open consultation's groups are recomputed at
# most every `interval` seconds (a closed one's whenever its reactions moved).
PUENTE_OPINION_GROUPS = {"min_votes": 7, "min_group": 5, "max_groups": 5, "interval": 300}
# What a consultation page shows beyond its text (consultations/models.py):
# callables (page, request) -> template context.
PUENTE_CONSULTATION_PAGE_CONTEXT = [
    "comments.threads.discussion_context",
    "responses.context.response_context",
    "summaries.context.opinion_groups_context",
]
# The home page's participation figures (consultations/models.py): callables
# (home page) -> {figure: number}, asked at most once a minute.
PUENTE_HOME_PAGE_FIGURES = ["comments.figures.participation"]
# What the notifications page shows under a notice beyond its text
# (notifications/views/inbox.py): callables (request, entries) -> None that
# annotate its entries. moderation.notices.appeals adds the appeal form.
PUENTE_NOTICE_EXTRAS = ["moderation.notices.appeals"]

# Comments: the shortest interval between two posts by one person, in
# seconds; new accounts (younger than `new_account_days`) wait longer.
PUENTE_COMMENT_RATE_LIMITS = {"interval": 15, "new_account_interval": 60, "new_account_days": 3}
# Writes (posts, edits, deletions, reactions) one person may make over HTTP.
PUENTE_COMMENT_WRITE_RATE = "60/min"
# Decisions one moderator may take through the JSON API (bulk counts once).
PUENTE_MODERATION_WRITE_RATE = "600/min"
# Reads of the public API (consultations, comments) per client IP, or per
# person when signed in (core/throttles.py).
PUENTE_PUBLIC_READ_RATE = "300/min"
# Downloads of files (open data, summary exports, one's data file), counted
# the same way: more than anyone clicks; a script waits for Retry-After.
PUENTE_EXPORT_RATE = "20/min"
# Frames a websocket client may send: `rate` per second, bursts of `burst`.
PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 2, "burst": 10}
# Live sockets (core/fanout.py, core/socket_limits.py): events one socket may
# have waiting while the client is not reading before it is cut off (close
# 4001: it reconnects and catches up by cursor); open sockets per address and
# per signed-in person in one server process; seconds without a frame from
# the client before its socket is closed (4408).
PUENTE_LIVE = {"backlog": 256, "per_ip": 300, "per_person": 20, "idle_seconds": 600}

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
# Display names nobody may take, nor any that reads the same once case,
# accents, spacing and look-alike letters are folded (accounts/names.py).
# Staff accounts' names are always reserved. "names": refused as the whole
# name ("Ana Puente" stays free: Puente is a surname). "words": refused
# anywhere in a name, as a word ("Moderadora Ana"): they claim a role.
# "sources": import strings of callables returning more names, from the apps
# above accounts (an extension point, docs/architecture.md).
PUENTE_RESERVED_NAMES = {
    "names": [
        "Puente",
        "Equipo Puente",
        "Ayuntamiento",
        "Municipio",
        "Cabildo",
        "Presidencia Municipal",
        "Gobierno",
        "Gobierno Municipal",
        "Gobierno Abierto",
        "Unidad de Transparencia",
        "Soporte",
        "Support",
        "Sistema",
        "System",
        "Webmaster",
        "Root",
        "Anónimo",
        "Anonymous",
        # What the site shows for a deleted account (accounts.User.public_name).
        "Participante eliminado",
        "Deleted participant",
    ],
    "words": [
        "Moderador",
        "Moderadora",
        "Moderadores",
        "Moderadoras",
        "Moderación",
        "Moderator",
        "Moderators",
        "Moderation",
        "Administrador",
        "Administradora",
        "Administradores",
        "Administrator",
        "Admin",
        "Staff",
        "Oficial",
        "Official",
    ],
    "sources": ["consultations.offices.office_names"],
}

# Security headers (core/headers.py), in the shape of Django 6's SECURE_CSP:
# directive -> sources. "{websocket}" is this host's own ws:// or wss://
# origin. Every enforced policy also gets report-uri and report-to, pointing
# at core/csp_reports.py, which logs each violation.
# The public site (and the API, the accounts pages, the error pages): no
# inline script, style or event handler anywhere (tests/e2e fail on any).
PUENTE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "connect-src": ["'self'", "{websocket}"],
    # Video players of other sites are not allowed: a rich text embed would
    # need its player's origin here (https://www.youtube-nocookie.com).
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The Wagtail admin (/admin/) enforces the public policy loosened where
# Wagtail 8 needs it: the inline scripts of its date pickers and inline
# panels, the style elements and attributes its editors' scripts add, the
# check for a newer Wagtail (Wagtail's own default; the dashboard tells
# administrators about security releases), the blob: thumbnails of images
# being uploaded; framed by itself (the preview panel). No 'unsafe-eval':
# nothing in the admin asked for it.
PUENTE_ADMIN_CSP = {
    **PUENTE_CSP,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "blob:"],
    "connect-src": ["'self'", "{websocket}", "https://releases.wagtail.org"],
    "frame-ancestors": ["'self'"],
}
# ... and reports, without enforcing it, that policy minus 'unsafe-inline',
# so that the browser's console lists what still needs it.
PUENTE_ADMIN_CSP_REPORT_ONLY = {
    **PUENTE_ADMIN_CSP,
    "script-src": ["'self'"],
    "style-src": ["'self'"],
}
# Browser features no page of Puente uses: refused to every page and frame.
PUENTE_PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# E-mail (core/mail.py): every message waits in the outbox table and leaves
# from a background task. A mail server that does not answer in
# EMAIL_TIMEOUT seconds fails the attempt; failed attempts are retried after
# these delays (seconds), then the message is kept as failed for operators.
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 20, minimum=1)
PUENTE_EMAIL_RETRY_DELAYS = [60, 600, 3600, 6 * 3600]

# Notifications (notifications/): how a person hears about each topic until
# they choose (site, now, daily or weekly), how many days before a followed
# consultation closes its followers are reminded, and how long the
# unsubscribe link in an e-mail works.
PUENTE_NOTIFICATION_DEFAULTS = {
    "reply": "now",
    "thread": "daily",
    "consultation": "site",
    "response": "now",
    "commitment": "site",
    "moderation": "now",
    "receipt": "site",
}
PUENTE_CLOSING_SOON_DAYS = 3
PUENTE_UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 90
# Follow and stop following, per person (forms and API alike).
PUENTE_FOLLOW_RATE = "30/min"

# The app server (`manage.py serve`, core/management/commands/serve.py: uvicorn
# with these options; config/settings/production.py reads them from the
# environment). A websocket message over ws_max_size bytes is refused by
# uvicorn (close code 1009) before the app reads it: uvicorn's own default,
# 16 MiB per message, let a client hold that much memory per connection.
PUENTE_SERVER = {
    # uvicorn's sans-I/O websockets protocol: it checks a frame's length in
    # its header and reads one message at a time (reading pauses until the
    # app has taken it), whatever ws_max_queue says.
    "ws": "websockets-sansio",
    "ws_max_size": sockets.MAX_FRAME_BYTES,
    # Messages waiting for the app per socket in uvicorn's other websockets
    # protocol (its default is 32 of up to ws_max_size each).
    "ws_max_queue": 4,
    # Compression of websocket messages (permessage-deflate), negotiated with
    # each client; off until bench/fanout decides (CPU per message against
    # bytes on the wire; uvicorn compresses a frame once per client).
    "ws_per_message_deflate": False,
    "ws_ping_interval": 20.0,
    "ws_ping_timeout": 20.0,
    "timeout_keep_alive": 5,
    # Seconds open connections (websockets) get to finish on SIGTERM.
    "timeout_graceful_shutdown": 10,
    # None: no limit; a number answers 503 past that many connections.
    "limit_concurrency": None,
    "backlog": 2048,
    # Trust X-Forwarded-For/-Proto only from these proxy addresses (nginx).
    "proxy_headers": True,
    "forwarded_allow_ips": "127.0.0.1",
}
