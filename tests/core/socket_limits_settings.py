"""The test settings with the socket limits of the base settings (the
suite's own switch them off: its clients all come from 127.0.0.1), changed
by the JSON object in PUENTE_TEST_LIVE, and production's JSON log lines: for
the server processes of tests/core/test_socket_limits.py."""

import json
import os

from config.settings import base
from config.settings.test import *  # noqa: F403
from core.logs import logging_config

PUENTE_LIVE = {**base.PUENTE_LIVE, **json.loads(os.environ.get("PUENTE_TEST_LIVE") or "{}")}
LOGGING = logging_config("INFO", json=True)
