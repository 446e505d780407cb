"""How one live event reaches the sockets of one server process.

Channels' own path costs one channel-layer channel, one queue, one task
wake-up and one dispatch per connected client for every event (8× a raw
broadcast's CPU, shared/MEASURED.md). Here each process holds ONE
subscription per group that has sockets connected to it (a `Feed`: one
channel of the layer added to the group), and the feed writes each event's
text, encoded once by core.live.publish, to its local sockets itself.

Back-pressure is per socket: a write completes at once while the client
keeps reading; when the server's write buffer is full the write waits, and
the events that arrive meanwhile wait in that socket's backlog (at most
PUENTE_LIVE["backlog"]). A client that lets it overflow is cut off with
CLOSE_FELL_BEHIND, which tells the page to reconnect and catch up by
cursor; nothing is buffered without bound and no other socket waits for it.

The consumers stay Channels consumers (routing, auth, origin validation)
without a channel layer of their own (`channel_layer_alias = None`):

    await fanout.ready(group)       # before accept(): nothing after "open" is missed
    await self.accept()
    self.live = fanout.join(group, self.base_send)   # held=True: see release()
    ...
    self.live.leave()               # in disconnect()

The database stays the truth: an event the layer loses (Redis down) is
caught up by cursor, and a feed whose subscription starts working after a
failure tells its sockets to catch up (`{"type": "live.resync"}`)."""

import asyncio
import contextlib
import json
import logging
import random
import weakref
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from core.live import CONTROL_GROUP, EVENT
from core.sockets import CLOSE_FELL_BEHIND

logger = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]

# Sent to a feed's sockets, and to the control handlers registered for it,
# when its subscription works again after a failure: events were lost.
RESYNC_TYPE = "live.resync"
RESYNC = json.dumps({"type": RESYNC_TYPE})
# How long a new group's first socket waits for the subscription before the
# handshake goes on without it (then the resync event covers the gap).
READY_WAIT = 2.0
# How long a feed outlives its last socket: a reconnect storm (a server
# restart, a network blip) finds the subscription still there.
LINGER = 30.0
RETRY_FIRST, RETRY_MAX = 0.5, 30.0


def start_eagerly(coroutine: Coroutine[Any, Any, Any]) -> "asyncio.Future[Any] | None":
    """Run `coroutine` in the caller's turn until it first waits; None if it
    finished without waiting, else a task that carries it on. A write to a
    client that keeps up never waits, so the fan-out costs no task per
    socket and event (asyncio.eager_task_factory does this from Python
    3.12; CI runs 3.11)."""
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_carry_on(coroutine, waiting_on))


async def _carry_on(coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
    # What asyncio.Task does for a coroutine: wait for the future it yielded
    # (its outcome is read by the coroutine itself), then resume it.
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)
            else:
                waiting_on._asyncio_future_blocking = False
                await asyncio.wait([waiting_on])
            try:
                waiting_on = coroutine.send(None)
            except StopIteration:
                return
    except asyncio.CancelledError:
        coroutine.close()
        raise


