"""Flood limits for writes over HTTP (comment posts also have their own interval
rule in comments.actions; this covers every write of the JSON API)."""

import math

from django.conf import settings
from rest_framework.throttling import UserRateThrottle

from core.errors import RateLimited


class CommentWriteThrottle(UserRateThrottle):
    scope = "comment_writes"
    setting = "PUENTE_COMMENT_WRITE_RATE"

    def get_rate(self):
        # Read at request time, so that deployments and tests can change it.
        return getattr(settings, self.setting)

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ModerationWriteThrottle(CommentWriteThrottle):
    """Moderators working a queue decide faster than anyone comments."""

    scope = "moderation_writes"
    setting = "PUENTE_MODERATION_WRITE_RATE"


def check_write_rate(request, throttle_class=CommentWriteThrottle):
    """The API's write rate for a plain form (a POST without JavaScript):
    the same limiter and the same cache entry per person, so the forms and
    the API spend one budget. RateLimited once it is spent."""
    throttle = throttle_class()
    if not throttle.allow_request(request, None):
        raise RateLimited(max(1, math.ceil(throttle.wait() or 1)))
