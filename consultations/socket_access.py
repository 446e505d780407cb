"""What a live socket's handshake needs to know of a consultation, kept in
memory per server process so that a reconnect storm does not become a storm
of database lookups on Channels' one sync thread.

The answers (a readable consultation's dates, or "not found") are filled by
`comments.live_access` (which owns the rule of who may read a thread) and
forgotten here when a consultation changes: published, unpublished (deleted
pages are unpublished first), moved, or a view restriction added or removed
(`consultations/signals.py`). A change is forgotten in this process at once
and after the transaction commits, and in every other process through the
control group, which each process's live feed listens on (`on_control`).
Entries also expire after `TTL` seconds, the safety net for a change made
while the channel layer was down. Time-based state (a closing date passing)
needs no signal: the dates are kept and the status computed when asked."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from consultations.status import Status, status_at
from core import live

logger = logging.getLogger(__name__)

# Every server process's live feed subscribes to this group and hands each
# event of type CHANGED to `on_control` (registered by consultations/signals.py).
CONTROL_GROUP = live.CONTROL_GROUP
CHANGED = "consultation.changed"

# Seconds an answer is trusted without a signal (a change made while the
# channel layer was down reaches the other processes at most this late).
TTL = 30.0
# Answers kept per process. Readable consultations are few; unknown ids are
# not, so they have their own, smaller room: a client trying ids one after
# another evicts only other unknown ids, never a readable consultation.
MAX_FOUND = 2048
MAX_MISSING = 1024


@dataclass(frozen=True, slots=True)
class LiveConsultation:
    """A consultation anyone may read, as of the lookup: immutable, so one
    value is shared by every socket of the process."""

    pk: int
    opens_at: datetime
    closes_at: datetime
    reported_at: datetime | None

    def status_at(self, now: datetime) -> Status:
        return status_at(self.opens_at, self.closes_at, self.reported_at, now)

    @classmethod
    def of(cls, consultation) -> LiveConsultation:
        return cls(
            pk=consultation.pk,
            opens_at=consultation.opens_at,
            closes_at=consultation.closes_at,
            reported_at=consultation.reported_at,
        )


# The answer stored for an id that is not a readable consultation.
MISSING = None


class AccessCache:
    """Two bounded LRU maps (found, missing) with a TTL. Used from the event
    loop and from the threads that save pages, hence the lock; every
    operation is a few dictionary steps. `generation` rises on each
    invalidation, so that a lookup that started before a change does not
    store what it read (`put(..., since=generation_at_start)`)."""

    def __init__(
        self, *, ttl: float = TTL, max_found: int = MAX_FOUND, max_missing: int = MAX_MISSING
    ):
        self.ttl = ttl
        self.max_found = max_found
        self.max_missing = max_missing
        self._found: OrderedDict[int, tuple[float, LiveConsultation]] = OrderedDict()
        self._missing: OrderedDict[int, float] = OrderedDict()
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, pk: int) -> tuple[bool, LiveConsultation | None]:
        """(known, answer): known False when nothing fresh is stored."""
        now = time.monotonic()
        with self._lock:
            entry = self._found.get(pk)
            if entry is not None:
                if entry[0] > now:
                    self._found.move_to_end(pk)
                    return True, entry[1]
                del self._found[pk]
            expires = self._missing.get(pk)
            if expires is not None:
                if expires > now:
                    self._missing.move_to_end(pk)
                    return True, MISSING
                del self._missing[pk]
        return False, None

    def put(self, pk: int, answer: LiveConsultation | None, *, since: int) -> None:
        """Store `answer`, unless something was invalidated since the lookup
        that produced it began (its generation was `since`)."""
        expires = time.monotonic() + self.ttl
        with self._lock:
            if self.generation != since:
                return
            self._found.pop(pk, None)
            self._missing.pop(pk, None)
            if answer is MISSING:
                self._missing[pk] = expires
                while len(self._missing) > self.max_missing:
                    self._missing.popitem(last=False)
            else:
                self._found[pk] = (expires, answer)
                while len(self._found) > self.max_found:
                    self._found.popitem(last=False)

    def invalidate(self, pk: int | None = None) -> None:
        """Forget `pk`'s answer, or every answer when `pk` is None."""
        with self._lock:
            self.generation += 1
            if pk is None:
                self._found.clear()
                self._missing.clear()
            else:
                self._found.pop(pk, None)
                self._missing.pop(pk, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._found) + len(self._missing)


cache = AccessCache()


def invalidate(consultation_id: int | None) -> None:
    """Forget one consultation's answer in this process (None: all)."""
    cache.invalidate(consultation_id)


def on_commit_invalidate(consultation_id: int | None) -> None:
    """A consultation changed (None: possibly any): forget it here now and
    again once the transaction commits (a handshake in between read the old
    row), and tell the other processes through the control group."""
    from django.db import transaction

    invalidate(consultation_id)
    transaction.on_commit(lambda: invalidate(consultation_id), robust=True)
    live.publish_on_commit(CONTROL_GROUP, {"type": CHANGED, "id": consultation_id})


def on_control(event: dict | str | bytes) -> None:
    """An event of the control group, as a dict or its JSON text. Never
    raises: a malformed event forgets everything (safe, and logged)."""
    try:
        if not isinstance(event, dict):
            event = json.loads(event)
        if not isinstance(event, dict):
            raise ValueError(f"not an object: {type(event).__name__}")
        if event.get("type") != CHANGED:
            return
        pk = event.get("id")
        if pk is not None and (isinstance(pk, bool) or not isinstance(pk, int)):
            raise ValueError(f"bad id {pk!r}")
    except (ValueError, TypeError) as error:
        logger.warning("malformed control event, forgetting every consultation: %r", error)
        invalidate(None)
        return
    invalidate(pk)
