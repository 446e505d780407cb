"""Daily and weekly digests (notifications/digests.py, `manage.py
send_digests`): one e-mail per person with pending notices, grouped by
consultation, quoting the start of each comment with its link, in the
person's language; nothing when there is nothing to say; nothing of a
comment no longer shown; each notice e-mailed once."""

import re
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext

from accounts.roles import CITIZEN
from comments import actions
from comments.models import CommentStatus
from core.models import OutgoingEmail
from notifications import digests, unsubscribe
from notifications.models import Notice, Topic
from tests.comments import conftest as comment_fixtures
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

pytestmark = pytest.mark.usefixtures("no_rate_limits")

SITE = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
LONG = "La ciclovía necesita sombra, separadores y bancas en cada cruce. " * 8


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def avenida(make_consultation):
    return make_consultation(title="Ciclovía de la Avenida", questions=["¿Qué opinas?"])


@pytest.fixture
def presupuesto(make_consultation):
    return make_consultation(title="Presupuesto participativo", questions=["¿En qué gastarías?"])


@pytest.fixture
def ana(make_user):
    return make_user(CITIZEN, display_name="Ana Lectora", language="es-mx")


@pytest.fixture
def john(make_user):
    return make_user(CITIZEN, display_name="John Reader", language="en")


@pytest.fixture
def beto(make_user):
    return make_user(CITIZEN, display_name="Beto Escritor")


def comment(user, consultation, body="Un comentario con sustancia.", **anchor):
    anchor = anchor or {"question": consultation.ordered_questions[0].pk}
    return actions.do_post_comment(user, consultation, body=body, **anchor)


def notice(user, kind, *, when, delivery="daily", comment=None, consultation=None, **fields):
    return Notice.objects.create(
        user=user,
        kind=kind,
        comment=comment,
        thread_id=(comment.root_id if comment is not None else None),
        consultation=consultation or (comment.consultation if comment is not None else None),
        created=when,
        delivery=delivery,
        **fields,
    )


def subject(period, count):
    """The subject in the active language."""
    singular, plural = {
        "day": (
            "Your day on Puente: %(counter)s new notification",
            "Your day on Puente: %(counter)s new notifications",
        ),
        "week": (
            "Your week on Puente: %(counter)s new notification",
            "Your week on Puente: %(counter)s new notifications",
        ),
    }[period]
    return ngettext(singular, plural, count) % {"counter": count}


def run(frequency="daily", *, at, **kwargs):
    return digests.send(frequency, now=at + timedelta(minutes=1), **kwargs)


def stop_links(text):
    """(person, topic) of each unsubscribe link in `text`."""
    return {unsubscribe.read(token) for token in re.findall(r"/avisos/baja/([^/\s>]+)/", text)}


def mails():
    return list(OutgoingEmail.objects.order_by("pk"))


def mail_to(user):
    (row,) = OutgoingEmail.objects.filter(to=user.email)
    return row


def page_url(page, language):
    with translation.override(language):
        return SITE + page.get_url()


@pytest.fixture
def anas_day(ana, beto, avenida, presupuesto, now):
    """Ana's pending daily notices: a reply and a thread in one
    consultation, a consultation closing soon in another."""
    hers = comment(ana, avenida, "Necesitamos sombra en la ciclovía.")
    reply = comment(beto, avenida, LONG, parent=hers.pk)
    other = comment(beto, presupuesto, "Que el presupuesto vaya a las escuelas.")
    return {
        "reply": notice(ana, "reply", comment=reply, when=now - timedelta(hours=3)),
        "thread": notice(ana, "thread", comment=other, count=3, when=now - timedelta(hours=2)),
        "closing": notice(ana, "closing", consultation=avenida, when=now - timedelta(hours=1)),
    }


