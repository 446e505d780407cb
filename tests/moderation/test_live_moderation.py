"""Moderation, live: decisions reach the readers' open sockets through the real
Channels consumer; held comments never do; the moderators' queue group hears
of every change to the queue."""

import asyncio
import json
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import CITIZEN, MODERATOR
from comments.models import Comment
from consultations.models import ConsultationPage
from core.errors import Conflict
from moderation import actions
from moderation.events import QUEUE_GROUP
from moderation.models import FilteredWord
from tests.moderation import conftest as moderation_fixtures
from tests.websocket_helpers import TIMEOUT, connected, consultation_path, receive, session_cookie

pytestmark = pytest.mark.usefixtures("memory_layer", "no_rate_limits")

BODY = "Texto que no debe circular"


async def everything(socket):
    """All frames the socket still has, as raw text (to search for leaks)."""
    frames = []
    while not await socket.receive_nothing(timeout=0.2):
        frames.append(await socket.receive_from(timeout=TIMEOUT))
    return frames


def run(scenario):
    async_to_sync(scenario)()


call = database_sync_to_async


class QueueChannel:
    """A channel subscribed to the moderators' queue group, as a moderator's
    queue socket is (its consumer lives in moderation/consumers.py)."""

    def __init__(self, layer):
        self.layer = layer
        self.channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(QUEUE_GROUP, self.channel)

    async def events(self):
        events = []
        while True:
            try:
                message = await asyncio.wait_for(self.layer.receive(self.channel), 0.2)
            except TimeoutError:
                return events
            assert message["type"] == "consultation.event"
            events.append(json.loads(message["text"]))


@pytest.fixture
def people(live_consultation, make_user):
    return {
        "author": make_user(CITIZEN, display_name="Autora en vivo"),
        "citizen": make_user(CITIZEN, display_name="Lectora"),
        "moderator": make_user(MODERATOR, display_name="Moderadora"),
    }


def post(user, consultation, body=BODY):
    return moderation_fixtures.post(user, consultation, body=body)


# --- Decisions reach readers ---------------------------------------------------------------


def test_a_hide_reaches_a_citizens_open_socket_as_a_tombstone(live_consultation, people):
    comment = post(people["author"], live_consultation)
    cookie = session_cookie(people["citizen"])

    async def scenario():
        async with (
            connected(consultation_path(live_consultation.pk), cookie=cookie) as citizen,
            connected(consultation_path(live_consultation.pk)) as anonymous,
        ):
            await call(actions.do_decide)(
                people["moderator"], comment, action="hide", reason="abusive"
            )
            for socket in (citizen, anonymous):
                event = await receive(socket)
                assert event["type"] == "comment.hidden"
                assert event["comment"]["id"] == comment.pk
                assert event["comment"]["body"] == "" and event["comment"]["body_html"] == ""
                assert event["comment"]["author"] is None
                assert event["comment"]["status"] == "hidden"
                assert await socket.receive_nothing()
            hidden = await call(Comment.objects.get)(pk=comment.pk)
            assert event["cursor"] == hidden.seq

    run(scenario)


def test_remove_and_restore_reach_the_socket(live_consultation, people):
    comment = post(people["author"], live_consultation)
    moderator = people["moderator"]

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            await call(actions.do_decide)(moderator, comment, action="remove", reason="spam")
            removed = await receive(reader)
            assert (removed["type"], removed["comment"]["body"]) == ("comment.removed", "")
            await call(actions.do_decide)(moderator, comment, action="restore")
            restored = await receive(reader)
            assert restored["type"] == "comment.updated"
            assert restored["comment"]["body"] == BODY
            assert restored["comment"]["author"] == "Autora en vivo"
            assert restored["cursor"] > removed["cursor"]

    run(scenario)


def test_the_flag_that_hides_reaches_the_socket_and_the_others_do_not(
    live_consultation, people, make_user
):
    comment = post(people["author"], live_consultation)
    flaggers = [make_user(CITIZEN) for _ in range(3)]

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            for person in flaggers[:2]:
                await call(actions.do_flag)(person, comment, reason="spam")
            assert await reader.receive_nothing(timeout=0.2)
            await call(actions.do_flag)(flaggers[2], comment, reason="spam")
            event = await receive(reader)
            assert (event["type"], event["comment"]["body"]) == ("comment.hidden", "")
            assert await reader.receive_nothing()

    run(scenario)


def test_live_events_and_a_fresh_fetch_agree_after_a_hide(live_consultation, people):
    kept = post(people["author"], live_consultation, body="Se queda")
    hidden = post(people["author"], live_consultation, body=BODY)
    client = Client()
    url = f"/api/v1/consultations/{live_consultation.pk}/comments/"
    initial = client.get(url).json()

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            await call(actions.do_decide)(people["moderator"], hidden, action="hide", reason="spam")
            return await receive(reader)

    event = async_to_sync(scenario)()
    shown = {c["id"]: c for c in initial["results"]}
    shown[event["comment"]["id"]] = event["comment"]
    fresh = client.get(url).json()
    assert list(shown.values()) == fresh["results"]
    assert event["cursor"] == fresh["next_cursor"]
    assert {c["id"] for c in fresh["results"]} == {kept.pk, hidden.pk}


# --- Held comments never do ----------------------------------------------------------------


