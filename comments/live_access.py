"""The consultation a live socket asks for, answered from memory when it can.

`live_consultation(id)` gives the same answer as
`actions.access_public_consultation` (a published consultation without a
view restriction on it or an ancestor, else NotFound), as an immutable
`LiveConsultation` instead of a page. A hit costs no query and no trip to
Channels' one sync thread; a miss costs one trip, shared by every handshake
that asks for the same id meanwhile (a reconnect storm after a restart is one
lookup per consultation, not one per reader). Where the answers are kept and
when they are forgotten: `consultations/socket_access.py`."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from comments import actions
from consultations.socket_access import MISSING, LiveConsultation, cache
from core.errors import NotFound
from core.parse import as_id

# id → the lookup under way for it, per event loop (tests run several loops).
_pending: dict[tuple[int, int], asyncio.Task] = {}


def not_found() -> NotFound:
    return NotFound(_("That consultation does not exist."))


def lookup(consultation_id: int) -> LiveConsultation | None:
    """The database's answer, in the sync thread."""
    try:
        return LiveConsultation.of(actions.access_public_consultation(consultation_id))
    except NotFound:
        return MISSING


async def live_consultation(consultation_id) -> LiveConsultation:
    """The readable consultation `consultation_id` (a URL's digits or an
    int) names, or NotFound. Ids out of range are refused without a lookup
    and without being remembered."""
    pk = as_id(consultation_id)
    if pk is None:
        raise not_found()
    known, answer = cache.get(pk)
    if not known:
        answer = await _shared_lookup(pk)
    if answer is MISSING:
        raise not_found()
    return answer


async def _shared_lookup(pk: int) -> LiveConsultation | None:
    loop = asyncio.get_running_loop()
    key = (id(loop), pk)
    task = _pending.get(key)
    if task is None:
        # A task of its own: a handshake that gives up (the client left)
        # cancels its wait, not the lookup the others are waiting for.
        task = loop.create_task(_lookup_and_keep(pk, key))
        task.add_done_callback(_retrieve)
        _pending[key] = task
    return await asyncio.shield(task)


async def _lookup_and_keep(pk: int, key: tuple[int, int]) -> LiveConsultation | None:
    since = cache.generation
    try:
        answer = await database_sync_to_async(lookup)(pk)
    finally:
        _pending.pop(key, None)
    cache.put(pk, answer, since=since)
    return answer


def _retrieve(task: asyncio.Task) -> None:
    # Every waiter may have left; the error is theirs, not the loop's log.
    if not task.cancelled():
        task.exception()
