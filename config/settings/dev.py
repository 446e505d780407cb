"""Local development: embedded defaults (SQLite, in-memory channel layer,
database search, immediate tasks) unless the environment names a service."""

from importlib.util import find_spec

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

DEBUG = True
PUENTE_DEMO_MODE = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# daphne (requirements-dev.txt) first, so that `manage.py runserver` serves
# ASGI, websockets included; without it runserver serves plain HTTP and
# `manage.py serve --reload` (uvicorn) is the way to get the live threads.
if find_spec("daphne") is not None:
    INSTALLED_APPS = ["daphne", *INSTALLED_APPS]
