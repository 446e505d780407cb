"""A followed consultation opens, is about to close, closes: the scheduled
command tells its followers once each (notifications/calendar.py), never
for a private consultation, and not a week late."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from wagtail.models import PageViewRestriction

from accounts.roles import CITIZEN
from notifications import calendar
from notifications.models import Announcement, Follow, Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def follower(make_user):
    return make_user(CITIZEN, email="fer@example.com")


def followed(make_consultation, follower, **dates):
    page = make_consultation(**dates)
    Follow.objects.create(user=follower, consultation=page, created=timezone.now())
    return page


def announce(now):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return calendar.announce_due(now)


def test_each_event_is_told_once(make_consultation, follower, settings):
    settings.PUENTE_CLOSING_SOON_DAYS = 3
    now = timezone.now()
    opened = followed(
        make_consultation,
        follower,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=20),
    )
    closing = followed(
        make_consultation,
        follower,
        opens_at=now - timedelta(days=9),
        closes_at=now + timedelta(days=2),
    )
    closed = followed(
        make_consultation,
        follower,
        opens_at=now - timedelta(days=9),
        closes_at=now - timedelta(hours=2),
    )
    done = announce(now)
    assert sorted((pk, kind, told) for pk, kind, told in done) == sorted(
        [
            (opened.pk, "opened", True),
            # Opened nine days ago: recorded, not told.
            (closing.pk, "opened", False),
            (closing.pk, "closing", True),
            (closed.pk, "closed", True),
        ]
    )
    assert sorted(Notice.objects.values_list("consultation_id", "kind")) == sorted(
        [(opened.pk, "opened"), (closing.pk, "closing"), (closed.pk, "closed")]
    )
    # Run again (the scheduler runs every 15 minutes): nothing new.
    assert announce(now + timedelta(minutes=15)) == []
    assert Notice.objects.count() == 3
    assert Announcement.objects.count() == 4


def test_people_who_stopped_following_hear_nothing(make_consultation, follower):
    now = timezone.now()
    page = followed(
        make_consultation,
        follower,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=20),
    )
    Follow.objects.filter(user=follower).update(active=False)
    assert announce(now) == [(page.pk, "opened", True)]
    assert not Notice.objects.exists()


def test_a_private_consultation_is_not_announced(make_consultation, follower):
    now = timezone.now()
    page = followed(
        make_consultation,
        follower,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=20),
    )
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert announce(now) == [(page.pk, "opened", False)]
    assert not Notice.objects.exists()


def test_the_command_tells_and_e_mails_as_chosen(make_consultation, follower):
    now = timezone.now()
    page = followed(
        make_consultation,
        follower,
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(minutes=5),
    )
    follower.notification_preferences.create(topic="consultation", delivery="now")
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("notify_consultations", verbosity=0)
    assert Notice.objects.get().kind == "closed"
    [message] = mail.outbox
    assert message.to == ["fer@example.com"] and page.title in message.subject
