"""Live events: who receives them (one function per event kind) and how they
are sent. The database is the truth; a lost event is caught up by cursor."""

from comments.serializers import comment_data, comments_data
from core.live import publish_on_commit

COMMENT_EVENTS = (
    "comment.created",
    "comment.updated",
    "comment.hidden",
    "comment.removed",
    "reactions.updated",
)


def consultation_group(consultation_id):
    """Everyone reading a consultation receives its comment events."""
    return f"consultation.{int(consultation_id)}"


def on_commit_publish(kind, comment):
    """Schedule `kind` for `comment` once the write commits."""
    assert kind in COMMENT_EVENTS
    event = {"type": kind, "comment": comment_data(comment), "cursor": comment.seq}
    group = consultation_group(comment.consultation_id)
    publish_on_commit(group, event)


def on_commit_publish_all(kind, comments):
    """on_commit_publish for many comments at once (a bulk change)."""
    assert kind in COMMENT_EVENTS
    for comment, data in zip(comments, comments_data(comments), strict=True):
        event = {"type": kind, "comment": data, "cursor": comment.seq}
        publish_on_commit(consultation_group(comment.consultation_id), event)
