"""Live events for the moderators' review queue. Only sockets of moderators
join the queue group (moderation/consumers.py)."""

from django.db import transaction

from core.live import publish
from moderation.changes import as_event

QUEUE_GROUP = "moderation.queue"


def queue_changed_event(review):
    """The `queue.changed` event of `review` as it is now; its `cursor` is
    the change number the write took (moderation.changes.stamp)."""
    return as_event(
        review.comment_id,
        review.consultation_id,
        review.pending,
        review.kind,
        review.flag_count,
        review.seq,
    )


def on_commit_queue_changed(review):
    """Tell open queue pages that an item entered, changed or left the queue;
    they fetch the item's row (or drop it) themselves. The event is read
    from `review` once the transaction commits, so it carries the number
    stamped last in it (a block hiding many comments numbers them at its end)."""
    transaction.on_commit(lambda: publish(QUEUE_GROUP, queue_changed_event(review)), robust=True)
