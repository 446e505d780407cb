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
from core.sockets import FrameRateLimit, JsonFrames
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
    async def connect(self):
        self.joined = False
        if not await database_sync_to_async(still_moderator)(self.scope.get("user")):
            await self.accept()
            await self.close(code=FORBIDDEN)
            return
        limits = settings.PUENTE_WEBSOCKET_FRAME_LIMITS
        self.frames = FrameRateLimit(limits["rate"], limits["burst"])
        # In the group before the page learns the socket is open: nothing
        # that happens after "open" is missed.
        await self.channel_layer.group_add(QUEUE_GROUP, self.channel_name)
        self.joined = True
        await self.accept()

    async def disconnect(self, code):
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(QUEUE_GROUP, self.channel_name)

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
        return await self.send_json({"type": "pong"})

    async def dispatch(self, message):
        # As in comments/consumers.py: the fan-out path touches no database.
        if message["type"] == "consultation.event":
            return await self.consultation_event(message)
        return await super().dispatch(message)

    async def consultation_event(self, message):
        if self.joined:
            await self.send(text_data=message["text"])
