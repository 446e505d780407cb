"""One log line per HTTP request and per websocket connection, on the
logger "puente.request", and the request id that ties every other line to
it.

`RequestLog` wraps the whole ASGI application (config/asgi.py), so HTTP
and websockets are logged in one place, static files and refusals included.
The request id is the X-Request-ID header when it looks like one (nginx
sends its $request_id), else a new one; it is echoed in the response's
X-Request-ID header and held in a context variable that core/logs.py adds
to every record logged while the request is served (Django runs a
request's synchronous code with a copy of that context).

The line never holds the query string (search words, e-mail addresses in
links) nor anything of the person but their numeric id, and that only when
the request had already read who they are: logging asks no query.

Fields: request_id, method ("WEBSOCKET" for a socket), path, status (a
socket: 101 once accepted, with the close code in close_code; 403 refused
before accepting), duration_ms, bytes (the response body's), user_id, pid
(core/logs.py), and the level: ERROR for a status of 500 or more. The
health probes (/health/live, /health/ready) come every few seconds and are
logged only when they fail."""

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import empty

logger = logging.getLogger("puente.request")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADER = b"x-request-id"
# Probes of these paths come every few seconds: logged only when they fail.
QUIET_PATHS = frozenset({"/health/live", "/health/ready"})
VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# A path longer than this is cut in the log line.
MAX_PATH = 2000


@dataclass
class RequestContext:
    """What the log line needs to know from deeper down: the request id and
    who made the request (a user object or its lazy stand-in, read only if
    something else already resolved it)."""

    request_id: str
    user: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def user_id(self) -> int | None:
        return resolved_user_id(self.user)


_current: ContextVar[RequestContext | None] = ContextVar("puente_request", default=None)


def current_request_id() -> str | None:
    context = _current.get()
    return context.request_id if context else None


def current_user_id() -> int | None:
    context = _current.get()
    return context.user_id() if context else None


def request_id_from(headers: list[tuple[bytes, bytes]] | None) -> str:
    """The client's (or proxy's) X-Request-ID if it is 8 to 64 characters of
    letters, digits, dot, dash and underscore; else a new uuid4 in hex."""
    for name, value in headers or ():
        if name.lower() == HEADER:
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                break
            if VALID_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def resolved_user_id(user: Any) -> int | None:
    """The id of a signed-in user, without resolving a lazy one (that would
    read the session and the user: queries the request did not ask for)."""
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:  # a lazy object never evaluated
        return None
    if not getattr(wrapped, "is_authenticated", False):
        return None
    pk = getattr(wrapped, "pk", None)
    return pk if isinstance(pk, int) else None


class RequestLog:
    """ASGI middleware: request id and one log line per request or socket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = RequestContext(request_id_from(scope.get("headers")))
        token = _current.set(context)
        started = time.perf_counter()
        state = {"status": 0, "bytes": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != HEADER]
                headers.append((HEADER, context.request_id.encode("ascii")))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                state["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            if not state["status"]:
                state["status"] = 500
            raise
        finally:
            self._log(context, scope, scope.get("method", ""), state, started)
            _current.reset(token)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = RequestContext(request_id_from(scope.get("headers")))
        token = _current.set(context)
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 0, "bytes": 0, "close_code": None}

        async def watch_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.disconnect" and state["close_code"] is None:
                state["close_code"] = message.get("code", 1005)
            return message

        async def watch_send(message: Message) -> None:
            kind = message["type"]
            if kind == "websocket.accept":
                state["status"] = 101
                headers = list(message.get("headers", ()))
                headers.append((HEADER, context.request_id.encode("ascii")))
                message = {**message, "headers": headers}
            elif kind == "websocket.close":
                if state["status"] == 101:
                    if state["close_code"] is None:
                        state["close_code"] = message.get("code", 1000)
                else:
                    state["status"] = 403
            elif kind == "websocket.send":
                state["bytes"] += len(message.get("text") or message.get("bytes") or b"")
            await send(message)

        try:
            await self.app(scope, watch_receive, watch_send)
        except BaseException:
            if not state["status"]:
                state["status"] = 500
            raise
        finally:
            if not state["status"]:
                # The client left before the application answered.
                state["status"] = 403 if state["close_code"] is None else 499
            self._log(context, scope, "WEBSOCKET", state, started)
            _current.reset(token)

    @staticmethod
    def _log(
        context: RequestContext,
        scope: Scope,
        method: str,
        state: dict[str, Any],
        started: float,
    ) -> None:
        path = scope.get("path", "")[:MAX_PATH]
        status = state["status"]
        if path in QUIET_PATHS and status < 400:
            return
        fields: dict[str, Any] = {
            "request_id": context.request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "bytes": state["bytes"],
            "user_id": context.user_id(),
        }
        if status == 101 and state.get("close_code") is not None:
            fields["close_code"] = state["close_code"]
        fields.update(context.extra)
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(level, "%s %s %s", method, path, status, extra=fields)


class RecordUser:
    """Django middleware: lets the request line (and an error report, core/
    sentry.py) name the signed-in person, by id, once AuthenticationMiddleware
    has set request.user; place it right after that middleware. It reads
    nothing itself. Served without RequestLog (WSGI, Django's test client),
    it gives the request an id of its own and echoes it."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        context = _current.get()
        if context is not None:
            context.user = getattr(request, "user", None)
            return self.get_response(request)
        header = request.headers.get("X-Request-ID", "")
        own = RequestContext(request_id_from([(HEADER, header.encode("latin-1", "replace"))]))
        own.user = getattr(request, "user", None)
        token = _current.set(own)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = own.request_id
        return response


def websocket_user(app: ASGIApp) -> ASGIApp:
    """Channels middleware, inside AuthMiddlewareStack: lets the socket's
    line name the signed-in person (channels has already resolved them)."""

    async def record(scope: Scope, receive: Receive, send: Send) -> None:
        context = _current.get()
        if context is not None:
            context.user = scope.get("user")
        await app(scope, receive, send)

    return record
