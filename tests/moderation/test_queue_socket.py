"""The moderators' live queue `WS /ws/moderation/queue/` through the whole
ASGI stack (origin check, session auth, routing, consumer) with an in-memory
layer: moderators receive `queue.changed` when an item enters or leaves the
queue; everyone else's socket is closed with 4403 and receives nothing."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from consultations.models import ConsultationPage
from core.sockets import MAX_FRAME_BYTES
from moderation import actions
from moderation.events import QUEUE_GROUP
from tests.websocket_helpers import (
    QUEUE_PATH,
    TIMEOUT,
    communicator,
    connected,
    local_sockets,
    receive,
    session_cookie,
)

pytestmark = pytest.mark.usefixtures("memory_layer", "no_rate_limits")

FORBIDDEN = 4403
SECRET = "Un insulto que solo los moderadores leen"


async def ping_pong(socket):
    await socket.send_json_to({"type": "ping"})
    answer = await receive(socket)
    # The queue's cursor: tests/moderation/test_queue_socket_cursor.py.
    assert answer["type"] == "pong" and isinstance(answer["cursor"], int), answer


def members(layer):
    return set(layer.groups.get(QUEUE_GROUP, {}))


def run(scenario):
    """Run an async scenario to its end and return its result. In a thread of
    its own, with its own event loop: a browser test earlier in the session
    leaves Playwright's loop running in this one."""
    from concurrent.futures import ThreadPoolExecutor

    def in_own_thread():
        try:
            return async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_own_thread).result()


call = database_sync_to_async


@pytest.fixture
def people(live_consultation, make_user):
    return {
        "author": make_user(CITIZEN, display_name="Autora"),
        CITIZEN: make_user(CITIZEN, display_name="Ciudadana"),
        PLANNER: make_user(PLANNER),
        EDITOR: make_user(EDITOR),
        MODERATOR: make_user(MODERATOR, display_name="Moderadora"),
        "superuser": make_user(is_superuser=True),
    }


@pytest.fixture
def comment(live_consultation, people):
    return comment_actions.do_post_comment(
        people["author"],
        live_consultation,
        body=SECRET,
        question=live_consultation.ordered_questions[0].pk,
    )


@pytest.fixture
def generous_frame_limits(settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 100, "burst": 100}


# --- Who may listen ----------------------------------------------------------------


@pytest.mark.parametrize("role", [MODERATOR, "superuser"])
def test_moderators_join_the_queue_group_until_they_leave(people, memory_layer, role):
    cookie = session_cookie(people[role])

    async def scenario():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            assert len(members(memory_layer)) == 1
            await ping_pong(socket)

    run(scenario)
    assert members(memory_layer) == set()


@pytest.mark.parametrize("role", ["anonymous", CITIZEN, "author", PLANNER, EDITOR])
def test_everyone_else_is_closed_with_4403_and_receives_nothing(
    people,
    comment,
    memory_layer,
    role,
):
    cookie = None if role == "anonymous" else session_cookie(people[role])

    async def scenario():
        socket = communicator(QUEUE_PATH, cookie=cookie)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert ok  # accepted, so that the browser sees the code...
        closing = await socket.receive_output(timeout=TIMEOUT)
        assert closing == {"type": "websocket.close", "code": FORBIDDEN}  # ...then closed
        assert members(memory_layer) == set()
        # A flag now is not sent to it.
        await call(actions.do_flag)(people[CITIZEN], comment, reason="spam")
        assert await socket.receive_nothing()
        await socket.disconnect()

    run(scenario)
    assert members(memory_layer) == set()


def test_a_blocked_or_deactivated_moderator_is_closed(people, memory_layer):
    moderator = people[MODERATOR]
    cookie = session_cookie(moderator)
    User.objects.filter(pk=moderator.pk).update(blocked=True)

    async def scenario():
        socket = communicator(QUEUE_PATH, cookie=cookie)
        assert (await socket.connect(timeout=TIMEOUT))[0]
        assert (await socket.receive_output(timeout=TIMEOUT))["code"] == FORBIDDEN
        await socket.disconnect()

    run(scenario)
    assert members(memory_layer) == set()


