"""What every Puente socket accepts from a client: JSON text objects with a
type, of bounded size, at a bounded rate. A bad frame gets an `error`
event and the connection stays open."""

import json
import time
from collections.abc import Awaitable, Callable

from core.input import BadInput, load_json

MAX_FRAME_BYTES = 16 * 1024

# Close codes a Puente socket may end with, beside 1000-1015 (RFC 6455) and
# FORBIDDEN/NOT_FOUND (4403/4404) of the consumers: site/static/js/*.js act
# on each.
# The client did not read fast enough and events piled up for it: reconnect
# at once (with jitter) and catch up by cursor.
CLOSE_FELL_BEHIND = 4001
# No frame from the client for PUENTE_LIVE["idle_seconds"]: reconnect when
# the page is looked at again.
CLOSE_IDLE = 4408
# Too many open sockets from this address or person (PUENTE_LIVE): back off.
CLOSE_TOO_MANY = 4429


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
    gets an `error` event; the connection stays open. Mixed into a Channels
    consumer, which supplies `send`."""

    frames: FrameRateLimit
    send: Callable[..., Awaitable[None]]

    async def read_frame(self, text_data):
        """The frame as a dict, or None after answering why it was refused."""
        if text_data is None:
            return await self.send_error("bad_frame", "Send JSON text frames.")
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            return await self.send_error("too_large", "The frame is too large.")
        if not self.frames.allow():
            return await self.send_error("rate_limited", "Too many frames; slow down.")
        try:
            frame = load_json(text_data)
        except BadInput as error:
            return await self.send_error("bad_json", str(error))
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return await self.send_error("bad_frame", "A frame is an object with a type.")
        return frame

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, default=str))

    async def send_error(self, code, message, **extra):
        payload = {"type": "error", "code": code, "message": message}
        payload.update({k: v for k, v in extra.items() if v})
        await self.send_json(payload)
