"""The test settings with production's log format: JSON lines at INFO, for
the server processes of tests/core/test_request_log.py."""

from config.settings.test import *  # noqa: F403
from core.logs import logging_config

LOGGING = logging_config("INFO", json=True)
