"""The live channel of a consultation: `WS /ws/consultations/<id>/`.

Thin: authenticate, join the group the recipient function names, validate
every frame, call an action. The server pushes comment events (core/fanout.py
writes them to this process's sockets: the consumer has no channel of its
own); a client may also post through the socket (the same action as the
HTTP API)."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from comments import actions
from comments.events import consultation_group
from comments.live_access import live_consultation
from comments.serializers import comment_data
from comments.threads import current_cursor
from core import fanout
from core.errors import ActionError, NotAllowed
from core.sockets import FrameRateLimit, JsonFrames

POST_FIELDS = {"type", "body", "question", "section", "parent", "ref"}


class ConsultationConsumer(JsonFrames, AsyncWebsocketConsumer):
    # No channel per consumer: the process's feed delivers (core/fanout.py).
    channel_layer_alias = None

    async def connect(self):
        self.live = None
        consultation_id = self.scope["url_route"]["kwargs"]["consultation_id"]
        try:
            # From this process's memory when it can (no sync-thread trip).
            self.consultation = await live_consultation(consultation_id)
        except ActionError:
            await self.close(code=4404)
            return
        group = consultation_group(self.consultation.pk)
        limits = settings.PUENTE_WEBSOCKET_FRAME_LIMITS
        self.frames = FrameRateLimit(limits["rate"], limits["burst"])
        # Subscribed before the page learns the socket is open: nothing that
        # happens after "open" is missed.
        await fanout.ready(group)
        await self.accept()
        self.live = fanout.join(group, self.base_send)

    async def disconnect(self, code):
        if self.live is not None:
            self.live.leave()
            self.live = None

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
        except ActionError as error:
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
        consultation = actions.access_public_consultation(self.consultation.pk)
        comment = actions.do_post_comment(
            user,
            consultation,
            body=frame.get("body"),
            question=frame.get("question"),
            section=frame.get("section"),
            parent=frame.get("parent"),
        )
        return comment_data(comment)
