"""Who hears about a new comment, and who does not (notifications/activity.py):
the parent's author gets a reply notice, the thread's followers one notice
per thread whose count rises; never the comment's author, people who
stopped following, blocked or deleted accounts; nothing for held comments
until approved, nothing for a comment hidden before the task ran. Posting
costs the same queries whatever the followers; the fan-out writes in
batches."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.models import CommentStatus
from core.models import OutgoingEmail
from moderation import actions as moderation_actions
from moderation.models import FilteredWord
from notifications import activity, follows, notify
from notifications.models import Follow, Notice, Preference

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué cambiarías?"])


@pytest.fixture
def people(make_user):
    return {
        name: make_user(CITIZEN, display_name=name, email=f"{name.lower()}@example.com")
        for name in ("Ana", "Beto", "Carla", "Dora")
    }


@pytest.fixture
def say(page, django_capture_on_commit_callbacks):
    """say(user, body, parent=None): post through the action and run what
    it scheduled on commit (the fan-out task runs at once in tests)."""

    def post(user, body="Un comentario con sustancia.", parent=None):
        anchor = {"parent": parent.pk} if parent else {"question": page.ordered_questions[0].pk}
        with django_capture_on_commit_callbacks(execute=True):
            return comment_actions.do_post_comment(user, page, body=body, **anchor)

    return post


def kinds_of(person):
    return sorted(Notice.objects.filter(user=person).values_list("kind", "count"))


def test_a_reply_tells_the_parents_author_and_the_threads_followers(people, say):
    ana, beto, carla, dora = people.values()
    root = say(ana, "Faltan bancas en el parque.")
    say(beto, "De acuerdo, y sombra.", parent=root)  # Beto now follows the thread
    assert kinds_of(ana) == [("reply", 1)]
    assert kinds_of(beto) == []
    reply = say(carla, "Y bebederos.", parent=root)
    # Ana: a reply; Beto: the thread; Carla (the author) and Dora: nothing.
    assert kinds_of(ana) == [("reply", 1), ("reply", 1)]
    assert kinds_of(beto) == [("thread", 1)]
    assert kinds_of(carla) == kinds_of(dora) == []
    thread_notice = Notice.objects.get(user=beto)
    assert (thread_notice.thread_id, thread_notice.comment_id) == (root.pk, reply.pk)
    assert thread_notice.consultation_id == root.consultation_id


def test_thread_activity_is_one_notice_per_thread_while_unread(people, say):
    ana, beto, carla, dora = people.values()
    root = say(ana)
    say(beto, parent=root)
    for n in range(3):
        say(carla, f"Otra idea número {n}.", parent=root)
    assert kinds_of(beto) == [("thread", 3)]
    Notice.objects.filter(user=beto).update(read=True)
    latest = say(dora, "Una más.", parent=root)
    assert sorted(Notice.objects.filter(user=beto).values_list("count", "read")) == [
        (1, False),
        (3, True),
    ]
    assert Notice.objects.get(user=beto, read=False).comment_id == latest.pk


def test_people_who_stopped_following_are_not_told(people, say):
    ana, beto, carla, _dora = people.values()
    root = say(ana)
    say(beto, parent=root)
    follows.do_follow(beto, thread=root, following=False)
    follows.do_follow(ana, thread=root, following=False)
    say(carla, parent=root)
    # Stopping a thread stops its replies too: the person chose silence there.
    assert kinds_of(beto) == []
    assert kinds_of(ana) == [("reply", 1)]
    # Posting again does not follow behind their back.
    say(beto, "Vuelvo a opinar.", parent=root)
    assert Follow.objects.get(user=beto, thread=root).active is False


def test_blocked_and_deleted_accounts_are_not_told(people, say):
    ana, beto, carla, dora = people.values()
    root = say(ana)
    say(beto, parent=root)
    say(dora, parent=root)
    Notice.objects.all().delete()
    type(ana).objects.filter(pk=ana.pk).update(blocked=True)
    type(beto).objects.filter(pk=beto.pk).update(erased_at=timezone.now(), is_active=False)
    say(carla, parent=root)
    assert kinds_of(ana) == kinds_of(beto) == []
    assert kinds_of(dora) == [("thread", 1)]


def test_nobody_hears_of_their_own_comment(people, say):
    ana = people["Ana"]
    root = say(ana)
    say(ana, "Me respondo a mí misma.", parent=root)
    assert not Notice.objects.exists()


def test_a_held_reply_is_told_only_once_approved(people, say, make_user):
    ana, beto, *_ = people.values()
    moderator = make_user(MODERATOR)
    FilteredWord.objects.create(word="tontería", language="es")
    root = say(ana)
    held = say(beto, "Qué tontería de propuesta.", parent=root)
    assert held.status == CommentStatus.HELD
    assert not Notice.objects.filter(user=ana).exists()
    # Beto follows the thread already: held or not, it is his.
    assert Follow.objects.filter(user=beto, thread=root, active=True).exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        moderation_actions.do_decide(moderator, held, action="approve")
    assert kinds_of(ana) == [("reply", 1)]


def test_a_comment_hidden_before_the_task_runs_is_told_to_nobody(
    people, page, django_capture_on_commit_callbacks
):
    ana, beto, *_ = people.values()
    root = comment_actions.do_post_comment(
        ana, page, body="Raíz.", question=page.ordered_questions[0].pk
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = comment_actions.do_post_comment(beto, page, body="Respuesta.", parent=root.pk)
    type(reply).objects.filter(pk=reply.pk).update(status=CommentStatus.HIDDEN)
    for callback in callbacks:
        callback()
    assert not Notice.objects.exists()


def test_a_notice_stops_showing_a_comment_hidden_later(people, say, client):
    ana, beto, *_ = people.values()
    root = say(ana)
    reply = say(beto, "Texto que luego se oculta.", parent=root)
    notice = Notice.objects.get(user=ana)
    assert notice.shows_comment
    type(reply).objects.filter(pk=reply.pk).update(status=CommentStatus.HIDDEN)
    notice = Notice.objects.select_related("comment__author").get(pk=notice.pk)
    assert not notice.shows_comment
    notify.email_now([notice], now=timezone.now())
    row = OutgoingEmail.objects.filter(to="ana@example.com").latest("pk")
    assert "Texto que luego se oculta." not in row.body
    assert "Beto" not in row.body
    client.force_login(ana)
    page = client.get(reverse("notifications")).content.decode()
    assert "Texto que luego se oculta." not in page


def test_posting_a_reply_costs_the_same_queries_for_1_or_40_followers(
    people, page, make_user, django_capture_on_commit_callbacks
):
    ana, beto, *_ = people.values()
    root = comment_actions.do_post_comment(
        ana, page, body="Raíz.", question=page.ordered_questions[0].pk
    )

    def reply_queries():
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False),
        ):
            comment_actions.do_post_comment(beto, page, body="Otra respuesta.", parent=root.pk)
        return len(queries)

    reply_queries()  # Beto's first: he starts following
    few = reply_queries()
    now = timezone.now()
    Follow.objects.bulk_create(
        Follow(user=make_user(CITIZEN), thread=root, created=now) for _ in range(40)
    )
    assert reply_queries() == few


def test_the_fan_out_writes_thousands_in_batches(people, page, make_user, settings):
    ana, beto, *_ = people.values()
    root = comment_actions.do_post_comment(
        ana, page, body="Raíz.", question=page.ordered_questions[0].pk
    )
    reply = comment_actions.do_post_comment(beto, page, body="Respuesta.", parent=root.pk)
    users = type(ana).objects.bulk_create(
        type(ana)(email=f"f{n}@example.com", display_name=f"F{n}") for n in range(2500)
    )
    now = timezone.now()
    Follow.objects.bulk_create(Follow(user=u, thread=root, created=now) for u in users)
    # Half chose e-mail at once for thread activity.
    Preference.objects.bulk_create(
        Preference(user=u, topic="thread", delivery="now") for u in users[::2]
    )
    with CaptureQueriesContext(connection) as queries:
        told = activity.fan_out_comment.call(reply.pk, now.isoformat())
    assert told == 2501  # Ana's reply notice and 2,500 followers
    assert Notice.objects.filter(kind="thread").count() == 2500
    assert Notice.objects.filter(kind="thread", delivery="now").count() == 1250
    # Two batches of at most 2,000: a bounded number of reads and updates
    # each, and bulk INSERTs (SQLite's are smaller: 999 parameters at most).
    statements = [query["sql"].split(None, 1)[0] for query in queries.captured_queries]
    assert len([s for s in statements if s in ("SELECT", "UPDATE")]) <= 20
    assert statements.count("INSERT") <= 60


def test_e_mail_at_once_is_written_in_each_persons_language(people, say):
    ana, beto, *_ = people.values()
    type(ana).objects.filter(pk=ana.pk).update(language="en")
    root = say(ana, "Faltan bancas.")
    say(beto, "Y sombra.", parent=root)
    [message] = [m for m in mail.outbox if m.to == ["ana@example.com"]]
    assert "replied to your comment" in message.body
    assert "Beto" in message.body and "Y sombra." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Her links open the English site.
    assert "/en/avisos/baja/" in message.extra_headers["List-Unsubscribe"]
    assert "/en/avisos/preferencias/" in message.body
    type(ana).objects.filter(pk=ana.pk).update(language="es-mx")
    say(people["Carla"], "Y bebederos.", parent=root)
    spanish = [m for m in mail.outbox if m.to == ["ana@example.com"]][-1]
    assert "respondió a tu comentario" in spanish.body


def test_thread_activity_waits_for_the_digest_by_default(people, say):
    ana, beto, carla, _ = people.values()
    root = say(ana)
    say(beto, parent=root)
    mail.outbox.clear()
    say(carla, parent=root)
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]  # Ana's reply, at once
    notice = Notice.objects.get(user=beto)
    assert (notice.delivery, notice.emailed_at) == ("daily", None)


def test_the_receipt_is_e_mailed_to_those_who_asked(people, say):
    ana, beto, *_ = people.values()
    Preference.objects.create(user=ana, topic="receipt", delivery="now")
    comment = say(ana, "Quiero mi acuse.")
    say(beto, "Yo no.")
    [receipt] = [m for m in mail.outbox if comment.folio in m.subject]
    assert receipt.to == ["ana@example.com"]
    assert comment.folio in receipt.body
    assert not [m for m in mail.outbox if m.to == ["beto@example.com"]]


def test_the_folio_names_the_year_and_the_number(people, say):
    from comments.models import parse_folio

    comment = say(people["Ana"])
    assert comment.folio == f"PUE-{comment.created.year}-{comment.pk:06d}"
    assert parse_folio(f"  {comment.folio.lower()} ") == (comment.created.year, comment.pk)
    assert parse_folio("PUE-2026-99999999999999999999") is None
    assert parse_folio("ABC-2026-000001") is None


def test_old_notices_keep_their_delivery(people, say):
    """A digest never re-sends what was e-mailed at once."""
    ana, beto, *_ = people.values()
    root = say(ana)
    say(beto, parent=root)
    notice = Notice.objects.get(user=ana)
    assert notice.delivery == "now" and notice.emailed_at is not None
    assert notice.created <= timezone.now() + timedelta(seconds=1)
