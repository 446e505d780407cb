"""A followed consultation opens, is about to close, closes: these happen
by the clock, not by a write, so the scheduler runs `manage.py
notify_consultations` (every 15 minutes; docs/operations.md) and this module
tells the followers of each such consultation once (an `Announcement` row
per consultation and kind), however often it runs.

An event older than WINDOW when first seen (the command did not run for a
while, or the site just started sending these) is recorded but not told:
"it opened" a week late is noise."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from comments import rules
from consultations.models import ConsultationPage
from notifications import activity
from notifications.models import Announcement, Notice

WINDOW = timedelta(days=1)


def due(now):
    """[(consultation, kind)] for each event that happened and was not yet
    announced. Three queries plus one per consultation for its privacy."""
    soon = timedelta(days=settings.PUENTE_CLOSING_SOON_DAYS)
    announced = set(Announcement.objects.values_list("consultation_id", "kind"))
    live = ConsultationPage.objects.live().filter(
        Q(opens_at__lte=now, closes_at__gt=now) | Q(closes_at__lte=now, closes_at__gt=now - WINDOW)
    )
    events = []
    for consultation in live.order_by("pk"):
        if consultation.closes_at <= now:
            kinds = [(Notice.Kind.CLOSED, consultation.closes_at)]
        else:
            kinds = [(Notice.Kind.OPENED, consultation.opens_at)]
            if consultation.closes_at - soon <= now:
                # A reminder is worth sending at any time before it closes.
                kinds.append((Notice.Kind.CLOSING, now))
        for kind, when in kinds:
            if (consultation.pk, kind) not in announced:
                events.append((consultation, kind, when))
    return events


def announce_due(now):
    """Tell the followers of every consultation with an event due. Returns
    [(consultation id, kind, told)] where told is False for a stale one."""
    done = []
    for consultation, kind, when in due(now):
        try:
            with transaction.atomic():
                Announcement.objects.create(consultation=consultation, kind=kind, created=now)
                fresh = when > now - WINDOW
                # Not for a consultation one cannot read, nor a stale event.
                tell = fresh and rules.is_public(consultation)
                if tell:
                    activity.consultation_event(consultation, kind, now=now)
        except IntegrityError:  # another run announced it meanwhile
            continue
        done.append((consultation.pk, str(kind), tell))
    return done
