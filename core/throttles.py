"""Flood limits over HTTP: writes per person (comment posts also have their
own interval rule in comments.actions; this covers every write of the JSON
API and of the plain forms), and reads of the public API and downloads of
files per client: per person when signed in, else per IP address.

The IP address is DRF's get_ident: REMOTE_ADDR, or behind proxies
(PUENTE_TRUSTED_PROXIES, DRF's NUM_PROXIES) the address the nearest of them
saw, so that a client cannot pick its own by sending X-Forwarded-For."""

import math
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import UserRateThrottle

from core.errors import RateLimited


class SettingRateThrottle(UserRateThrottle):
    """DRF's budget per person, or per client IP for anonymous requests, at
    the rate a setting names, counting either the reads (GET, HEAD,
    OPTIONS) or the writes."""

    setting: str
    counts_reads = False
    # The refusal's message, with %(seconds)s; None: RateLimited's own.
    too_fast: Promise | None = None

    def get_rate(self):
        # Read at request time, so that deployments and tests can change it.
        return getattr(settings, self.setting)

    def allow_request(self, request, view):
        if (request.method in SAFE_METHODS) != self.counts_reads:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def retry_after(self):
        """Whole seconds until the next request is allowed (at least 1)."""
        return max(1, math.ceil(self.wait() or 1))

    @classmethod
    def refusal(cls, seconds):
        """RateLimited for `seconds`, with this budget's own message."""
        message = cls.too_fast % {"seconds": seconds} if cls.too_fast else None
        return RateLimited(seconds, message)


class CommentWriteThrottle(SettingRateThrottle):
    scope = "comment_writes"
    setting = "PUENTE_COMMENT_WRITE_RATE"


class ModerationWriteThrottle(CommentWriteThrottle):
    """Moderators working a queue decide faster than anyone comments."""

    scope = "moderation_writes"
    setting = "PUENTE_MODERATION_WRITE_RATE"


class FollowThrottle(SettingRateThrottle):
    """Following and stopping, through the forms and the API alike: a
    budget of its own, so that clicking through a page's threads does not
    spend the budget for comments (nor commenting this one)."""

    scope = "follows"
    setting = "PUENTE_FOLLOW_RATE"
    too_fast = gettext_lazy(
        "You are following and unfollowing too fast. Try again in %(seconds)s seconds."
    )


class PublicReadThrottle(SettingRateThrottle):
    """Reads of the public API (consultations, comments). Signed-in people
    (staff among them) count per person, so that an office or a meeting
    room behind one address does not share one budget."""

    scope = "public_reads"
    setting = "PUENTE_PUBLIC_READ_RATE"
    counts_reads = True


class ExportThrottle(PublicReadThrottle):
    """Downloads of files built from many rows (open data, summaries, one's
    own data): one budget for all of them, the same for staff."""

    scope = "exports"
    setting = "PUENTE_EXPORT_RATE"


def check_write_rate(request, throttle_class=CommentWriteThrottle):
    """The API's write rate for a plain form (a POST without JavaScript):
    the same limiter and the same cache entry per person, so the forms and
    the API spend one budget. RateLimited once it is spent."""
    throttle = throttle_class()
    if not throttle.allow_request(request, None):
        raise throttle.refusal(throttle.retry_after())


def limit_exports(view):
    """A plain Django view of a file download, within ExportThrottle's
    budget; once it is spent, 429 with Retry-After."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        throttle = ExportThrottle()
        if not throttle.allow_request(request, None):
            return too_many_requests(request, throttle.retry_after())
        return view(request, *args, **kwargs)

    return limited


def too_many_requests(request, seconds):
    """429 in the API's envelope under /api/, as plain text elsewhere (the
    files' clients are browsers and scripts); never cached by a proxy."""
    message = _("Too many downloads. Try again in %(seconds)s seconds.") % {"seconds": seconds}
    if request.path.startswith("/api/"):
        error = RateLimited(seconds, message)
        response: HttpResponse = JsonResponse(error.envelope(), status=error.status)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    add_never_cache_headers(response)
    return response