def test_a_held_comment_never_reaches_a_non_moderator_socket(live_consultation, people):
    live_consultation.moderation_mode = "pre"
    live_consultation.save(update_fields=["moderation_mode"])
    consultation = type(live_consultation).objects.get(pk=live_consultation.pk)
    assert consultation.ordered_questions
    author, moderator = people["author"], people["moderator"]
    citizen_cookie = session_cookie(people["citizen"])
    moderator_cookie = session_cookie(moderator)

    async def scenario():
        async with (
            connected(consultation_path(consultation.pk), cookie=citizen_cookie) as citizen,
            connected(consultation_path(consultation.pk)) as anonymous,
            connected(
                consultation_path(consultation.pk), cookie=moderator_cookie
            ) as moderators_page,
        ):
            first = await call(post)(author, consultation, body=f"{BODY} uno")
            second = await call(post)(author, consultation, body=f"{BODY} dos")
            assert first.status == second.status == "held"
            for socket in (citizen, anonymous, moderators_page):
                assert await socket.receive_nothing(timeout=0.2)
            # Rejected: the public learns only that something was hidden.
            await call(actions.do_decide)(moderator, second, action="hide", reason="spam")
            # Approved: now it is everyone's.
            await call(actions.do_decide)(moderator, first, action="approve")
            for socket in (citizen, anonymous):
                frames = await everything(socket)
                events = [json.loads(f) for f in frames]
                assert [(e["type"], e["comment"]["id"]) for e in events] == [
                    ("comment.hidden", second.pk),
                    ("comment.created", first.pk),
                ]
                assert f"{BODY} dos" not in "".join(frames)
                assert events[1]["comment"]["body"] == f"{BODY} uno"

    run(scenario)


def test_a_comment_held_for_a_word_sent_through_the_socket_is_not_broadcast(
    live_consultation, people
):
    FilteredWord.objects.create(word="estúpido", language="es")
    author_cookie = session_cookie(people["author"])
    question = live_consultation.ordered_questions[0].pk

    async def scenario():
        async with (
            connected(consultation_path(live_consultation.pk), cookie=author_cookie) as poster,
            connected(consultation_path(live_consultation.pk)) as reader,
        ):
            await poster.send_json_to(
                {"type": "comment.post", "body": "Qué ESTUPIDO", "question": question, "ref": "r"}
            )
            accepted = await receive(poster)
            # The author is answered (their comment, awaiting review) ...
            assert (accepted["type"], accepted["comment"]["status"]) == (
                "comment.accepted",
                "held",
            )
            # ... and nobody, the author's own socket included, gets a broadcast.
            assert await poster.receive_nothing(timeout=0.2)
            assert await reader.receive_nothing(timeout=0.2)

    run(scenario)


# --- The moderators' queue group --------------------------------------------------------------


def test_queue_changes_reach_the_queue_group_and_only_it(
    live_consultation, people, memory_layer, make_user
):
    comment = post(people["author"], live_consultation)
    queue = QueueChannel(memory_layer)
    reporter = make_user(CITIZEN)

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            await call(actions.do_flag)(reporter, comment, reason="abusive")
            await call(actions.do_decide)(people["moderator"], comment, action="approve")
            events = await queue.events()
            assert [(e["type"], e["comment"], e["pending"], e["flag_count"]) for e in events] == [
                ("queue.changed", comment.pk, True, 1),
                ("queue.changed", comment.pk, False, 0),
            ]
            assert {e["consultation"] for e in events} == {live_consultation.pk}
            # Readers of the consultation hear nothing of the queue.
            assert await reader.receive_nothing(timeout=0.2)

    run(scenario)


def test_a_refused_decision_sends_nothing(live_consultation, people, memory_layer):
    comment = post(people["author"], live_consultation)
    queue = QueueChannel(memory_layer)

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            with pytest.raises(Conflict):
                await call(actions.do_decide)(people["moderator"], comment, action="approve")
            assert await reader.receive_nothing(timeout=0.2)
            assert await queue.events() == []

    run(scenario)


def test_a_block_with_hide_content_reaches_the_socket_comment_by_comment(live_consultation, people):
    author = people["author"]
    comments = [post(author, live_consultation, body=f"{BODY} {n}") for n in range(2)]

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            await call(actions.do_block)(
                people["moderator"], author, reason="spam", hide_content=True
            )
            events = [await receive(reader) for _ in comments]
            assert [(e["type"], e["comment"]["id"]) for e in events] == [
                ("comment.hidden", c.pk) for c in comments
            ]
            assert await reader.receive_nothing()

    run(scenario)


# --- Locks (real transactions) -----------------------------------------------------------------


def hold_row_lock(queryset, **changes):
    """Update a row from another connection and keep its lock until the
    returned release() is called, as a concurrent write would."""
    locked, done = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                assert queryset.update(**changes) == 1
                locked.set()
                done.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(10)

    def release():
        done.set()
        thread.join(10)

    return release


@pytest.mark.postgres_only
@pytest.mark.parametrize("holder", ["author", "consultation"])
@pytest.mark.parametrize("write", ["flag", "decide"])
def test_flags_and_decisions_lock_only_the_comments_row(
    live_consultation, people, make_user, holder, write
):
    # Another transaction writing the author's row (signing in, say) or the
    # consultation's page (an editor) must not hold up a write on the
    # comment: locking those rows too is how two people flagging each other's
    # comments, or two moderators deciding on each other's, would deadlock.
    comment = post(people["author"], live_consultation)
    reporter = make_user(CITIZEN)
    writes = {
        "author": (User.objects.filter(pk=people["author"].pk), {"last_login": timezone.now()}),
        "consultation": (
            ConsultationPage.objects.filter(pk=live_consultation.pk),
            {"summary": "Otro resumen"},
        ),
    }
    rows, changes = writes[holder]
    release = hold_row_lock(rows, **changes)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            if write == "flag":
                actions.do_flag(reporter, comment, reason="spam")
            else:
                actions.do_decide(people["moderator"], comment, action="hide", reason="spam")
    finally:
        release()
    assert Comment.objects.get(pk=comment.pk).status == (
        "published" if write == "flag" else "hidden"
    )
