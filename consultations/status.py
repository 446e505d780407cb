"""A consultation's status, computed from its dates: one place for the rule."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    REPORTED = "reported", _("Reported")


def status_at(opens_at, closes_at, reported_at, now):
    """Open from opens_at (inclusive) until closes_at (exclusive)."""
    if reported_at is not None and reported_at <= now:
        return Status.REPORTED
    if now < opens_at:
        return Status.UPCOMING
    if now < closes_at:
        return Status.OPEN
    return Status.CLOSED


def status_filter(status, now):
    """The Q object selecting consultations in `status` at `now`."""
    reported = Q(reported_at__isnull=False, reported_at__lte=now)
    return {
        Status.UPCOMING: ~reported & Q(opens_at__gt=now),
        Status.OPEN: ~reported & Q(opens_at__lte=now, closes_at__gt=now),
        Status.CLOSED: ~reported & Q(closes_at__lte=now),
        Status.REPORTED: reported,
    }[Status(status)]
