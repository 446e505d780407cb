"""Running code under the production settings, in a subprocess.

The production settings read the environment once, at import, and stop the
process on a bad variable, so each case gets a process of its own with only
what production would have: none of the test run's own variables."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "consulta.municipio.example",
    "DATABASE_URL": "postgres://puente:secret@db.internal:5432/puente",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "ELASTICSEARCH_URL": "http://search.internal:9200",
    "SITE_URL": "https://consulta.municipio.example",
}
# Variables the production settings read that a developer's shell or the
# test command may have set; never inherited.
LEAKED = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "EMAIL_TIMEOUT",
    "PUENTE_TRUSTED_PROXIES",
    "PUENTE_CHANNEL_LAYER",
    "PUENTE_MEDIA_ROOT",
    "PUENTE_STATIC_ROOT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "SENTRY_DSN",
}


def clean_environ():
    return {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV
        and k not in LEAKED
        and not k.startswith(("DATABASE_", "REDIS_", "ELASTICSEARCH_", "EMAIL_", "PUENTE_MEDIA"))
        and not k.startswith(("SECURE_", "SENTRY_", "UVICORN_", "LOG_"))
    }


def production_env(**changes):
    """PRODUCTION_ENV with `changes` (None removes a variable)."""
    env = {**PRODUCTION_ENV, **changes}
    return {k: v for k, v in env.items() if v is not None}


def run_python(code, env, timeout=120, stdin=None):
    """`python -c code` in the project with exactly `env` on top of a clean environment."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_environ(), **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(*args, env, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_environ(), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
