"""The live channel of a consultation: `WS /ws/consultations/<id>/`.

Thin: authenticate, join the group the recipient function names, validate
every frame, call an action. The server pushes comment events; a client may
also post through the socket (the same action as the HTTP API)."""

import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from comments import actions
from comments.errors import CommentError, NotAllowed
from comments.events import consultation_group
from comments.serializers import comment_data
from comments.threads import current_cursor

MAX_FRAME_BYTES = 16 * 1024
POST_FIELDS = {"type", "body", "question", "section", "parent", "ref"}


class FrameRateLimit:
    """A token bucket: `rate` frames per second, bursts of `burst`."""

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()

    def allow(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class JsonFrames:
    """What every Puente socket accepts from a client: JSON text objects with
    a type, of bounded size, at a bounded rate (`self.frames`). A bad frame
    gets an `error` event; the connection stays open."""

    async def read_frame(self, text_data):
        """The frame as a dict, or None after answering why it was refused."""
        if text_data is None:
            return await self.send_error("bad_frame", "Send JSON text frames.")
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            return await self.send_error("too_large", "The frame is too large.")
        if not self.frames.allow():
            return await self.send_error("rate_limited", "Too many frames; slow down.")
        try:
            frame = json.loads(text_data)
        except ValueError:
            return await self.send_error("bad_json", "The frame is not valid JSON.")
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.send_error("bad_frame", "A frame is an object with a type.")
        return frame

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, default=str))

    async def send_error(self, code, message, **extra):
        payload = {"type": "error", "code": code, "message": message}
        payload.update({k: v for k, v in extra.items() if v})
        await self.send_json(payload)


class ConsultationConsumer(JsonFrames, AsyncWebsocketConsumer):
    async def connect(self):
        self.group = None
        consultation_id = self.scope["url_route"]["kwargs"]["consultation_id"]
        try:
            self.consultation = await database_sync_to_async(actions.access_consultation)(
                consultation_id
            )
        except CommentError:
            await self.close(code=4404)
            return
        self.group = consultation_group(self.consultation.pk)
        limits = settings.PUENTE_WEBSOCKET_FRAME_LIMITS
        self.frames = FrameRateLimit(limits["rate"], limits["burst"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = await self.read_frame(text_data)
        if frame is None:
            return None
        if frame["type"] == "ping":
            # The consultation's cursor: a client that sees it ahead of its own
            # missed events (the layer was down, say) and catches up by API.
            cursor = await database_sync_to_async(current_cursor)(self.consultation)
            return await self.send_json({"type": "pong", "cursor": cursor})
        if frame["type"] == "comment.post":
            return await self.post_comment(frame)
        return await self.send_error("unknown_type", "Unknown frame type.")

    async def post_comment(self, frame):
        ref = frame.get("ref")
        if set(frame) - POST_FIELDS:
            return await self.send_error("bad_frame", "Unknown fields.", ref=ref)
        try:
            comment = await database_sync_to_async(self._post)(frame)
        except CommentError as error:
            return await self.send_error(
                error.code,
                str(error.message),
                ref=ref,
                errors={k: [str(m) for m in v] for k, v in error.errors.items()},
                retry_after=getattr(error, "retry_after", None),
            )
        await self.send_json({"type": "comment.accepted", "ref": ref, "comment": comment})

    def _post(self, frame):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            raise NotAllowed(_("Sign in to take part."))
        # Reloaded: an editor may have closed or unpublished it since connect.
        consultation = actions.access_consultation(self.consultation.pk)
        comment = actions.do_post_comment(
            user,
            consultation,
            body=frame.get("body"),
            question=frame.get("question"),
            section=frame.get("section"),
            parent=frame.get("parent"),
        )
        return comment_data(comment)

    async def dispatch(self, message):
        # Fast path for the fan-out: Channels' dispatch first closes stale
        # database connections in its one sync thread, once per message and
        # client; this handler touches no database (measured: about half the
        # server's CPU per broadcast with 1,000 clients).
        if message["type"] == "consultation.event":
            return await self.consultation_event(message)
        return await super().dispatch(message)

    async def consultation_event(self, message):
        await self.send(text_data=message["text"])
