"""`manage.py serve`: its address parsing and the options it gives uvicorn."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from core.management.commands.serve import parse_bind, server_options
from core.sockets import MAX_FRAME_BYTES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8001", ("127.0.0.1", 8001)),
        ("0.0.0.0:8000", ("0.0.0.0", 8000)),  # noqa: S104 - a listen address, not a URL
        ("[::1]:9000", ("::1", 9000)),
        ("app:80", ("app", 80)),
    ],
)
def test_bind_addresses(value, expected):
    assert parse_bind(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("8000", "must be HOST:PORT"),
        (":8000", "must be HOST:PORT"),
        ("127.0.0.1:", "port must be a number"),
        ("127.0.0.1:http", "port must be a number"),
        ("127.0.0.1:0", "port must be a number"),
        ("127.0.0.1:70000", "port must be a number"),
        ("[nonsense]:8000", "bad IPv6 address"),
    ],
)
def test_bad_bind_addresses_are_refused_with_the_value(value, problem):
    with pytest.raises(CommandError, match=problem) as refused:
        parse_bind(value)
    assert repr(value) in str(refused.value)


def test_uvicorn_gets_the_limits_from_settings(settings):
    settings.PUENTE_SERVER = {**settings.PUENTE_SERVER, "timeout_keep_alive": 7}
    options = server_options("127.0.0.1", 8001, 2, reload=False)
    assert options["ws_max_size"] == MAX_FRAME_BYTES == 16 * 1024
    assert options["timeout_keep_alive"] == 7
    assert options["workers"] == 2
    assert options["lifespan"] == "off"
    assert options["log_config"] is None and options["access_log"] is False
    assert options["server_header"] is False
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == "127.0.0.1"
    # The reloader runs one process.
    assert server_options("127.0.0.1", 8001, 2, reload=True)["workers"] is None


def test_a_bad_bind_stops_the_command_with_one_line():
    done = subprocess.run(
        [sys.executable, "manage.py", "serve", "--bind", "localhost"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "CommandError: --bind must be HOST:PORT (got 'localhost')"
