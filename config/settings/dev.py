"""Local development: embedded defaults (SQLite, in-memory channel layer,
database search, immediate tasks) unless the environment names a service."""

from .base import *  # noqa: F403

DEBUG = True
PUENTE_DEMO_MODE = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Websockets in development: `make run` (`manage.py serve --reload`, uvicorn
# with PUENTE_SERVER's limits). `manage.py runserver` serves HTTP only:
# daphne's runserver, which served websockets before, cannot bound the size
# of a websocket message (core.sockets.MAX_FRAME_BYTES), so it is no longer
# installed.