class LocalSocket:
    """One socket of this process in one feed: its ASGI send, the write in
    flight (when the client is not keeping up) and the events waiting."""

    __slots__ = ("send", "feed", "backlog", "writing", "closed", "held", "seen")

    def __init__(self, send: Send, feed: "Feed", held: bool) -> None:
        self.send = send
        self.feed = feed
        self.backlog: deque[dict[str, Any]] = deque()
        self.writing: asyncio.Future[Any] | None = None
        self.closed = False
        # Held: events wait in the backlog until release() (a catch-up frame
        # goes first). `seen`: the newest cursor the feed had delivered when
        # the socket joined: a catch-up read older than that may miss events.
        self.held = held
        self.seen = feed.cursor

    def offer(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        if self.writing is not None or self.held:
            if len(self.backlog) >= self.feed.fanout.backlog_limit:
                self.cut_off()
            else:
                self.backlog.append(message)
            return
        self._write(message)

    def _write(self, message: dict[str, Any]) -> None:
        try:
            self.writing = start_eagerly(self.send(message))
        except Exception as error:  # the client left; its disconnect follows
            logger.debug("live write failed: %r", error)
            self._gone()
            return
        if self.writing is not None:
            self.writing.add_done_callback(self._written)

    def release(self, first: dict[str, Any] | None = None) -> None:
        """Stop holding: write `first`, then the events that waited."""
        if not self.held:
            return
        self.held = False
        if self.closed:
            return
        if first is not None:
            self.backlog.appendleft(first)
        self._drain()

    def _written(self, writing: "asyncio.Future[Any]") -> None:
        self.writing = None
        if writing.cancelled() or writing.exception() is not None:
            self._gone()
            return
        self._drain()

    def _drain(self) -> None:
        while self.backlog and self.writing is None and not self.closed:
            self._write(self.backlog.popleft())

    def _gone(self) -> None:
        self.closed = True
        self.backlog.clear()
        self.feed.discard(self)

    def cut_off(self) -> None:
        """The client let its backlog overflow: drop what waits and close."""
        logger.info("live socket fell %s events behind: closed", len(self.backlog))
        self._gone()
        self.feed.fanout.cut_off += 1
        self.feed.fanout.spawn(self._close(self.writing))

    async def _close(self, writing: "asyncio.Future[Any] | None") -> None:
        try:
            if writing is not None:  # the close frame goes after it
                await asyncio.wait([writing])
            await self.send({"type": "websocket.close", "code": CLOSE_FELL_BEHIND})
        except Exception as error:
            logger.debug("close after falling behind failed: %r", error)

    def leave(self) -> None:
        """The consumer is done with this socket (its disconnect)."""
        self.closed = True
        self.backlog.clear()
        self.feed.discard(self)


class Feed:
    """One group's subscription in this process and its local sockets."""

    def __init__(self, fanout: "Fanout", group: str) -> None:
        self.fanout = fanout
        self.group = group
        self.sockets: set[LocalSocket] = set()
        self.ready = asyncio.Event()
        self.failed = False  # its subscription has failed at least once
        self.cursor = 0  # the newest event cursor delivered
        self.linger: asyncio.TimerHandle | None = None
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        layer = self.fanout.layer
        delay = RETRY_FIRST
        channel = None
        try:
            while True:
                try:
                    channel = await layer.new_channel(prefix="puente.feed.")
                    await layer.group_add(self.group, channel)
                    self.ready.set()
                    if self.failed:
                        self.deliver(RESYNC)
                    delay = RETRY_FIRST
                    while True:
                        message = await layer.receive(channel)
                        if message.get("type") == EVENT:
                            cursor = message.get("cursor")
                            if isinstance(cursor, int) and cursor > self.cursor:
                                self.cursor = cursor
                            self.deliver(message["text"])
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    if not self.failed:
                        logger.warning("live feed %s failed: %r", self.group, error)
                    self.failed = True
                    self.ready.set()  # handshakes go on; the resync follows
                    await asyncio.sleep(delay * (0.5 + random.random()))
                    delay = min(RETRY_MAX, delay * 2)
        finally:
            if channel is not None:
                try:
                    await layer.group_discard(self.group, channel)
                except Exception as error:
                    logger.debug("live feed %s: discard failed: %r", self.group, error)

    def deliver(self, text: str) -> None:
        # One message object for every socket: ASGI servers do not change it.
        message = {"type": "websocket.send", "text": text}
        if self.group == CONTROL_GROUP:
            self.fanout.control(text)
        for socket in tuple(self.sockets):
            socket.offer(message)
        self.fanout.delivered += len(self.sockets)

    def add(self, send: Send, held: bool) -> LocalSocket:
        if self.linger is not None:
            self.linger.cancel()
            self.linger = None
        socket = LocalSocket(send, self, held)
        self.sockets.add(socket)
        return socket

    def discard(self, socket: LocalSocket) -> None:
        self.sockets.discard(socket)
        if not self.sockets and self.linger is None and self.group != CONTROL_GROUP:
            loop = asyncio.get_running_loop()
            self.linger = loop.call_later(LINGER, self.stop_if_unused)

    def stop_if_unused(self) -> None:
        self.linger = None
        if not self.sockets and self.fanout.feeds.get(self.group) is self:
            del self.fanout.feeds[self.group]
            self.task.cancel()


class Fanout:
    """This event loop's feeds (one server process has one loop)."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.feeds: dict[str, Feed] = {}
        self.backlog_limit = settings.PUENTE_LIVE["backlog"]
        self.tasks: set[asyncio.Future[Any]] = set()
        # Figures for tests and the bench.
        self.delivered = 0
        self.cut_off = 0

    def feed(self, group: str) -> Feed:
        feed = self.feeds.get(group)
        if feed is None:
            feed = self.feeds[group] = Feed(self, group)
            if group != CONTROL_GROUP and CONTROL_GROUP not in self.feeds:
                self.feed(CONTROL_GROUP)
        return feed

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def control(self, text: str) -> None:
        try:
            event = json.loads(text)
            handlers = _control_handlers.get(event.get("type"), ())
        except (ValueError, AttributeError):
            return
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                logger.exception("control event %s failed", event.get("type"))


_fanouts: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout]" = (
    weakref.WeakKeyDictionary()
)
_control_handlers: dict[str, list[Callable[[dict[str, Any]], None]]] = {}


def current() -> Fanout | None:
    """This loop's fan-out, or None when no channel layer is configured."""
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None:
        if get_channel_layer() is None:
            return None
        fanout = _fanouts[loop] = Fanout()
    return fanout


def on_control(kind: str, handler: Callable[[dict[str, Any]], None]) -> None:
    """Call `handler(event)` in every server process for each event of type
    `kind` published to core.live.CONTROL_GROUP (e.g. a cache to drop)."""
    _control_handlers.setdefault(kind, []).append(handler)


async def ready(group: str) -> None:
    """Make sure this process subscribes to `group`; for a new group, wait a
    moment for the subscription so that events published once the socket is
    open are not missed (never long: a layer that is down makes it resync
    later instead)."""
    fanout = current()
    if fanout is None:
        return
    feed = fanout.feed(group)
    if feed.ready.is_set():
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(feed.ready.wait()), READY_WAIT)


def join(group: str, send: Send, held: bool = False) -> LocalSocket | None:
    """Deliver `group`'s events to this accepted socket from now on. Never
    touches the layer (ready() did); call `.leave()` on the result when the
    socket disconnects. `held`: events wait (bounded, as for a slow client)
    until `.release(first)`, so that a catch-up frame read after joining
    goes before them."""
    fanout = current()
    if fanout is None:
        return None
    return fanout.feed(group).add(send, held)
