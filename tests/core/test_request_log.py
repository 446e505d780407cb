"""One JSON line per request and per websocket (core/request_log.py,
core/logs.py), read from the log of a real uvicorn process running
config.asgi with production's log format; the request id kept, replaced or
made, echoed, and carried by the other lines logged during the request."""

import io
import json
import logging
import logging.config
import re
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from core import logs
from core.request_log import request_id_from
from tests.core.processes import HTTP, Uvicorn
from tests.e2e.conftest import database_url_for
from tests.factories import ensure_site

HEX_ID = re.compile(r"[0-9a-f]{32}")
# The tests that start a uvicorn process.
e2e = pytest.mark.e2e


@pytest.fixture
def server(transactional_db, tmp_path):
    from django.db import connection

    ensure_site()
    process = Uvicorn(
        "tests.core.json_log_settings",
        {"DATABASE_URL": database_url_for(connection)},
        tmp_path / "server.log",
    )
    try:
        yield process
    finally:
        process.stop()


def get(server, path, headers=None, data=None):
    request = urllib.request.Request(server.url + path, headers=headers or {}, data=data)
    try:
        with HTTP.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def log_lines(server):
    lines = []
    for text in server.lines():
        if text.startswith("{"):
            lines.append(json.loads(text))  # every line the app logs is JSON
    return lines


