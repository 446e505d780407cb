"""Live events for the moderators' review queue. Only sockets of moderators
join the queue group (moderation/consumers.py)."""

from core.live import publish_on_commit

QUEUE_GROUP = "moderation.queue"


def on_commit_queue_changed(review):
    """Tell open queue pages that an item entered, changed or left the queue;
    they fetch the item's row (or drop it) themselves."""
    event = {
        "type": "queue.changed",
        "comment": review.comment_id,
        "consultation": review.consultation_id,
        "pending": review.pending,
        "kind": review.kind,
        "flag_count": review.flag_count,
    }
    publish_on_commit(QUEUE_GROUP, event)
