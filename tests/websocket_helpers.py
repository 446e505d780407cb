"""Helpers for tests that open the site's WebSockets through the whole ASGI
stack (origin check, session auth, routing, consumer) with Channels'
WebsocketCommunicator."""

from contextlib import asynccontextmanager

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application

ORIGIN = b"http://127.0.0.1"
TIMEOUT = 3
QUEUE_PATH = "/ws/moderation/queue/"


def consultation_path(consultation_id):
    return f"/ws/consultations/{consultation_id}/"


def session_cookie(user):
    """The Cookie header of a session signed in as `user`."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def communicator(path, *, origin=ORIGIN, cookie=None):
    """A socket to `path`, not yet connected; `origin=None` sends no Origin."""
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


@asynccontextmanager
async def connected(path, **kwargs):
    """A socket to `path` that the server accepted, disconnected on exit."""
    socket = communicator(path, **kwargs)
    ok, _ = await socket.connect(timeout=TIMEOUT)
    assert ok, "the connection was refused"
    try:
        yield socket
    finally:
        await socket.disconnect()


async def receive(socket):
    return await socket.receive_json_from(timeout=TIMEOUT)


def local_sockets(group):
    """How many sockets this event loop's fan-out delivers `group` to
    (core/fanout.py: one layer channel per process and group, whatever the
    number of sockets). Call it inside the loop that serves them."""
    from core import fanout

    feed = fanout.current().feeds.get(group)
    return len(feed.sockets) if feed else 0
