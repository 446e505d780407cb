"""Local development: embedded defaults (SQLite, in-memory channel layer,
database search, immediate tasks) unless the environment names a service."""

from .base import *  # noqa: F403

DEBUG = True
PUENTE_DEMO_MODE = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
