"""Who is on the other end of a websocket: Channels' AuthMiddlewareStack
(cookies, session, user) in one trip to the sync thread, or none.

Channels' stack loads the session and then the user in the one sync thread
every handshake shares, even for a reader who never signed in. Here:

- no session cookie (or one Django could never have issued): the user is
  `AnonymousUser` and the session an empty one, with no trip and no query;
- a session cookie: one trip loads the session and its user.

The same rules as Channels' `get_user` and Django's: the session names a
user through a backend still in AUTHENTICATION_BACKENDS, the backend finds
them (a deactivated account is not found), and the session's hash matches
the user's (a changed password signs out: the session is flushed). A hash
made with one of SECRET_KEY_FALLBACKS is accepted without rotating the
session key, which only an HTTP response can hand back to the browser.

The scope gets "cookies", "session" and "user" as with Channels' stack, so
`channels.auth.login`/`logout` and consumers reading `scope["user"]` work
unchanged. Like Channels', the session is not saved by a websocket."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.models import AnonymousUser
from django.http import parse_cookie
from django.utils.crypto import constant_time_compare

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Django's own rule for a session key it could have issued
# (SessionBase._validate_session_key).
MIN_SESSION_KEY = 8


def cookies_of(scope: Scope) -> dict[str, str]:
    """The handshake's cookies, as Channels' CookieMiddleware reads them."""
    if "cookies" in scope:
        return scope["cookies"]
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin1"))
    return {}


def session_store(session_key: str | None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def user_of(session) -> Any:
    """The signed-in user a loaded session names, else AnonymousUser
    (sync: it reads the database)."""
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = load_backend(backend_path).get_user(user_id)
    if user is None:
        return AnonymousUser()
    if hasattr(user, "get_session_auth_hash") and not _hash_matches(session, user):
        session.flush()
        return AnonymousUser()
    return user


def _hash_matches(session, user) -> bool:
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


def resolve(session_key: str) -> tuple[Any, Any]:
    """(session, user) for a session cookie: the one sync-thread trip."""
    session = session_store(session_key)
    return session, user_of(session)


async def session_and_user(cookies: dict[str, str]) -> tuple[Any, Any]:
    session_key = cookies.get(settings.SESSION_COOKIE_NAME) or ""
    if len(session_key) < MIN_SESSION_KEY:
        # An empty session that never reads the database (its key is None).
        return session_store(None), AnonymousUser()
    return await database_sync_to_async(resolve)(session_key)


class SocketAuthMiddleware:
    """Sets scope["cookies"], scope["session"] and scope["user"]."""

    def __init__(self, inner: ASGIApp):
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cookies = cookies_of(scope)
        session, user = await session_and_user(cookies)
        await self.inner(dict(scope, cookies=cookies, session=session, user=user), receive, send)


def SocketAuthMiddlewareStack(inner: ASGIApp) -> ASGIApp:  # noqa: N802 (as Channels names it)
    return SocketAuthMiddleware(inner)
