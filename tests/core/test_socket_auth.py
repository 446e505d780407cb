"""The websocket auth middleware (core/socket_auth.py): Channels'
AuthMiddlewareStack in one sync-thread trip, none without a session cookie,
with the same user for every kind of session."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.auth import get_user as channels_get_user
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.roles import CITIZEN
from core import socket_auth
from core.socket_auth import SocketAuthMiddleware
from tests.websocket_helpers import TIMEOUT, communicator

NAME = settings.SESSION_COOKIE_NAME


@pytest.fixture(autouse=True)
def trips(monkeypatch):
    """How many times the middleware went to the sync thread. The trip is
    asgiref's own (thread-sensitive: the test's thread and transaction),
    without Channels' closing of old connections around it."""
    count = {"n": 0}

    def counting(function):
        count["n"] += 1
        return sync_to_async(function, thread_sensitive=True)

    monkeypatch.setattr(socket_auth, "database_sync_to_async", counting)
    return count


def handshake(cookie=None):
    """The scope the middleware hands on, for a handshake with `cookie`."""
    seen = {}

    async def inner(scope, receive, send):
        seen.update(scope)

    headers = [(b"origin", b"http://127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("latin1")))
    scope = {"type": "websocket", "path": "/ws/x/", "headers": headers}
    async_to_sync(SocketAuthMiddleware(inner))(scope, None, None)
    return seen


def signed_in_key(user):
    client = Client()
    client.force_login(user)
    return client.cookies[NAME].value


def channels_user(session_key):
    """Who Channels' AuthMiddlewareStack finds for the same session."""
    store = socket_auth.session_store(session_key)
    return channels_get_user.func({"session": store})


def same_person(ours, theirs):
    if not theirs.is_authenticated:
        return not ours.is_authenticated
    return ours.is_authenticated and ours.pk == theirs.pk


# --- No session cookie: no trip, no query -------------------------------------


@pytest.mark.parametrize(
    "cookie",
    [None, "", "csrftoken=abc; lang=es", f"{NAME}=", f"{NAME}=short", f"{NAME}=a b"],
    ids=["no-header", "empty", "other-cookies", "empty-session", "too-short", "garbage"],
)
def test_without_a_session_cookie_the_reader_is_anonymous_without_a_trip(
    db, cookie, trips, django_assert_num_queries
):
    with django_assert_num_queries(0):
        scope = handshake(cookie)
        assert scope["session"].is_empty()  # an empty session reads nothing
        assert scope["session"].get("anything") is None
    assert isinstance(scope["user"], AnonymousUser)
    assert scope["session"].session_key is None
    assert trips["n"] == 0


def test_the_cookies_are_in_the_scope(db):
    scope = handshake("csrftoken=abc; lang=es")
    assert scope["cookies"] == {"csrftoken": "abc", "lang": "es"}


# --- A session cookie: one trip -----------------------------------------------


def test_a_signed_in_reader_costs_one_trip(make_user, trips, django_assert_num_queries):
    user = make_user(CITIZEN)
    key = signed_in_key(user)
    with django_assert_num_queries(2):  # the session, the user
        scope = handshake(f"lang=es; {NAME}={key}")
        assert scope["user"].pk == user.pk and scope["user"].is_authenticated
        assert scope["session"].session_key == key
        assert scope["session"]["_auth_user_id"] == str(user.pk)  # loaded already
    assert trips["n"] == 1


def test_an_unknown_session_is_anonymous_after_one_query(db, trips, django_assert_num_queries):
    with django_assert_num_queries(1):
        scope = handshake(f"{NAME}={'x' * 32}")
    assert isinstance(scope["user"], AnonymousUser)
    assert trips["n"] == 1


def deactivated(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


def password_changed(user):
    user.set_password("otra-contraseña-larga-2025")
    user.save(update_fields=["password"])


def deleted(user):
    user.delete()


def unchanged(user):
    pass


@pytest.mark.parametrize(
    "change", [unchanged, deactivated, password_changed, deleted], ids=lambda f: f.__name__
)
def test_the_same_person_as_channels_finds(make_user, change):
    user = make_user(CITIZEN)
    # Two sessions of one person: Channels' check may flush the one it reads.
    theirs_key, our_key = signed_in_key(user), signed_in_key(user)
    change(user)
    theirs = channels_user(theirs_key)
    ours = handshake(f"{NAME}={our_key}")["user"]
    assert same_person(ours, theirs), (ours, theirs)
    assert ours.is_authenticated is (change is unchanged)


def test_a_session_of_an_older_password_is_flushed(make_user):
    user = make_user(CITIZEN)
    key = signed_in_key(user)
    password_changed(user)
    scope = handshake(f"{NAME}={key}")
    assert isinstance(scope["user"], AnonymousUser)
    assert not Session.objects.filter(session_key=key).exists()
    assert scope["session"].is_empty()


def test_a_backend_no_longer_configured_signs_nobody_in(make_user, settings):
    user = make_user(CITIZEN)
    key = signed_in_key(user)
    settings.AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
    assert not channels_user(key).is_authenticated
    assert isinstance(handshake(f"{NAME}={key}")["user"], AnonymousUser)


def test_a_session_signed_with_a_fallback_secret_is_kept_and_not_rotated(make_user, settings):
    user = make_user(CITIZEN)
    key = signed_in_key(user)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    scope = handshake(f"{NAME}={key}")
    assert scope["user"].pk == user.pk
    # Only an HTTP response can hand the browser a new key: the old one stays.
    assert Session.objects.filter(session_key=key).exists()
    assert scope["session"].session_key == key


# --- Through the whole ASGI stack ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_site_stack_signs_in_through_the_middleware(make_user, trips):
    """config.asgi: the person's socket serves the signed-in reader and
    closes (4403) on one without a session, each handshake through ours."""
    from tests.factories import ensure_site

    ensure_site()
    user = make_user(CITIZEN)
    key = signed_in_key(user)

    async def scenario():
        anonymous = communicator("/ws/notifications/")
        await anonymous.connect(timeout=TIMEOUT)
        closed = await anonymous.receive_output(timeout=TIMEOUT)
        assert closed == {"type": "websocket.close", "code": 4403}, closed
        await anonymous.disconnect()
        person = communicator("/ws/notifications/", cookie=f"{NAME}={key}".encode())
        ok, _ = await person.connect(timeout=TIMEOUT)
        unread = await person.receive_json_from(timeout=TIMEOUT) if ok else None
        await person.disconnect()
        return ok and unread["type"] == "notifications.unread"

    assert async_to_sync(scenario)() is True
    assert trips["n"] == 1
