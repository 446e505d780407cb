"""Status is computed from the dates; the boundaries are where bugs live."""

from datetime import UTC, datetime, timedelta

import pytest

from consultations.models import ConsultationPage
from consultations.status import Status, status_at, status_filter

OPENS = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("now", "reported_at", "expected"),
    [
        (OPENS - TICK, None, Status.UPCOMING),
        (OPENS, None, Status.OPEN),
        (CLOSES - TICK, None, Status.OPEN),
        (CLOSES, None, Status.CLOSED),
        (CLOSES + timedelta(days=400), None, Status.CLOSED),
        (CLOSES + timedelta(days=2), CLOSES + timedelta(days=1), Status.REPORTED),
        # A response scheduled for later does not report the consultation yet.
        (CLOSES + timedelta(days=1), CLOSES + timedelta(days=2), Status.CLOSED),
    ],
)
def test_status_at_boundaries(now, reported_at, expected):
    assert status_at(OPENS, CLOSES, reported_at, now) is expected


@pytest.mark.parametrize(
    "now",
    [
        OPENS - TICK,
        OPENS,
        CLOSES - TICK,
        CLOSES,
        CLOSES + timedelta(days=1, microseconds=1),
        CLOSES + timedelta(days=2),
    ],
)
def test_database_filter_agrees_with_python(make_consultation, now):
    """The index page filters in SQL; it must agree with the Python rule."""
    plain = make_consultation(opens_at=OPENS, closes_at=CLOSES)
    reported = make_consultation(opens_at=OPENS, closes_at=CLOSES)
    ConsultationPage.objects.filter(pk=reported.pk).update(reported_at=CLOSES + timedelta(days=1))
    reported.refresh_from_db()
    for page in (plain, reported):
        in_sql = {
            status
            for status in Status
            if ConsultationPage.objects.filter(status_filter(status, now), pk=page.pk).exists()
        }
        assert in_sql == {page.status_at(now)}
