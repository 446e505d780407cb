"""A person's own live channel: `WS /ws/notifications/`.

Thin: a signed-in person's socket joins their own group, the one
notifications.groups.person_group names, and nobody else's; it relays the
group's events (`notifications.unread` {unread}, published by
notifications/notify.py once a write commits). The current count is sent
on connect and in answer to a ping, so a client that missed an event (the
channel layer was down) is right again at its next ping. Anonymous sockets
are accepted and at once closed with code 4403, before joining anything:
accepting first lets a browser see the code (a refused handshake reaches
it as 1006) and stop reconnecting. The only frame a client may send is a
ping (core.sockets: bad frames get an error frame)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

from core import fanout
from core.sockets import FrameRateLimit, JsonFrames
from notifications import reading
from notifications.groups import person_group

FORBIDDEN = 4403


def person_of(user):
    """The signed-in person's id, or None when nobody is signed in or the
    account was deactivated since sign-in (as the database has it now)."""
    if user is None or not user.is_authenticated:
        return None
    if not get_user_model().objects.filter(pk=user.pk, is_active=True).exists():
        return None
    return user.pk


def person_and_count(user):
    """(person_of(user), their unread count), or (None, 0)."""
    person = person_of(user)
    return (person, reading.unread_count(user)) if person is not None else (None, 0)


class NotificationsConsumer(JsonFrames, AsyncWebsocketConsumer):
    # No channel per consumer: the process's feed delivers (core/fanout.py).
    channel_layer_alias = None

    async def connect(self):
        self.group = None
        self.live = None
        person = await database_sync_to_async(person_of)(self.scope.get("user"))
        if person is None:
            await self.accept()
            await self.close(code=FORBIDDEN)
            return
        limits = settings.PUENTE_WEBSOCKET_FRAME_LIMITS
        self.frames = FrameRateLimit(limits["rate"], limits["burst"])
        # In the group before the count is read out: a notice left in
        # between is pushed as well, so the last count the client sees is
        # never older than the database.
        self.group = person_group(person)
        await fanout.ready(self.group)
        await self.accept()
        self.live = fanout.join(self.group, self.base_send)
        await self.send_unread("notifications.unread")

    async def disconnect(self, code):
        self.group = None
        if self.live is not None:
            self.live.leave()
            self.live = None

    async def receive(self, text_data=None, bytes_data=None):
        if not self.group:
            return None
        frame = await self.read_frame(text_data)
        if frame is None:
            return None
        if frame["type"] != "ping":
            return await self.send_error("unknown_type", "Unknown frame type.")
        if len(frame) != 1:
            return await self.send_error("bad_frame", "Unknown fields.")
        return await self.send_unread("pong")

    async def send_unread(self, kind):
        person, unread = await database_sync_to_async(person_and_count)(self.scope.get("user"))
        if person is None:
            # Deactivated since the socket opened.
            await self.disconnect(FORBIDDEN)
            return await self.close(code=FORBIDDEN)
        return await self.send_json({"type": kind, "unread": unread})
