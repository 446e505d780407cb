"""The moderators' live queue: `WS /ws/moderation/queue/`.

Thin: only moderators join the queue group (moderation.events.QUEUE_GROUP)
and receive its `queue.changed` events, which carry ids and counts, never
text; the page fetches an item's row over HTTP, where the same check runs.
Anyone else's socket is accepted and at once closed with code 4403, before
joining anything: accepting first lets a browser see the code (a refused
handshake reaches it as 1006) and stop reconnecting. The only frame a client
may send is a ping; each ping checks again that the person is still a
moderator."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.rules import is_moderator
from core import fanout
from core.sockets import FrameRateLimit, JsonFrames
from moderation.changes import current_cursor
from moderation.events import QUEUE_GROUP

FORBIDDEN = 4403


def still_moderator(user):
    """The person as the database has them now (a block, a deactivation or a
    role taken away since sign-in counts)."""
    if user is None or not user.is_authenticated:
        return False
    fresh = get_user_model().objects.filter(pk=user.pk).first()
    return fresh is not None and is_moderator(fresh)


class QueueConsumer(JsonFrames, AsyncWebsocketConsumer):
    # No channel per consumer: the process's feed delivers (core/fanout.py).
    channel_layer_alias = None

    async def connect(self):
        self.joined = False
        self.live = None
        if not await database_sync_to_async(still_moderator)(self.scope.get("user")):
            await self.accept()
            await self.close(code=FORBIDDEN)
            return
        limits = settings.PUENTE_WEBSOCKET_FRAME_LIMITS
        self.frames = FrameRateLimit(limits["rate"], limits["burst"])
        # Subscribed before the page learns the socket is open: nothing that
        # happens after "open" is missed.
        await fanout.ready(QUEUE_GROUP)
        self.joined = True
        await self.accept()
        self.live = fanout.join(QUEUE_GROUP, self.base_send)

    async def disconnect(self, code):
        self.joined = False
        if self.live is not None:
            self.live.leave()
            self.live = None

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return None
        frame = await self.read_frame(text_data)
        if frame is None:
            return None
        if frame["type"] != "ping":
            return await self.send_error("unknown_type", "Unknown frame type.")
        if not await database_sync_to_async(still_moderator)(self.scope.get("user")):
            await self.disconnect(FORBIDDEN)
            return await self.close(code=FORBIDDEN)
        # The queue's cursor (one query): a page that sees it ahead of its own
        # missed events (the channel layer was away) and catches up over HTTP.
        cursor = await database_sync_to_async(current_cursor)()
        return await self.send_json({"type": "pong", "cursor": cursor})