def test_one_email_groups_the_day_by_consultation_with_quotes_and_links(
    ana, anas_day, avenida, presupuesto, now
):
    outcome = run(at=now)

    assert (outcome.people, outcome.emails, outcome.notices) == (1, 1, 3)
    row = mail_to(ana)
    body = row.body
    assert row.user_id == ana.pk and row.about == "digest daily"
    # Grouped: each consultation once, its items under it, newest news first.
    assert body.count("== Ciclovía de la Avenida ==") == 1
    assert body.count("== Presupuesto participativo ==") == 1
    assert body.index("== Ciclovía de la Avenida ==") < body.index(
        "== Presupuesto participativo =="
    )
    avenida_part = body[body.index("== Ciclovía") : body.index("== Presupuesto")]
    assert "Beto Escritor" in avenida_part
    assert "Que el presupuesto vaya a las escuelas." not in avenida_part
    # The start of the comment, on one line, and no more.
    quoted = " ".join(LONG.split())
    assert quoted[:150] in body
    assert quoted not in body
    assert "…" in body
    assert "Que el presupuesto vaya a las escuelas." in body
    # Each comment's absolute link, and the consultation's.
    reply = anas_day["reply"].comment
    assert f"{SITE}/c/{reply.pk}/" in body
    assert f"{SITE}/c/{anas_day['thread'].comment_id}/" in body
    assert page_url(avenida, "es-mx") in body
    # Her preferences, and a link per topic that stops it.
    assert f"{SITE}/avisos/preferencias/" in body
    assert stop_links(body) == {
        (ana.pk, Topic.REPLY),
        (ana.pk, Topic.THREAD),
        (ana.pk, Topic.CONSULTATION),
    }
    # The one-click header stops thread activity, what digests are for.
    assert stop_links(row.headers["List-Unsubscribe"]) == {(ana.pk, Topic.THREAD)}
    assert row.headers["List-Unsubscribe"].startswith(f"<{SITE}/avisos/baja/")
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with translation.override("es-mx"):
        assert row.subject == subject("day", 3)
    assert not Notice.objects.filter(user=ana, emailed_at__isnull=True).exists()


def test_each_person_reads_it_in_their_language(ana, john, beto, avenida, now):
    reply_to_ana = comment(beto, avenida, "Respuesta para Ana.", parent=comment(ana, avenida).pk)
    reply_to_john = comment(beto, avenida, "Respuesta para John.", parent=comment(john, avenida).pk)
    notice(ana, "reply", comment=reply_to_ana, when=now)
    notice(john, "reply", comment=reply_to_john, when=now)

    run(at=now)

    spanish, english = mail_to(ana), mail_to(john)
    moment = timezone.localtime(now + timedelta(minutes=1))
    for row, language in ((spanish, "es-mx"), (english, "en")):
        with translation.override(language):
            wrote = gettext("%(name)s wrote:") % {"name": "Beto Escritor"}
            day = formats.date_format(moment, "DATE_FORMAT")
            footer = gettext("Choose which e-mails you get:")
        assert wrote in row.body
        assert day in row.body
        assert footer in row.body
    # Django's own catalogue names the month in each language.
    with translation.override("es-mx"):
        spanish_day = formats.date_format(moment, "DATE_FORMAT")
    with translation.override("en"):
        english_day = formats.date_format(moment, "DATE_FORMAT")
    assert spanish_day != english_day
    assert english_day not in spanish.body
    # Links lead to the site in the reader's language.
    assert f"{SITE}/en/" in english.body
    assert f"{SITE}/en/" not in spanish.body
    assert f"{SITE}/en/c/{reply_to_john.pk}/" in english.body
    assert f"{SITE}/en/avisos/preferencias/" in english.body
    assert english.subject.startswith("Your day on Puente")


def test_nothing_is_sent_when_nothing_is_pending(ana, beto, avenida, now):
    reply = comment(beto, avenida, parent=comment(ana, avenida).pk)
    # On the site only, at once (already e-mailed), or e-mailed by an earlier digest.
    notice(ana, "reply", comment=reply, when=now, delivery="site")
    notice(ana, "reply", comment=reply, when=now, delivery="now", emailed_at=now)
    notice(ana, "reply", comment=reply, when=now, emailed_at=now)

    outcome = run(at=now)

    assert (outcome.people, outcome.emails) == (0, 0)
    assert mails() == []