def test_a_moderator_demoted_while_connected_is_closed_at_the_next_ping(
    people,
    comment,
    memory_layer,
):
    moderator = people[MODERATOR]
    cookie = session_cookie(moderator)

    def demote():
        moderator.groups.remove(Group.objects.get(name=MODERATOR))

    async def scenario():
        socket = communicator(QUEUE_PATH, cookie=cookie)
        assert (await socket.connect(timeout=TIMEOUT))[0]
        await ping_pong(socket)
        await call(demote)()
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_output(timeout=TIMEOUT) == {
            "type": "websocket.close",
            "code": FORBIDDEN,
        }
        assert local_sockets(QUEUE_GROUP) == 0
        await socket.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "origin", [b"http://evil.example", b"null", None], ids=["evil", "null", "missing"]
)
def test_a_foreign_origin_is_refused_even_for_a_moderator(people, memory_layer, origin):
    cookie = session_cookie(people[MODERATOR])

    async def scenario():
        socket = communicator(QUEUE_PATH, cookie=cookie, origin=origin)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert not ok
        await socket.disconnect()

    run(scenario)
    assert members(memory_layer) == set()


# --- What moderators receive ----------------------------------------------------------


def test_a_moderator_receives_a_flag_and_the_decision(people, comment, live_consultation):
    moderator = people[MODERATOR]
    cookie = session_cookie(moderator)

    async def scenario():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            await call(actions.do_flag)(people[CITIZEN], comment, reason="abusive")
            raw = await socket.receive_from(timeout=TIMEOUT)
            assert SECRET not in raw and "Autora" not in raw  # ids and counts only
            assert json.loads(raw) == {
                "type": "queue.changed",
                "comment": comment.pk,
                "consultation": live_consultation.pk,
                "pending": True,
                "kind": "flagged",
                "flag_count": 1,
                "cursor": 1,
            }
            await call(actions.do_decide)(moderator, comment, action="hide", reason="abusive")
            event = await receive(socket)
            assert (event["type"], event["comment"], event["pending"]) == (
                "queue.changed",
                comment.pk,
                False,
            )
            assert await socket.receive_nothing()

    run(scenario)


def test_every_moderator_socket_receives_the_event(people, comment):
    cookies = [session_cookie(people[MODERATOR]), session_cookie(people["superuser"])]

    async def scenario():
        async with (
            connected(QUEUE_PATH, cookie=cookies[0]) as first,
            connected(QUEUE_PATH, cookie=cookies[1]) as second,
        ):
            await call(actions.do_flag)(people[CITIZEN], comment, reason="spam")
            for socket in (first, second):
                event = await receive(socket)
                assert (event["comment"], event["pending"]) == (comment.pk, True)
                assert await socket.receive_nothing()

    run(scenario)


def test_a_held_comment_reaches_the_queue_socket(people, live_consultation):
    ConsultationPage.objects.filter(pk=live_consultation.pk).update(moderation_mode="pre")
    page = ConsultationPage.objects.get(pk=live_consultation.pk)
    question = page.ordered_questions[0].pk
    cookie = session_cookie(people[MODERATOR])

    async def scenario():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            held = await call(comment_actions.do_post_comment)(
                people["author"], page, body=SECRET, question=question
            )
            event = await receive(socket)
            assert event["comment"] == held.pk
            assert (event["pending"], event["kind"]) == (True, "held")
            await call(actions.do_decide)(people[MODERATOR], held, action="approve")
            assert (await receive(socket))["pending"] is False

    run(scenario)


def test_an_appeal_reaches_the_queue_socket(people, comment):
    moderator = people[MODERATOR]
    actions.do_decide(moderator, comment, action="remove", reason="personal_data")
    cookie = session_cookie(moderator)

    async def scenario():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            await call(actions.do_appeal)(people["author"], comment, note="Revisen, por favor.")
            event = await receive(socket)
            assert (event["comment"], event["pending"], event["kind"]) == (
                comment.pk,
                True,
                "appealed",
            )

    run(scenario)


# --- Frames from the client --------------------------------------------------------------


