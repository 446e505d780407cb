"""Keeping the comment index in line with the database.

Every action that changes what a comment's document holds calls schedule()
inside its transaction: the change is written to the backlog (PendingIndex)
with the change itself, and once the transaction commits a background task
sends it to the index. If the index is down the comment is saved and shown
all the same; the backlog row keeps the failure, and the next task that
succeeds, or `manage.py search_sync`, sends it again.

A write never starts a new index where the old one was lost (a search
server restarted empty): that index would hold the latest changes alone.
The write waits in the backlog and a rebuild from the database is queued
instead (search/health.py has the reading side)."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from comments.models import Comment
from search import duplicates
from search.backends import get_backend
from search.backends.base import IndexMissing, IndexUnavailable
from search.documents import docs_for, indexable_comments, iter_all_docs
from search.models import IndexState, PendingIndex
from search.query import INDEXED_STATUSES

logger = logging.getLogger(__name__)

# A rebuild queued this long ago and not finished is taken as lost with its
# worker (killed, or the task failed) and may be queued again; a second one
# that finds the first has finished does nothing.
REBUILD_PATIENCE = timedelta(minutes=10)


def batch_size():
    return settings.PUENTE_SEARCH_BATCH_SIZE


def schedule(*comment_ids):
    """Record, in the caller's transaction, that these comments changed; send
    them to the index once it commits."""
    ids = sorted({int(comment_id) for comment_id in comment_ids if comment_id})
    if not ids:
        return
    _mark(ids, timezone.now())
    # One task per transaction however many changes it made (the demo's
    # hundreds of reactions, a campaign's decisions): the first callback run
    # after the commit sends every id scheduled until then, the others find
    # none. Ids of a transaction rolled back go with the next commit's: a
    # sync reads the comment as it is, so sending one more costs nothing.
    connection = transaction.get_connection()
    pending = connection.__dict__.setdefault(PENDING_ATTRIBUTE, set())
    pending.update(ids)
    transaction.on_commit(partial(_send_pending, connection), robust=True)


PENDING_ATTRIBUTE = "puente_index_pending"


def _send_pending(connection):
    ids = sorted(connection.__dict__.pop(PENDING_ATTRIBUTE, ()))
    if ids:
        _enqueue(ids)


def schedule_consultation(consultation_id):
    """A consultation's comments are about to go with it (page deletion)."""
    ids = Comment.objects.filter(consultation_id=consultation_id).values_list("pk", flat=True)
    schedule(*ids)


def _mark(ids, when, **failure):
    PendingIndex.objects.bulk_create(
        [PendingIndex(comment_id=comment_id, changed=when, **failure) for comment_id in ids],
        update_conflicts=True,
        unique_fields=["comment_id"],
        update_fields=["changed", *failure],
    )


def _enqueue(ids):
    try:
        sync_comments.enqueue(ids)
    except Exception:
        # The backlog still has them: the next sync sends them.
        logger.exception("could not enqueue indexing of %d comments", len(ids))


@task()
def sync_comments(comment_ids):
    """Send these comments to the index; when that works, retry one batch of
    earlier failures too, so an index that comes back catches up by itself."""
    if sync(comment_ids).failed:
        return
    earlier = list(
        PendingIndex.objects.filter(attempts__gt=0)
        .order_by("changed")
        .values_list("comment_id", flat=True)[: batch_size()]
    )
    if earlier:
        sync(earlier)


class SyncOutcome:
    def __init__(self):
        self.indexed = self.removed = self.failed = 0

    def __repr__(self):
        return f"<SyncOutcome indexed={self.indexed} removed={self.removed} failed={self.failed}>"


def sync(comment_ids=None, *, backend=None, progress=None):
    """Send changed comments to the index: `comment_ids`, or (None) the whole
    backlog. Stops at the first failure, which the backlog records."""
    backend = backend or get_backend()
    outcome = SyncOutcome()
    state = IndexState.get()
    rebuilding = state.rebuilding_since is not None
    for ids in _batches(comment_ids):
        started = timezone.now()
        # Read once for both: documents for the index, text for the keys.
        comments = list(
            Comment.objects.filter(pk__in=ids)
            .select_related("consultation", "author")
            .order_by("pk")
        )
        docs = docs_for([comment for comment in comments if comment.status in INDEXED_STATUSES])
        gone = sorted(set(ids) - {doc.id for doc in docs})
        duplicates.refresh(comments)
        try:
            if backend.keeps_copy:
                if docs:
                    _index(backend, docs)
                if gone:
                    backend.remove(gone)
        except IndexUnavailable as error:
            logger.warning("search index unavailable; %d comments wait: %s", len(ids), error)
            _record_failure(ids, started, error)
            outcome.failed += len(ids)
            break
        outcome.indexed += len(docs)
        outcome.removed += len(gone)
        if not rebuilding:
            # A change recorded after this batch was read stays for the next sync.
            PendingIndex.objects.filter(comment_id__in=ids, changed__lte=started).delete()
        if progress:
            progress(len(ids))
    if comment_ids is None and not outcome.failed and not rebuilding:
        IndexState.objects.filter(pk=state.pk).update(last_sync=timezone.now())
    return outcome


