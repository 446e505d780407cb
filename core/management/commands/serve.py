"""`manage.py serve`: the app server, uvicorn with the limits of settings.PUENTE_SERVER.

Production runs it through `deploy/entrypoint.sh web` (host and port from
PUENTE_BIND); `make run` runs it with --reload. The options come from
settings so that every way of starting Puente (the stack, the container,
the systemd units) serves with the same limits, the websocket message size
first. uvicorn's own logging is left to Django's LOGGING (no access log: the
app's request log replaces it).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

APP = "config.asgi:application"


def parse_bind(value: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 in brackets) -> (host, port); CommandError names the problem."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not host:
        raise CommandError(f"--bind must be HOST:PORT (got {value!r})")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise CommandError(f"--bind has a bad IPv6 address (got {value!r})") from None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise CommandError(f"--bind port must be a number from 1 to 65535 (got {value!r})")
    return host, int(port_text)


def server_options(host: str, port: int, workers: int, reload: bool) -> dict[str, Any]:
    """The keyword arguments for uvicorn, from settings.PUENTE_SERVER."""
    limits = settings.PUENTE_SERVER
    return {
        "host": host,
        "port": port,
        "workers": workers if not reload else None,
        "reload": reload,
        # Channels' router does not speak the lifespan protocol.
        "lifespan": "off",
        # Django's LOGGING stays in charge; the request log replaces the access log.
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "date_header": True,
        "proxy_headers": limits["proxy_headers"],
        "forwarded_allow_ips": limits["forwarded_allow_ips"],
        "ws": limits["ws"],
        "ws_max_size": limits["ws_max_size"],
        "ws_max_queue": limits["ws_max_queue"],
        "ws_per_message_deflate": limits["ws_per_message_deflate"],
        "ws_ping_interval": limits["ws_ping_interval"],
        "ws_ping_timeout": limits["ws_ping_timeout"],
        "timeout_keep_alive": limits["timeout_keep_alive"],
        "timeout_graceful_shutdown": limits["timeout_graceful_shutdown"],
        "limit_concurrency": limits["limit_concurrency"],
        "backlog": limits["backlog"],
    }


class Command(BaseCommand):
    help = "Serve Puente (HTTP and websockets) with uvicorn and the limits of PUENTE_SERVER."

    # The checks run in `release`; a worker should not repeat them at every start.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default="127.0.0.1:8000",
            help="HOST:PORT to listen on (default 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--workers", type=int, default=1, help="uvicorn worker processes (default 1)"
        )
        parser.add_argument(
            "--reload", action="store_true", help="restart on code changes (development)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        host, port = parse_bind(options["bind"])
        if options["workers"] < 1:
            raise CommandError(f"--workers must be at least 1 (got {options['workers']})")
        kwargs = server_options(host, port, options["workers"], options["reload"])
        if options["reload"]:
            # The project's own folders: watching .venv would cost thousands of watches.
            base = Path(settings.BASE_DIR)
            kwargs["reload_dirs"] = [
                str(path)
                for path in sorted(base.iterdir())
                if (path / "__init__.py").exists() or path.name == "site"
            ]
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"serve: http://{shown}:{port} ({options['workers']} worker(s))")
        self.stdout.flush()
        # uvicorn.run builds the Config and Server, and the reloader or the
        # worker supervisor around them when asked for one.
        uvicorn.run(APP, **kwargs)
