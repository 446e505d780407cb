"""Production settings: hardened, and every secret from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def manage(*args, env):
    # Only what production would have: none of the test run's own variables
    # (the browser tests' session fixture sets DJANGO_ALLOW_ASYNC_UNSAFE).
    leaked = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in leaked}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SITE_URL"]
)
def test_production_refuses_to_start_without_required_variables(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"The environment variable {missing} is required" in result.stderr


def test_production_uses_the_services_it_is_given():
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['HOST'], s.CHANNEL_LAYERS['default']['BACKEND'],"
        " s.PUENTE_SEARCH_BACKEND, s.DEBUG, s.ALLOWED_HOSTS)"
    )
    result = manage("shell", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == [
        "db.internal",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "elasticsearch",
        "False",
        "['consulta.municipio.example']",
    ]
