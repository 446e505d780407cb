"""Typed readers of the environment for the settings modules.

Each reader returns a parsed value or raises `ConfigurationError`, a
SystemExit whose message is one line naming the variable, so that a missing
or malformed variable stops any entry point (manage.py, uvicorn importing
config.asgi, the task worker) with that line and exit status 1 instead of a
traceback, or worse, a server that starts and fails on the first request:

    puente: configuration error: EMAIL_PORT must be a whole number (got 'smtp')

The value is quoted shortened, with the userinfo of URLs and the values of
password-like query parameters masked; variables that are secrets
themselves are never quoted. Operator-facing, so English and untranslated.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

PREFIX = "puente: configuration error: "
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
SHOWN = 60
# Query parameters whose values are never shown.
SECRET_PARAMETER = re.compile(r"(?i)([?&][^=&]*(?:pass|secret|token|key|auth)[^=&]*=)[^&]*")
USERINFO = re.compile(r"(?i)^([a-z][a-z0-9+.-]*://)?([^/?#@\s]*@)")


class ConfigurationError(SystemExit):
    """A setting read from the environment is missing or malformed.

    SystemExit, so Python prints the message alone on stderr and exits with
    status 1; nothing in Django or uvicorn catches it on the way out."""

    def __init__(self, message: str) -> None:
        self.message = PREFIX + message
        super().__init__(self.message)


def mask(value: str) -> str:
    """`value` as it may appear in a log: one line, no credentials, short."""
    shown = []
    for item in value.split(","):
        item = USERINFO.sub(lambda m: (m.group(1) or "") + "***@", item.strip())
        shown.append(SECRET_PARAMETER.sub(r"\1***", item))
    text = ",".join(shown)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def fail(
    name: str, problem: str, value: str | None = None, secret: bool = False
) -> ConfigurationError:
    """The error for `name`: `problem`, with the offending value unless secret."""
    if value is None or secret:
        return ConfigurationError(f"{name} {problem}")
    return ConfigurationError(f"{name} {problem} (got '{mask(value)}')")


def raw(name: str) -> str:
    """The variable's value, stripped; empty when unset."""
    return os.environ.get(name, "").strip()


def is_set(name: str) -> bool:
    return bool(raw(name))


def required(name: str, secret: bool = False) -> str:
    value = raw(name)
    if not value:
        raise ConfigurationError(f"the environment variable {name} is required in production")
    if "\n" in value or "\r" in value:
        raise fail(name, "must be one line", value, secret)
    return value


def string(name: str, default: str = "", secret: bool = False) -> str:
    value = raw(name)
    if not value:
        return default
    if "\n" in value or "\r" in value:
        raise fail(name, "must be one line", value, secret)
    return value


def choice(name: str, choices: Sequence[str], default: str) -> str:
    """One of `choices`, compared without case; returned as spelt there."""
    value = raw(name)
    if not value:
        return default
    for option in choices:
        if value.lower() == option.lower():
            return option
    raise fail(name, "must be one of " + ", ".join(choices), value)