def test_a_comment_no_longer_shown_is_neither_quoted_nor_its_author_named(
    ana, beto, make_user, avenida, presupuesto, now
):
    carla = make_user(CITIZEN, display_name="Carla Oculta")
    thread = comment(ana, avenida, "Mi hilo sobre la ciclovía.")
    hidden = comment(carla, avenida, "Texto que los moderadores ocultaron.", parent=thread.pk)
    removed = comment(carla, avenida, "Texto que los moderadores quitaron.", parent=thread.pk)
    shown = comment(beto, presupuesto, "Un comentario que sigue publicado.")
    notice(ana, "reply", comment=hidden, when=now)
    notice(ana, "thread", comment=removed, when=now)
    kept = notice(ana, "thread", comment=shown, when=now)
    hidden.status = CommentStatus.HIDDEN
    hidden.save(update_fields=["status"])
    removed.status = CommentStatus.REMOVED
    removed.save(update_fields=["status"])

    outcome = run(at=now)

    body = mail_to(ana).body
    assert "Carla Oculta" not in body
    assert "ocultaron" not in body and "quitaron" not in body
    assert f"/c/{hidden.pk}/" not in body and f"/c/{removed.pk}/" not in body
    assert "Un comentario que sigue publicado." in body
    assert "Ciclovía de la Avenida" not in body
    assert outcome.skipped == 2
    # Marked all the same: they do not wait for the next digest.
    assert Notice.objects.filter(user=ana, emailed_at__isnull=True).count() == 0
    assert Notice.objects.get(pk=kept.pk).emailed_at is not None


def test_only_hidden_comments_means_no_email(ana, beto, avenida, now):
    reply = comment(beto, avenida, "Luego oculto.", parent=comment(ana, avenida).pk)
    pending = notice(ana, "reply", comment=reply, when=now)
    reply.status = CommentStatus.HELD
    reply.save(update_fields=["status"])

    outcome = run(at=now)

    assert outcome.emails == 0 and mails() == []
    pending.refresh_from_db()
    assert pending.emailed_at is not None


def test_ones_own_hidden_comment_is_quoted_to_its_author(ana, avenida, now):
    mine = comment(ana, avenida, "Mi comentario que ocultaron.")
    mine.status = CommentStatus.HIDDEN
    mine.save(update_fields=["status"])
    notice(ana, "hide", comment=mine, reason="offensive", when=now)

    run(at=now)

    body = mail_to(ana).body
    assert "Mi comentario que ocultaron." in body
    with translation.override("es-mx"):
        assert gettext("Your comment:") in body


def test_one_email_per_person_across_batches(ana, john, beto, avenida, presupuesto, now):
    people = [ana, john, beto]
    for person in people:
        for consultation in (avenida, presupuesto):
            notice(person, "closing", consultation=consultation, when=now)
            notice(person, "opened", consultation=consultation, when=now)

    outcome = run(at=now, people=2)

    assert (outcome.people, outcome.emails, outcome.notices) == (3, 3, 12)
    assert sorted(row.to for row in mails()) == sorted(p.email for p in people)


def test_daily_and_weekly_are_separate(ana, avenida, presupuesto, now):
    notice(ana, "closing", consultation=avenida, when=now)
    weekly = notice(ana, "closing", consultation=presupuesto, when=now, delivery="weekly")

    run("daily", at=now)

    body = mail_to(ana).body
    assert "Ciclovía de la Avenida" in body and "Presupuesto participativo" not in body
    weekly.refresh_from_db()
    assert weekly.emailed_at is None

    OutgoingEmail.objects.all().delete()
    run("weekly", at=now)

    row = mail_to(ana)
    assert "Presupuesto participativo" in row.body and "Ciclovía de la Avenida" not in row.body
    with translation.override("es-mx"):
        assert row.subject == subject("week", 1)
    assert row.about == "digest weekly"


def test_running_again_sends_nothing_more(ana, anas_day, now):
    first = run(at=now)
    second = run(at=now)
    third = digests.send("daily", now=now + timedelta(hours=1))

    assert first.emails == 1
    assert (second.people, second.emails, third.emails) == (0, 0, 0)
    assert len(mails()) == 1


