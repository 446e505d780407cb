"""The site as production serves its static files, for bench/lighthouse.py:
the test settings (no outside services) with collected, hashed and
pre-compressed static files (WhiteNoise's CompressedManifestStaticFilesStorage,
as config/settings/production.py), cached for a year."""

import os
from pathlib import Path

from config.settings.test import *  # noqa: F403
from config.settings.test import STORAGES

STATIC_ROOT = Path(os.environ["PUENTE_BENCH_STATIC_ROOT"])
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
