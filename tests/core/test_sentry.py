"""Error reports (core/sentry.py) sent for real, to a small Sentry-API
server in the test, carry the exception and the person's id, and none of
what they wrote or who they are: no e-mail, cookie, comment text, query
string or server name."""

import gzip
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
import sentry_sdk
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import Client

from core.sentry import scrub

EMAIL = "marisol.perez@correo.example"
COMMENT = "Mi vecina Lupita vive en la calle Álamo 12 y no tiene agua"
SEARCH = "busqueda-privada"
COOKIE = "galleta-secreta-123"


class Envelopes(ThreadingHTTPServer):
    """Accepts POST /api/<project>/envelope/ and keeps the decoded bodies."""

    daemon_threads = True

    def __init__(self):
        self.received = []
        self.paths = []
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)

    def events(self):
        found = []
        for body in self.received:
            lines = body.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


class EnvelopeHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        self.server.paths.append(self.path)
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = Envelopes()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def reporting(sentry_server):
    """Sentry initialised as production does it, reset afterwards so that no
    other test reports anything."""
    from core.sentry import init_sentry

    port = sentry_server.server_address[1]
    init_sentry(f"http://publickey@127.0.0.1:{port}/42", "pruebas", "puente@1234abc", 0.0)
    try:
        yield sentry_server
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)
        assert not sentry_sdk.get_client().is_active()


def wait_for_events(server, timeout=10.0):
    sentry_sdk.flush(timeout=5)
    deadline = time.monotonic() + timeout
    while not server.events() and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.events()


def post_through_asgi(path, body, headers):
    """A request through config.asgi's whole application, as uvicorn hands
    it over (Sentry's Django integration hooks Django's ASGI handler)."""
    from channels.testing import HttpCommunicator

    from config.asgi import application

    communicator = HttpCommunicator(application, "POST", path, body=body, headers=headers)
    return async_to_sync(communicator.get_response)(timeout=10)


@pytest.mark.urls("tests.core.sentry_urls")
def test_an_error_is_reported_without_personal_data(reporting, transactional_db, make_user):
    user = make_user(email=EMAIL)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = post_through_asgi(
        f"/falla/?q={SEARCH}",
        urlencode({"body": COMMENT}).encode(),
        [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}; seguimiento={COOKIE}".encode()),
            (b"authorization", b"Bearer token-secreto-xyz"),
            (b"x-csrftoken", b"csrf-secreto-xyz"),
            (b"referer", f"https://consulta.example/buscar/?q={SEARCH}".encode()),
            (b"user-agent", b"Firefox/140"),
            (b"x-request-id", b"req-sentry-000001"),
        ],
    )
    assert response["status"] == 500
    assert (b"x-request-id", b"req-sentry-000001") in response["headers"]
    [event] = wait_for_events(reporting)
    assert set(reporting.paths) == {"/api/42/envelope/"}
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == f"could not save {len(COMMENT)} characters for [Filtered]"
    assert event["user"] == {"id": str(user.pk)}
    assert event["environment"] == "pruebas"
    assert event["release"] == "puente@1234abc"
    assert event["tags"]["request_id"] == "req-sentry-000001"
    assert "server_name" not in event
    request = event["request"]
    assert request["url"] == "http://127.0.0.1/falla/"
    assert request["method"] == "POST"
    allowed = {"accept", "accept-language", "content-length", "content-type", "user-agent"}
    for name, value in request["headers"].items():
        assert name.lower() in allowed or value == "[Filtered]", (name, value)
    assert "Firefox/140" in request["headers"].values()
    raw = b"\n".join(reporting.received).decode()
    for personal in (
        EMAIL,
        "marisol",
        "Lupita",
        "lamo 12",
        SEARCH,
        COOKIE,
        session,
        "token-secreto",
        "csrf-secreto",
    ):
        assert personal not in raw, personal


def test_nothing_is_sent_once_reset(sentry_server):
    """What the fixture leaves behind: no client, no report."""
    sentry_sdk.capture_message("after the reset")
    sentry_sdk.flush(timeout=1)
    assert sentry_server.received == []


def test_scrub_removes_what_other_paths_bring():
    event = {
        "server_name": "app-1.municipio.internal",
        "user": {"id": "7", "email": EMAIL, "ip_address": "10.0.0.9", "username": EMAIL},
        "request": {
            "url": f"https://consulta.example/buscar/?q={SEARCH}#x",
            "query_string": f"q={SEARCH}",
            "cookies": {"sessionid": COOKIE},
            "data": {"body": COMMENT},
            "env": {"REMOTE_ADDR": "10.0.0.9"},
            "headers": {
                "Cookie": COOKIE,
                "Authorization": "Bearer x",
                "X-CSRFToken": "y",
                "Referer": f"https://consulta.example/?q={SEARCH}",
                "User-Agent": "Firefox",
            },
        },
        "logentry": {"message": f"no mail to {EMAIL}", "params": [EMAIL]},
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": f"Key (email)=({EMAIL}) already exists.",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"body": COMMENT}}]},
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"category": "query", "message": "SELECT 1", "data": {"params": [EMAIL]}},
                {"category": "log", "message": f"sent to {EMAIL}"},
            ]
        },
    }
    cleaned = scrub(event, {})
    assert cleaned["user"] == {"id": "7"}
    assert cleaned["request"] == {
        "url": "https://consulta.example/buscar/",
        "headers": {"User-Agent": "Firefox"},
    }
    assert "server_name" not in cleaned
    text = json.dumps(cleaned, ensure_ascii=False)
    for personal in (EMAIL, COMMENT, SEARCH, COOKIE, "10.0.0.9", "municipio.internal"):
        assert personal not in text, personal
    assert cleaned["exception"]["values"][0]["value"] == "Key (email)=([Filtered]) already exists."
