"""The settings bench/fanout's server processes run with (`manage.py serve`):
the test settings, with permessage-deflate on or off as the bench asks
through PUENTE_WS_PER_MESSAGE_DEFLATE ("1"/"0"; unset: the settings' own
choice). Whether the server really negotiated it is read from the
handshakes, not assumed from here."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import PUENTE_SERVER

if os.environ.get("PUENTE_WS_PER_MESSAGE_DEFLATE") in ("0", "1"):
    PUENTE_SERVER = {
        **PUENTE_SERVER,
        "ws_per_message_deflate": os.environ["PUENTE_WS_PER_MESSAGE_DEFLATE"] == "1",
    }
