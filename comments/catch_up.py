"""A reconnecting live socket's catch-up, read once for everyone.

A page that reconnects says where it was (`/ws/consultations/<id>/?after=N`)
and receives, before any live event, one `live.catch_up` frame: the same
answer as `GET …/comments/?after=N` (comments/threads.py changes_after, the
same for every reader). After a server restart or a network blip, a
thousand readers come back with the same cursor at once: they share one
read instead of a thousand requests through the HTTP API (bench/fanout's
reconnect storm took 26 s that way).

A shared answer is only given to a socket it is complete for: every event
the process's feed had delivered before the socket joined must be in it
(`seen` ≤ its next_cursor); events after the join wait in the socket's
backlog and follow the catch-up frame (core/fanout.py)."""

from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from django.core.serializers.json import DjangoJSONEncoder

from comments.serializers import CommentSerializer
from comments.threads import changes_after

# How long a read is offered to sockets that ask for the same cursor.
SHARE_FOR = 5.0

# (event loop id, consultation id, after) → the read, with when it began.
_reads: dict[tuple[int, int, int], tuple[float, asyncio.Task]] = {}


class _Consultation:
    """What changes_after needs of a consultation: its pk."""

    __slots__ = ("pk",)

    def __init__(self, pk: int) -> None:
        self.pk = pk


def read(consultation_id: int, after: int) -> tuple[int, str]:
    """(next_cursor, the `live.catch_up` frame's text), in the sync thread."""
    changed, next_cursor = changes_after(_Consultation(consultation_id), after)
    frame = {
        "type": "live.catch_up",
        "results": CommentSerializer(changed, many=True).data,
        "next_cursor": next_cursor,
    }
    return next_cursor, json.dumps(frame, cls=DjangoJSONEncoder)


async def catch_up_frame(consultation_id: int, after: int, seen: int) -> str:
    """The `live.catch_up` text for a socket at cursor `after` that joined
    when its feed had delivered up to `seen`."""
    loop = asyncio.get_running_loop()
    key = (id(loop), consultation_id, after)
    now = time.monotonic()
    shared = _reads.get(key)
    if shared is not None and now - shared[0] > SHARE_FOR:
        shared = None
    if shared is not None and shared[1].done() and _next_cursor(shared[1]) < seen:
        shared = None
    if shared is None:
        shared = _start(loop, key, consultation_id, after)
    next_cursor, text = await asyncio.shield(shared[1])
    if next_cursor < seen:
        # Read before events this socket did not wait for: read again.
        next_cursor, text = await asyncio.shield(_start(loop, key, consultation_id, after)[1])
    return text


def _next_cursor(task: asyncio.Task) -> int:
    if task.cancelled() or task.exception() is not None:
        return -1
    return task.result()[0]


def _start(loop, key, consultation_id, after):
    task = loop.create_task(database_sync_to_async(read)(consultation_id, after))
    task.add_done_callback(_retrieve)
    shared = (time.monotonic(), task)
    _reads[key] = shared
    loop.call_later(SHARE_FOR, _forget, key, shared)
    return shared


def _forget(key, shared) -> None:
    if _reads.get(key) is shared:
        del _reads[key]


def _retrieve(task: asyncio.Task) -> None:
    # Every waiter may have left; the error is theirs, not the loop's log.
    if not task.cancelled():
        task.exception()
