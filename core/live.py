"""Live events leave through here: one group message per event, encoded
once, sent after the write commits. The database is the truth; a lost
event is caught up by cursor, so a channel layer that is down costs the
live update, never the write."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

# The message type every Puente consumer relays to its socket as it is.
EVENT = "consultation.event"
# Every server process listens here (core/fanout.py on_control): events that
# concern the processes themselves, e.g. a cached answer to drop.
CONTROL_GROUP = "puente.control"


def event_message(event):
    """The channel-layer message for `event`: its text, encoded once here
    rather than once per connected client, and its cursor when it has one
    (each server's feed keeps the newest it has seen, core/fanout.py)."""
    cursor = event.get("cursor")
    return {
        "type": EVENT,
        "text": json.dumps(event, cls=DjangoJSONEncoder),
        "cursor": cursor if isinstance(cursor, int) else None,
    }


def publish(group, event):
    """Send `event` (a dict with a "type") to everyone in `group` now."""
    layer = get_channel_layer()
    message = event_message(event)
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as error:
        logger.warning("could not publish %s to %s: %r", event["type"], group, error)


def publish_each(events):
    """Send each (group, event) pair, all from one trip into the event loop
    (a person's unread count to each of 10,000 people: one async_to_sync,
    not 10,000). A layer that fails costs the remaining events only."""
    layer = get_channel_layer()
    messages = [(group, event_message(event)) for group, event in events]

    async def send_all():
        for group, message in messages:
            await layer.group_send(group, message)

    try:
        async_to_sync(send_all)()
    except Exception as error:
        logger.warning("could not publish %s events: %r", len(messages), error)


def publish_on_commit(group, event):
    """Send `event` to `group` once the caller's transaction commits."""
    transaction.on_commit(lambda: publish(group, event), robust=True)
