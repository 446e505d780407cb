"""The live channel of a consultation: `WS /ws/consultations/<id>/`.

Thin: authenticate, join the group the recipient function names, validate
every frame, call an action. The server pushes comment events (core/fanout.py
writes them to this process's sockets: the consumer has no channel of its
own); a client may also post through the socket (the same action as the
HTTP API)."""

import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from comments import actions
from comments.catch_up import catch_up_frame
from comments.events import consultation_group
from comments.live_access import live_consultation
from comments.serializers import comment_data
from comments.threads import current_cursor
from core import fanout
from core.errors import ActionError, NotAllowed
from core.parse import as_int
from core.sockets import FrameRateLimit, JsonFrames

logger = logging.getLogger(__name__)

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
        after = self.after_cursor()
        self.live = fanout.join(group, self.base_send, held=after is not None)
        if after is not None:
            await self.send_catch_up(after)

    def after_cursor(self):
        """The cursor a reconnecting page was at (`?after=N`), 0 for a bad
        one (it gets everything), None when it did not say."""
        query = self.scope.get("query_string", b"").decode("latin-1")
        values = parse_qs(query, keep_blank_values=True).get("after")
        if not values:
            return None
        cursor = as_int(values[-1])
        return 0 if cursor is None else cursor

    async def send_catch_up(self, after):
        """What changed since `after`, before any live event (they wait)."""
        try:
            seen = self.live.seen if self.live is not None else 0
            text = await catch_up_frame(self.consultation.pk, after, seen)
        except Exception:
            logger.exception("live catch-up of consultation %s failed", self.consultation.pk)
            text = fanout.RESYNC  # the page asks the JSON API instead
        message = {"type": "websocket.send", "text": text}
        if self.live is not None:
            self.live.release(message)
        else:
            await self.base_send(message)

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
