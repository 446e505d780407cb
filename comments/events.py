"""Live events: who receives them (one function per event kind) and how they
are sent. The database is the truth; a lost event is caught up by cursor."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from comments.serializers import comment_data

logger = logging.getLogger(__name__)

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
    transaction.on_commit(lambda: publish(group, event), robust=True)


def publish(group, event):
    """Send to a group; a layer that is down costs the live update, not the write."""
    layer = get_channel_layer()
    # Encoded once here rather than once per connected client.
    message = {"type": "consultation.event", "text": json.dumps(event, cls=DjangoJSONEncoder)}
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as error:
        logger.warning("could not publish %s to %s: %r", event["type"], group, error)