MALFORMED = [
    ("not-json", {"text_data": "hola"}, "bad_json"),
    ("truncated", {"text_data": '{"type": "ping"'}, "bad_json"),
    ("array", {"text_data": '[{"type": "ping"}]'}, "bad_frame"),
    ("null", {"text_data": "null"}, "bad_frame"),
    ("no-type", {"text_data": '{"comment": 1}'}, "bad_frame"),
    ("type-not-a-string", {"text_data": '{"type": 7}'}, "bad_frame"),
    (
        "decision",
        {"text_data": '{"type": "decide", "comment": 1, "action": "hide"}'},
        "unknown_type",
    ),
    ("server-event", {"text_data": '{"type": "consultation.event", "text": "{}"}'}, "unknown_type"),
    ("queue-event", {"text_data": '{"type": "queue.changed", "comment": 1}'}, "unknown_type"),
    (
        "oversized",
        {"text_data": json.dumps({"type": "ping", "pad": "x" * MAX_FRAME_BYTES})},
        "too_large",
    ),
    ("binary", {"bytes_data": b'{"type": "ping"}'}, "bad_frame"),
]


@pytest.mark.usefixtures("generous_frame_limits")
def test_malformed_frames_get_an_error_and_the_socket_stays_open(people, comment):
    cookie = session_cookie(people[MODERATOR])

    async def scenario():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            for name, frame, code in MALFORMED:
                await socket.send_to(**frame)
                error = await receive(socket)
                assert (error["type"], error["code"]) == ("error", code), name
                assert isinstance(error["message"], str) and error["message"]
            await ping_pong(socket)
            # Still in the group: the next event arrives.
            await call(actions.do_flag)(people[CITIZEN], comment, reason="spam")
            assert (await receive(socket))["type"] == "queue.changed"

    run(scenario)


def test_client_frames_are_rate_limited(people, settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 0.001, "burst": 2}
    cookie = session_cookie(people[MODERATOR])

    async def scenario():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            await ping_pong(socket)
            await ping_pong(socket)
            await socket.send_json_to({"type": "ping"})
            error = await receive(socket)
            assert (error["type"], error["code"]) == ("error", "rate_limited")

    run(scenario)


# --- Consistency: the page plus the live events equals a fresh page -----------------------


def queue_ids(client):
    response = client.get(reverse("moderation_admin:queue"))
    assert response.status_code == 200
    return [row.comment.pk for row in response.context["rows"]]


def apply(client, ids, event):
    """What queue.js does with one event: fetch the row and put it at the
    top (or in place), or drop it."""
    comment_id = event["comment"]
    url = reverse("moderation_admin:queue_item", args=[comment_id])
    present = event["pending"] and client.get(url).status_code == 200
    if present and comment_id not in ids:
        return [comment_id, *ids]
    if not present:
        return [i for i in ids if i != comment_id]
    return ids


def test_the_page_plus_live_events_equals_a_fresh_page(people, live_consultation):
    moderator = people[MODERATOR]
    client = Client()
    client.force_login(moderator)
    question = live_consultation.ordered_questions[0].pk
    first = comment_actions.do_post_comment(
        people["author"], live_consultation, body="Uno.", question=question
    )
    actions.do_flag(people[CITIZEN], first, reason="spam")
    ids = queue_ids(client)
    assert ids == [first.pk]
    cookie = session_cookie(moderator)

    async def scenario():
        events = []
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            second = await call(comment_actions.do_post_comment)(
                people["author"], live_consultation, body="Dos.", question=question
            )
            third = await call(comment_actions.do_post_comment)(
                people[CITIZEN], live_consultation, body="Tres.", question=question
            )
            await call(actions.do_flag)(people[CITIZEN], second, reason="abusive")
            await call(actions.do_flag)(people["author"], third, reason="spam")
            await call(actions.do_flag)(people[PLANNER], second, reason="spam")
            await call(actions.do_decide)(moderator, first, action="approve")
            await call(actions.do_decide)(moderator, third, action="remove", reason="spam")
            for _ in range(5):
                events.append(await receive(socket))
            assert await socket.receive_nothing()
        return events

    events = run(scenario)
    for event in events:
        ids = apply(client, ids, event)
    assert set(ids) == set(queue_ids(client))
    assert len(ids) == 1
