"""Limits every live socket meets in this server process before its
consumer runs, counted in memory (no Redis, no database per handshake):

- at most PUENTE_LIVE["per_ip"] open sockets from one address (an IPv6
  address counts with its /64 network, what one household or phone gets)
  and PUENTE_LIVE["per_person"] per signed-in person. One over the limit is
  accepted and at once closed with 4429 (core.sockets.CLOSE_TOO_MANY), so
  the page sees the code and backs off; its consumer never runs. A socket's
  slot is freed when its application returns, however it ends (closed by
  either side, refused by the consumer, the consumer raising).
- a socket from which no frame arrived for PUENTE_LIVE["idle_seconds"] is
  closed with 4408 (core.sockets.CLOSE_IDLE). One sweeper task per process
  looks at every open socket a few times per timeout (a quarter of it, at
  most every 30 s), so a socket costs no timer of its own.

A value of 0 switches that limit off. The address is scope["client"]: with
uvicorn's proxy headers (PUENTE_SERVER) it is the client nginx names in
X-Forwarded-For. nginx holds the bound across processes (limit_conn in
deploy/nginx/puente.conf.template); this one holds it where no proxy does
and per person.

Wired in config/asgi.py inside AuthMiddlewareStack (which has resolved the
person by then) and outside the URL router.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

from core.request_log import resolved_user_id
from core.sockets import CLOSE_IDLE, CLOSE_TOO_MANY

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The sweeper looks this often per idle timeout, within these bounds (seconds).
SWEEPS_PER_TIMEOUT = 4
MIN_SWEEP, MAX_SWEEP = 0.05, 30.0


def address_key(scope: Scope) -> str | None:
    """Whose address the socket counts against: the client's IPv4 address,
    an IPv6 address's /64 network; None when the server knows no address."""
    client = scope.get("client")
    if not client or not client[0]:
        return None
    host = client[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return str(host)  # not an IP address (a unix socket's peer): as given
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def sweep_interval(idle_seconds: float) -> float:
    return max(MIN_SWEEP, min(MAX_SWEEP, idle_seconds / SWEEPS_PER_TIMEOUT))


class LiveSocket:
    """One open socket as the limits see it: when its client last sent a
    frame, and the send that closes it when it has been idle too long."""

    __slots__ = ("accepted", "closed_here", "ended", "last_frame", "loop", "send_out")

    def __init__(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        self.send_out = send
        self.loop = loop
        self.last_frame = loop.time()
        self.accepted = False
        self.ended = False  # the application closed it, or it was closed here
        self.closed_here = False

    async def receive(self, receive: Receive) -> Message:
        message = await receive()
        if message["type"] == "websocket.receive":
            self.last_frame = self.loop.time()
        return message

    async def send(self, message: Message) -> None:
        if self.closed_here:
            return  # closed for being idle: what the application still sends goes nowhere
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted = True
            self.last_frame = self.loop.time()
        elif kind == "websocket.close":
            self.ended = True
        try:
            await self.send_out(message)
        except RuntimeError:
            # A send that waited for the client (back-pressure) while the
            # sweeper closed the socket: the server refuses it; nothing is lost.
            if not self.closed_here:
                raise

    async def close_idle(self) -> None:
        if self.ended:
            return
        self.ended = self.closed_here = True
        # The client may be gone meanwhile: the server then has closed it already.
        with contextlib.suppress(OSError, RuntimeError):
            await self.send_out({"type": "websocket.close", "code": CLOSE_IDLE})


class SocketLimits:
    """ASGI middleware (websockets only; anything else passes through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.by_address: dict[str, int] = {}
        self.by_person: dict[int, int] = {}
        self.sockets: set[LiveSocket] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        address, person = address_key(scope), resolved_user_id(scope.get("user"))
        if not self._take(address, person):
            await refuse(receive, send)
            return
        loop = asyncio.get_running_loop()
        live = LiveSocket(send, loop)
        self.sockets.add(live)
        self._ensure_sweeper(loop)
        try:
            await self.app(scope, lambda: live.receive(receive), live.send)
        finally:
            self.sockets.discard(live)
            self._release(address, person)

    def open_sockets(self, address: str | None = None, person: int | None = None) -> int:
        """How many sockets this process holds open for an address or a person."""
        if address is not None:
            return self.by_address.get(address, 0)
        if person is not None:
            return self.by_person.get(person, 0)
        return len(self.sockets)

    # --- the counts -----------------------------------------------------------

    def _take(self, address: str | None, person: int | None) -> bool:
        limits = settings.PUENTE_LIVE
        per_ip, per_person = limits["per_ip"], limits["per_person"]
        if address is not None and per_ip and self.by_address.get(address, 0) >= per_ip:
            return False
        if person is not None and per_person and self.by_person.get(person, 0) >= per_person:
            return False
        if address is not None:
            self.by_address[address] = self.by_address.get(address, 0) + 1
        if person is not None:
            self.by_person[person] = self.by_person.get(person, 0) + 1
        return True

    def _release(self, address: str | None, person: int | None) -> None:
        if address is not None:
            release(self.by_address, address)
        if person is not None:
            release(self.by_person, person)

    # --- idle sockets ---------------------------------------------------------

    def _ensure_sweeper(self, loop: asyncio.AbstractEventLoop) -> None:
        sweeper = self._sweeper
        if sweeper is not None and not sweeper.done() and sweeper.get_loop() is loop:
            return
        self._sweeper = loop.create_task(self._sweep(loop), name="puente-socket-sweeper")

    async def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close the sockets idle past the timeout; ends when none is open
        (the next socket starts it again)."""
        while self.sockets:
            idle_seconds = settings.PUENTE_LIVE["idle_seconds"]
            await asyncio.sleep(sweep_interval(idle_seconds or MAX_SWEEP))
            if not idle_seconds:
                continue
            cutoff = loop.time() - idle_seconds
            for live in [s for s in self.sockets if s.accepted and s.last_frame < cutoff]:
                if live.ended or live.loop is not loop:
                    continue  # closing already, or a socket of another event loop (tests)
                # A task each: a close waits while the client does not read.
                task = loop.create_task(live.close_idle())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)


def release(counts: dict[Any, int], key: Any) -> None:
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


async def refuse(receive: Receive, send: Send) -> None:
    """Accept and close at once with 4429: a browser sees the close code
    (a handshake refused with an HTTP status looks like any network error)."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client left before the handshake
    with contextlib.suppress(OSError):  # it left meanwhile (uvicorn's ClientDisconnected)
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})