def _index(backend, docs):
    """Index `docs`, creating the index only on a new site: where comments
    the index should already hold would be missing from it, the index was
    lost and is rebuilt whole instead (IndexMissing: the batch waits in the
    backlog, which the rebuild replays)."""
    try:
        backend.index(docs, create=False)
    except IndexMissing:
        if expected_in_index().exists():
            request_rebuild()
            raise
        backend.index(docs)


def expected_in_index():
    """The comments the index must hold already: those it takes, less those
    still waiting in the backlog."""
    waiting = PendingIndex.objects.values("comment_id")
    return indexable_comments().exclude(pk__in=waiting)


def _batches(comment_ids):
    size = batch_size()
    if comment_ids is not None:
        ids = sorted(set(comment_ids))
        for start in range(0, len(ids), size):
            yield ids[start : start + size]
        return
    last = -1
    while True:
        ids = list(
            PendingIndex.objects.filter(comment_id__gt=last)
            .order_by("comment_id")
            .values_list("comment_id", flat=True)[:size]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _record_failure(ids, when, error):
    # Upsert, not update: the rows may have gone meanwhile (another sync took
    # them) and the failure must still be kept.
    _mark(ids, when)
    PendingIndex.objects.filter(comment_id__in=ids).update(
        attempts=F("attempts") + 1, last_attempt=when, last_error=str(error)[:2000]
    )


def rebuild(*, backend=None, progress=None):
    """A complete new index from the database; the old one answers searches
    until the new one replaces it at once. Changes made meanwhile stay in the
    backlog and are replayed into the new index at the end."""
    backend = backend or get_backend()
    state = IndexState.objects.filter(pk=IndexState.get().pk)
    state.update(rebuilding_since=timezone.now())
    try:
        backend.rebuild(iter_all_docs(batch_size()), progress or (lambda count: None))
        # Whatever asked for it, the index is whole again.
        state.update(rebuild_requested=None)
        duplicates.rebuild_all(batch_size())
    finally:
        state.update(rebuilding_since=None)
    return sync(backend=backend)


def request_rebuild():
    """Queue a rebuild through the worker for an index that was lost,
    unless one is queued already: one row update decides, so that of the
    searches and writes that find the loss at once, one queues it. True if
    this call did."""
    now = timezone.now()
    state = IndexState.objects.filter(pk=IndexState.get().pk)
    claimed = state.filter(
        Q(rebuild_requested=None) | Q(rebuild_requested__lt=now - REBUILD_PATIENCE)
    ).update(rebuild_requested=now)
    if not claimed:
        return False
    logger.warning("search index lost; a rebuild from the database is queued")
    try:
        rebuild_lost_index.enqueue()
    except Exception:
        # Let the next search or write that finds the loss queue it.
        state.update(rebuild_requested=None)
        logger.exception("could not enqueue the rebuild of the search index")
        return False
    return True


def rebuild_pending():
    """A rebuild for a lost index is queued or running (and not given up)."""
    since = timezone.now() - REBUILD_PATIENCE
    return IndexState.objects.filter(rebuild_requested__gte=since).exists()


@task()
def rebuild_lost_index():
    """The rebuild request_rebuild queues. Nothing to do if a rebuild has
    finished since it was queued (by hand, or one queued before it)."""
    if not IndexState.objects.exclude(rebuild_requested=None).exists():
        return
    rebuild()


def backlog():
    """What waits for the index: (count, oldest change, failed count, last error)."""
    pending = PendingIndex.objects.all()
    oldest = pending.order_by("changed").first()
    failed = pending.filter(attempts__gt=0).order_by("-last_attempt").first()
    return {
        "pending": pending.count(),
        "oldest": oldest.changed if oldest else None,
        "failed": pending.filter(attempts__gt=0).count(),
        "last_error": failed.last_error if failed else "",
        "last_sync": IndexState.get().last_sync,
    }