def request_lines(server, request_id, count=1, timeout=5.0):
    """The puente.request lines of this request id, once `count` are there."""
    deadline = time.monotonic() + timeout
    while True:
        found = [
            line
            for line in log_lines(server)
            if line["logger"] == "puente.request" and line.get("request_id") == request_id
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@e2e
def test_one_line_per_request_without_the_query_string(server):
    request_id = "nginx-0123456789abcdef"
    status, headers, body = get(
        server,
        "/api/v1/consultations/?q=parque+secreto&email=ana%40correo.example",
        {"X-Request-ID": request_id},
    )
    assert status == 200
    assert headers["x-request-id"] == request_id
    [line] = request_lines(server, request_id)
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/consultations/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["pid"] == server.process.pid
    assert line["bytes"] == len(body)
    assert line["user_id"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["ts"])
    text = "\n".join(server.lines())
    for personal in ("secreto", "parque", "ana%40correo", "ana@correo", "email="):
        assert personal not in text


@e2e
@pytest.mark.parametrize(
    "sent",
    ["short", "x" * 65, 'abc"defghij', "abc defghij", "abcdefgh%0Ainjected", "ñandú-12345"],
)
def test_an_invalid_request_id_is_replaced(server, sent):
    status, headers, _ = get(server, "/api/v1/consultations/", {"X-Request-ID": sent})
    assert status == 200
    made = headers["x-request-id"]
    assert HEX_ID.fullmatch(made)
    assert len(request_lines(server, made)) == 1
    assert sent not in "\n".join(server.lines())


@e2e
def test_without_a_request_id_one_is_made_for_each_request(server):
    ids = {get(server, "/api/v1/consultations/")[1]["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    assert all(HEX_ID.fullmatch(made) for made in ids)


@e2e
def test_the_signed_in_persons_id_and_never_their_email(server, make_user):
    user = make_user(email="marisol.perez@correo.example")
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    request_id = uuid.uuid4().hex
    status, _, _ = get(server, "/", {"Cookie": cookie, "X-Request-ID": request_id})
    assert status == 200
    [line] = request_lines(server, request_id)
    assert line["user_id"] == user.pk
    assert "marisol" not in "\n".join(server.lines())


@e2e
def test_lines_logged_during_a_request_carry_its_id(server):
    request_id = "req-csp-0000001"
    report = {"csp-report": {"effective-directive": "script-src", "blocked-uri": "inline"}}
    status, _, _ = get(
        server,
        "/csp-report/",
        {"X-Request-ID": request_id, "Content-Type": "application/csp-report"},
        data=json.dumps(report).encode(),
    )
    assert status == 204
    request_lines(server, request_id)
    [warning] = [
        line
        for line in log_lines(server)
        if line["logger"] == "puente.csp" and line.get("request_id") == request_id
    ]
    assert warning["level"] == "WARNING"
    assert "script-src" in warning["message"]


@e2e
def test_health_probes_are_logged_only_when_they_fail(server):
    request_id = "probe-000000001"
    assert get(server, "/health/live", {"X-Request-ID": request_id})[0] == 200
    assert get(server, "/health/ready", {"X-Request-ID": request_id})[0] == 200
    assert request_lines(server, request_id, timeout=1.0) == []


@e2e
def test_one_line_per_websocket(server, make_consultation):
    page = make_consultation()
    path = f"/ws/consultations/{page.pk}/"
    url = server.url.replace("http://", "ws://") + path + "?token=secreto"
    request_id = "socket-0000000001"
    with connect(
        url, origin=server.url, additional_headers={"X-Request-ID": request_id}, open_timeout=10
    ) as socket:
        assert socket.response.headers["X-Request-ID"] == request_id
        time.sleep(0.2)
    [line] = request_lines(server, request_id)
    assert line["method"] == "WEBSOCKET"
    assert line["path"] == path
    assert line["status"] == 101
    assert line["close_code"] == 1000
    assert line["duration_ms"] >= 200

    refused = "socket-refused-01"
    with pytest.raises(InvalidStatus):
        connect(
            url,
            origin="http://elsewhere.example",
            additional_headers={"X-Request-ID": refused},
            open_timeout=10,
        )
    [line] = request_lines(server, refused)
    assert line["status"] == 403
    assert line["level"] == "INFO"
    assert "secreto" not in "\n".join(server.lines())


# The pieces, without a server


@pytest.mark.parametrize(
    "header, kept",
    [
        (b"abcdefgh", True),
        (b"A.b_c-D" + b"9" * 57, True),
        (b"abcdefg", False),
        (b"a" * 65, False),
        (b"abcdefgh\n", False),
        (b"abcd\nefgh", False),
        (b"abc'defgh", False),
        (b"\xc3\xb1and\xc3\xba-123", False),
    ],
)
def test_request_id_from_headers(header, kept):
    made = request_id_from([(b"host", b"x"), (b"X-Request-ID", header)])
    assert (made == header.decode("latin-1")) is kept
    if not kept:
        assert HEX_ID.fullmatch(made)


def configured_logger(json_lines):
    stream = io.StringIO()
    config = logs.logging_config("INFO", json=json_lines)
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    formatter = config["formatters"]["default"]
    handler.setFormatter(
        logs.JsonFormatter() if json_lines else logging.Formatter(formatter["format"])
    )
    logger = logging.getLogger(f"tests.logs.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def test_the_json_formatter_writes_extra_fields_and_the_exception():
    logger, stream = configured_logger(True)
    try:
        raise ValueError("no valía")
    except ValueError:
        logger.exception("falló %s", "algo", extra={"status": 500, "path": "/x/"})
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "falló algo"
    assert line["level"] == "ERROR"
    assert line["status"] == 500 and line["path"] == "/x/"
    assert "ValueError: no valía" in line["exc"]
    assert "request_id" not in line  # outside a request
    assert {"ts", "logger", "pid"} <= set(line)


def test_plain_text_for_development():
    logger, stream = configured_logger(False)
    logger.warning("hola")
    assert re.fullmatch(r"\S+ \S+ WARNING tests\.logs\.\w+ \[-\] hola\n", stream.getvalue())


def test_the_logging_config_applies():
    config = logs.logging_config("debug", json=True)
    assert config["root"]["level"] == "DEBUG"
    assert config["handlers"]["console"]["stream"] == "ext://sys.stderr"
    logging.config.dictConfig({**config, "root": {**config["root"], "level": "WARNING"}})
    try:
        assert isinstance(logging.getLogger().handlers[0].formatter, logs.JsonFormatter)
    finally:
        logging.config.dictConfig(settings.LOGGING)
