"""Every way of running Puente serves websockets through `manage.py serve`,
whose uvicorn refuses a message over the app's frame limit before reading
it (tests/core/test_socket_limits.py shows it with real servers): the
options it gives uvicorn, and no second way in."""

import json
import re

import pytest

from core.management.commands.serve import server_options
from core.sockets import MAX_FRAME_BYTES
from tests.core.processes import ROOT
from tests.production_helpers import run_python


@pytest.mark.parametrize("reload", [False, True], ids=["serve", "serve --reload"])
def test_uvicorn_gets_the_websocket_limits(reload):
    options = server_options("127.0.0.1", 8001, 1, reload=reload)
    assert options["ws"] == "websockets-sansio"
    assert options["ws_max_size"] == MAX_FRAME_BYTES == 16 * 1024
    assert options["ws_max_queue"] == 4
    assert options["ws_per_message_deflate"] is False


def test_compression_is_a_setting(settings):
    settings.PUENTE_SERVER = {**settings.PUENTE_SERVER, "ws_per_message_deflate": True}
    assert server_options("127.0.0.1", 8001, 1, reload=False)["ws_per_message_deflate"] is True


# What starts an ASGI server on the app other than `manage.py serve`.
OTHER_SERVERS = [
    re.compile(r"""["']-m["'],\s*["'](uvicorn|daphne|hypercorn)["']"""),
    re.compile(r"-m\s+(uvicorn|daphne|hypercorn)\b"),
    re.compile(r"\b(uvicorn|daphne|hypercorn)\s+config\.asgi"),
    re.compile(r"\buvicorn\.run\("),
    re.compile(r"\brunserver\b"),
]
# Files that run things: scripts, the Makefile, container and service files,
# and the Python of the tests, the benches and the tools.
RUNNERS = ["Makefile", "Dockerfile", "compose.yaml", "deploy/**/*", "tools/**/*", "bench/**/*"]
ALLOWED = {"core/management/commands/serve.py", "tests/core/test_serve_limits.py"}


def runner_files():
    found = set()
    for pattern in RUNNERS:
        found.update(path for path in ROOT.glob(pattern) if path.is_file())
    found.update((ROOT / "tests").rglob("*.py"))
    for path in sorted(found):
        if path.suffix in {".json", ".html", ".md", ".png", ".svg"}:
            continue
        relative = str(path.relative_to(ROOT))
        if relative not in ALLOWED and "__pycache__" not in relative:
            yield relative, path


def test_every_server_process_goes_through_manage_py_serve():
    offending = []
    for relative, path in runner_files():
        text = path.read_text(errors="replace")
        for pattern in OTHER_SERVERS:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offending.append(f"{relative}:{line}: {match.group(0)}")
    assert not offending, "\n".join(offending)


def test_development_settings_do_not_install_daphne():
    # daphne's runserver served websockets without a bound on the message size.
    result = run_python(
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps(s.INSTALLED_APPS))",
        {"DJANGO_SETTINGS_MODULE": "config.settings.dev"},
    )
    assert result.returncode == 0, result.stderr
    installed = json.loads(result.stdout.strip().splitlines()[-1])
    assert "channels" in installed
    assert "daphne" not in installed
