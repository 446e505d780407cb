"""The queue socket's side of the cursor (issue 18): its pong carries the
queue's cursor, so a page whose events were lost (the channel layer was
away) learns it is behind on its next ping; and each `queue.changed` event
it relays carries the change's number, the same the catch-up endpoint
answers with."""

import pytest
from channels.db import database_sync_to_async

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from moderation import actions, changes
from moderation.models import Review
from tests.moderation.test_queue_socket import run
from tests.websocket_helpers import QUEUE_PATH, connected, receive, session_cookie

pytestmark = pytest.mark.usefixtures("memory_layer", "no_rate_limits")

call = database_sync_to_async


@pytest.fixture
def people(live_consultation, make_user):
    return {
        "author": make_user(CITIZEN, display_name="Autora"),
        "reporter": make_user(CITIZEN, display_name="Reportera"),
        "other": make_user(CITIZEN, display_name="Otra"),
        MODERATOR: make_user(MODERATOR, display_name="Moderadora"),
    }


def flagged(consultation, people, body):
    comment = comment_actions.do_post_comment(
        people["author"], consultation, body=body, question=consultation.ordered_questions[0].pk
    )
    actions.do_flag(people["reporter"], comment, reason="spam")
    return comment


async def pong(socket):
    """The answer to a ping (events that arrive before it are skipped)."""
    await socket.send_json_to({"type": "ping"})
    while True:
        answer = await receive(socket)
        if answer["type"] != "queue.changed":
            break
    assert answer["type"] == "pong", answer
    return answer


def test_the_pong_carries_the_queue_cursor(live_consultation, people):
    cookie = session_cookie(people[MODERATOR])

    async def first_visit():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            return await pong(socket)

    assert run(first_visit) == {"type": "pong", "cursor": 0}
    # Two changes while no socket is open: nobody hears of them live.
    comment = flagged(live_consultation, people, "Primero reportado.")
    actions.do_flag(people["other"], comment, reason="abusive")

    async def second_visit():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            answer = await pong(socket)
            assert await socket.receive_nothing(timeout=0.1)
            return answer

    # The page's first pong says the queue is at 2: it catches up.
    assert run(second_visit) == {"type": "pong", "cursor": 2}
    assert changes.current_cursor() == 2
    assert Review.objects.get(comment=comment).seq == 2


def test_each_event_carries_the_number_the_endpoint_answers_with(live_consultation, people):
    cookie = session_cookie(people[MODERATOR])

    async def scenario():
        async with connected(QUEUE_PATH, cookie=cookie) as socket:
            await pong(socket)
            comment = await call(flagged)(live_consultation, people, "Un comentario reportado.")
            event = await receive(socket)
            cursor = (await pong(socket))["cursor"]
            return comment, event, cursor

    comment, event, cursor = run(scenario)
    assert event["type"] == "queue.changed"
    assert event["comment"] == comment.pk
    assert event["cursor"] == cursor == 1
    (replayed,) = changes.changes_after(0)["results"]
    assert replayed == event