def test_notices_left_after_the_run_wait_for_the_next(ana, avenida, presupuesto, now):
    notice(ana, "closing", consultation=avenida, when=now)
    later = notice(ana, "closing", consultation=presupuesto, when=now + timedelta(hours=2))

    run(at=now)

    assert "Presupuesto participativo" not in mail_to(ana).body
    later.refresh_from_db()
    assert later.emailed_at is None


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"erased_at": "now"},
        {"email": ""},
    ],
    ids=["deactivated", "deleted", "no address"],
)
def test_people_who_cannot_receive_email_get_none_and_their_notices_are_marked(
    ana, avenida, now, change
):
    pending = notice(ana, "closing", consultation=avenida, when=now)
    fields = {key: (now if value == "now" else value) for key, value in change.items()}
    type(ana).objects.filter(pk=ana.pk).update(**fields)

    outcome = run(at=now)

    assert (outcome.people, outcome.emails) == (1, 0)
    assert mails() == []
    pending.refresh_from_db()
    assert pending.emailed_at is not None


def test_a_long_day_lists_the_first_items_and_counts_the_rest(ana, avenida, now, monkeypatch):
    monkeypatch.setattr(digests, "MAX_ITEMS", 2)
    for minutes in range(5):
        notice(ana, "closing", consultation=avenida, when=now - timedelta(minutes=minutes))

    outcome = run(at=now)

    row = mail_to(ana)
    assert row.body.count("\n* ") == 2
    with translation.override("es-mx"):
        more = ngettext(
            "And %(counter)s more notification on the site.",
            "And %(counter)s more notifications on the site.",
            3,
        ) % {"counter": 3}
        assert more in row.body
        assert row.subject == subject("day", 5)
    assert outcome.notices == 5
    assert not Notice.objects.filter(emailed_at__isnull=True).exists()


def _pending_for(people, consultations, now):
    for person in people:
        for consultation in consultations:
            notice(person, "closing", consultation=consultation, when=now)


def test_queries_do_not_grow_with_people_or_notices(make_user, avenida, presupuesto, now):
    few = [make_user(CITIZEN) for _ in range(2)]
    _pending_for(few, [avenida], now)
    with CaptureQueriesContext(connection) as first:
        run(at=now)

    many = [make_user(CITIZEN, language="en") for _ in range(12)]
    _pending_for(many, [avenida, presupuesto], now)
    with CaptureQueriesContext(connection) as second:
        outcome = run(at=now)

    assert outcome.emails == 12
    # People and notices read in two queries, the consultations in one, the
    # outbox written in one, the notices marked in one (and the savepoint's).
    assert len(second) <= len(first) + 1, [q["sql"][:120] for q in second.captured_queries]
    assert len(second) <= 10


def test_the_command(ana, avenida, now):
    notice(ana, "closing", consultation=avenida, when=now)
    out = StringIO()

    call_command(
        "send_digests",
        "--frequency",
        "daily",
        "--now",
        (now + timedelta(minutes=1)).isoformat(),
        stdout=out,
    )

    assert "1 e-mails to 1 people" in out.getvalue()
    assert mail_to(ana).subject
    with pytest.raises(CommandError):
        call_command("send_digests", "--frequency", "daily", "--now", "mañana", stdout=out)
    with pytest.raises(CommandError):
        call_command("send_digests", "--frequency", "hourly", stdout=out)


# The committed site of the comment tests' transactional tests.
live_home = comment_fixtures.live_home


@pytest.mark.postgres_only
def test_a_second_run_at_the_same_time_skips_the_people_the_first_is_mailing(
    transactional_db, make_user
):
    """The first run holds its batch's notices locked until it commits; a
    second run started meanwhile (an operator, an overlapping timer) skips
    them instead of e-mailing those people twice."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite locks the whole database, not rows")
    index = ConsultationIndexPageFactory(parent=ensure_site())
    page = ConsultationPageFactory(parent=index, title="Consulta concurrida")
    ana, beto = make_user(CITIZEN), make_user(CITIZEN)
    now = timezone.now()
    for person in (ana, beto):
        notice(person, "closing", consultation=page, when=now)
    locked, done = threading.Event(), threading.Event()

    def first_run_mailing_ana():
        try:
            with transaction.atomic():
                list(Notice.objects.filter(user=ana).select_for_update())
                locked.set()
                done.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=first_run_mailing_ana)
    holder.start()
    try:
        assert locked.wait(10)
        second = run(at=now)
    finally:
        done.set()
        holder.join(10)

    assert second.emails == 1
    assert [row.to for row in mails()] == [beto.email]
    assert Notice.objects.get(user=ana).emailed_at is None
    # Once the first run is done, the next one finds what it left.
    assert run(at=now).emails == 1