def integer(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    value = raw(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise fail(name, "must be a whole number", value) from None
    _check_range(name, number, value, minimum, maximum)
    return number


def optional_integer(
    name: str, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """A whole number, or None when unset."""
    if not raw(name):
        return None
    return integer(name, 0, minimum, maximum)


def number(
    name: str, default: float, minimum: float | None = None, maximum: float | None = None
) -> float:
    value = raw(name)
    if not value:
        return default
    try:
        parsed = float(value)
    except ValueError:
        raise fail(name, "must be a number", value) from None
    if parsed != parsed or parsed in (float("inf"), float("-inf")):
        raise fail(name, "must be a finite number", value)
    _check_range(name, parsed, value, minimum, maximum)
    return parsed


def _check_range(
    name: str, parsed: float, value: str, minimum: float | None, maximum: float | None
) -> None:
    if minimum is not None and maximum is not None and not minimum <= parsed <= maximum:
        raise fail(name, f"must be between {minimum} and {maximum}", value)
    if minimum is not None and parsed < minimum:
        raise fail(name, f"must be at least {minimum}", value)
    if maximum is not None and parsed > maximum:
        raise fail(name, f"must be at most {maximum}", value)


def boolean(name: str, default: bool) -> bool:
    value = raw(name)
    if not value:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise fail(name, "must be true or false (also 1/0, yes/no, on/off)", value)


def csv(name: str, default: Iterable[str] = ()) -> list[str]:
    """Comma-separated items, stripped, empty ones dropped."""
    value = raw(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_url(
    name: str, value: str, schemes: Sequence[str], path: bool = True, secret: bool = False
) -> SplitResult:
    """`value` split, or the error naming `name`: a scheme of `schemes`, a
    host, a numeric port, and no path (beyond "/") unless `path`."""
    if any(ch.isspace() for ch in value):
        raise fail(name, "must be a URL without spaces", value, secret)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise fail(name, "must be a valid URL", value, secret) from None
    if not parts.scheme or "://" not in value:
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise fail(name, f"must be a URL starting with {wanted}", value, secret)
    if parts.scheme.lower() not in schemes:
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise fail(name, f"must be a {wanted} URL", value, secret)
    if not parts.hostname and parts.scheme != "unix":
        raise fail(name, "must be a URL with a host", value, secret)
    if not path and (parts.path not in ("", "/") or parts.query or parts.fragment):
        raise fail(name, "must be a URL without a path, query or fragment", value, secret)
    return parts


def url(
    name: str,
    schemes: Sequence[str] = ("http", "https"),
    default: str = "",
    path: bool = True,
    require: bool = False,
) -> str:
    value = required(name) if require else raw(name)
    if not value:
        return default
    parse_url(name, value, schemes, path)
    return value


def urls(
    name: str, schemes: Sequence[str] = ("http", "https"), path: bool = True, require: bool = False
) -> list[str]:
    """A comma-separated list of URLs (`url` for each)."""
    if require:
        required(name)
    items = csv(name)
    if require and not items:
        raise fail(name, "must list at least one URL", raw(name))
    for item in items:
        parse_url(name, item, schemes, path)
    return items


def host_ports(name: str, default_port: int) -> list[tuple[str, int]]:
    """`host:port,host:port` (the port may be left out)."""
    found = []
    for item in csv(name):
        host, colon, port_text = item.rpartition(":")
        if not colon:
            host, port_text = item, str(default_port)
        host = host.strip("[]")
        if not host or "/" in host or "@" in host or any(ch.isspace() for ch in host):
            raise fail(name, "must list host:port pairs separated by commas", raw(name))
        try:
            port = int(port_text)
        except ValueError:
            raise fail(name, "must list host:port pairs with numeric ports", raw(name)) from None
        if not 1 <= port <= 65535:
            raise fail(name, "must list ports between 1 and 65535", raw(name))
        found.append((host, port))
    return found


def hostnames(name: str) -> list[str]:
    """Host names as ALLOWED_HOSTS takes them: no scheme, path or port."""
    value = required(name)
    names = csv(name)
    if not names:
        raise fail(name, "must list at least one host name", value)
    for item in names:
        if "://" in item or "/" in item or "@" in item or any(ch.isspace() for ch in item):
            raise fail(name, "must list host names without scheme or path", value)
    return names


def origins(name: str) -> list[str]:
    """Origins as CSRF_TRUSTED_ORIGINS takes them: scheme://host[:port]."""
    items = csv(name)
    for item in items:
        # Django allows a leading wildcard in the host (https://*.example.org).
        parse_url(name, item.replace("://*.", "://wildcard.", 1), ("http", "https"), path=False)
    return items


def ip_networks(name: str, default: str) -> str:
    """Addresses or networks separated by commas, or "*" (uvicorn's
    --forwarded-allow-ips); returned as given."""
    value = raw(name) or default
    if value == "*":
        return value
    for item in value.split(","):
        try:
            ipaddress.ip_network(item.strip(), strict=False)
        except ValueError:
            problem = "must list IP addresses or networks separated by commas, or *"
            raise fail(name, problem, value) from None
    return value


def existing_file(name: str) -> str:
    """A path that must name an existing file, or "" when unset."""
    value = raw(name)
    if value and not Path(value).is_file():
        raise fail(name, "must be the path of an existing file", value)
    return value


def database(name: str, default: str = "", engines: Sequence[str] = (), **options: Any) -> dict:
    """The Django DATABASES entry parsed from the URL in `name` (dj-database-url),
    `default` when unset; `engines`, when given, are the backends allowed."""
    import dj_database_url

    value = raw(name) or default
    if not value:
        raise ConfigurationError(f"the environment variable {name} is required in production")
    try:
        config = dict(dj_database_url.parse(value, **options))
    except Exception:
        problem = "must be a database URL such as postgres://user:password@host:5432/name"
        raise fail(name, problem, value) from None
    if engines and config["ENGINE"] not in engines:
        raise fail(name, "must be a postgres:// URL (PostgreSQL is required in production)", value)
    if not config.get("NAME") and config["ENGINE"] != "django.db.backends.sqlite3":
        raise fail(name, "must name the database (postgres://user:password@host:5432/name)", value)
    return config
