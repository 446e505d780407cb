"""The live channel `WS /ws/consultations/<id>/` through the whole ASGI stack
(origin check, session auth, routing, consumer), with an in-memory layer."""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.utils import timezone
from wagtail.models import PageViewRestriction

from accounts.models import User
from accounts.roles import CITIZEN
from comments import actions
from comments.events import consultation_group
from comments.models import Comment
from consultations.models import ConsultationPage
from core.sockets import MAX_FRAME_BYTES
from tests.factories import ConsultationPageFactory
from tests.websocket_helpers import (
    TIMEOUT,
    communicator,
    connected,
    consultation_path,
    local_sockets,
    receive,
    session_cookie,
)

pytestmark = pytest.mark.usefixtures("memory_layer", "no_rate_limits")


async def ping_pong(socket, cursor=None):
    """A ping is answered by a pong carrying the consultation's cursor."""
    await socket.send_json_to({"type": "ping"})
    pong = await receive(socket)
    assert set(pong) == {"type", "cursor"} and pong["type"] == "pong", pong
    assert isinstance(pong["cursor"], int)
    if cursor is not None:
        assert pong["cursor"] == cursor
    return pong


def group_members(layer, consultation_id):
    return set(layer.groups.get(consultation_group(consultation_id), {}))


def run(scenario):
    async_to_sync(scenario)()


@pytest.fixture
def citizen_cookie(live_consultation, make_user):
    user = make_user(CITIZEN, display_name="Ana en vivo")
    return user, session_cookie(user)


def post_frame(consultation, **fields):
    frame = {
        "type": "comment.post",
        "body": "Un comentario en vivo.",
        "question": consultation.ordered_questions[0].pk,
    }
    frame.update(fields)
    return frame


# --- Connecting -----------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [b"http://evil.example", b"http://127.0.0.1.evil.example", b"null", b"", None],
    ids=["evil", "suffix", "null", "empty", "missing"],
)
def test_a_foreign_origin_is_refused(live_consultation, memory_layer, origin):
    async def scenario():
        socket = communicator(consultation_path(live_consultation.pk), origin=origin)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert not ok
        await socket.disconnect()

    run(scenario)
    assert group_members(memory_layer, live_consultation.pk) == set()


@pytest.mark.parametrize("origin", [b"http://127.0.0.1", b"http://localhost:8000"])
def test_an_allowed_origin_is_accepted_and_joins_the_group(live_consultation, memory_layer, origin):
    async def scenario():
        async with connected(consultation_path(live_consultation.pk), origin=origin) as socket:
            assert local_sockets(consultation_group(live_consultation.pk)) == 1
            await ping_pong(socket)

    run(scenario)
    assert group_members(memory_layer, live_consultation.pk) == set()


def test_an_unknown_consultation_closes_the_socket(live_consultation, memory_layer):
    async def scenario():
        socket = communicator(consultation_path(999_999))
        assert await socket.connect(timeout=TIMEOUT) == (False, 4404)
        await socket.disconnect()

    run(scenario)
    assert memory_layer.groups == {}


def test_an_unpublished_consultation_closes_the_socket(live_consultation, memory_layer):
    live_consultation.unpublish()

    async def scenario():
        socket = communicator(consultation_path(live_consultation.pk))
        assert await socket.connect(timeout=TIMEOUT) == (False, 4404)
        await socket.disconnect()

    run(scenario)
    assert memory_layer.groups == {}


def test_a_view_restricted_consultation_closes_the_socket(live_consultation, memory_layer):
    PageViewRestriction.objects.create(
        page=live_consultation, restriction_type=PageViewRestriction.LOGIN
    )

    async def scenario():
        socket = communicator(consultation_path(live_consultation.pk))
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert not ok
        await socket.disconnect()

    run(scenario)
    assert memory_layer.groups == {}


def test_one_layer_channel_per_process_whatever_the_sockets(
    live_consultation, memory_layer, citizen_cookie
):
    _, cookie = citizen_cookie
    group = consultation_group(live_consultation.pk)

    async def scenario():
        first = communicator(consultation_path(live_consultation.pk))
        second = communicator(consultation_path(live_consultation.pk), cookie=cookie)
        assert (await first.connect(timeout=TIMEOUT))[0]
        assert (await second.connect(timeout=TIMEOUT))[0]
        # The process's feed is the group's one member; it serves both.
        assert len(group_members(memory_layer, live_consultation.pk)) == 1
        assert local_sockets(group) == 2
        await first.disconnect()
        assert local_sockets(group) == 1
        await second.disconnect()
        assert local_sockets(group) == 0

    run(scenario)
    # The feed outlived its sockets for a while, then left with the loop.
    assert group not in memory_layer.groups


# --- Reading and posting ------------------------------------------------------


def test_anonymous_readers_receive_broadcasts(live_consultation, make_user):
    author = make_user(CITIZEN)

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            comment = await database_sync_to_async(actions.do_post_comment)(
                author,
                live_consultation,
                body="Desde la web.",
                question=live_consultation.ordered_questions[0].pk,
            )
            event = await receive(reader)
            assert event["type"] == "comment.created"
            assert event["cursor"] == comment.seq == 1
            assert event["comment"]["id"] == comment.pk
            assert event["comment"]["body"] == "Desde la web."
            assert await reader.receive_nothing()

    run(scenario)


def test_pong_carries_the_consultations_cursor(live_consultation, make_user):
    author = make_user(CITIZEN)
    question = live_consultation.ordered_questions[0].pk

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as socket:
            await ping_pong(socket, cursor=0)
            comment = await database_sync_to_async(actions.do_post_comment)(
                author, live_consultation, body="Uno.", question=question
            )
            assert (await receive(socket))["cursor"] == 1
            await database_sync_to_async(actions.do_edit_comment)(author, comment, body="Dos.")
            assert (await receive(socket))["cursor"] == 2
            await ping_pong(socket, cursor=2)

    run(scenario)


def test_anonymous_cannot_post_through_the_socket(live_consultation):
    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as socket:
            await socket.send_json_to(post_frame(live_consultation, ref="a1"))
            error = await receive(socket)
            assert error["type"] == "error"
            assert error["code"] == "forbidden" and error["ref"] == "a1"
            assert await socket.receive_nothing()
            await ping_pong(socket)

    run(scenario)
    assert not Comment.objects.exists()


def test_a_signed_in_citizen_posts_and_everyone_receives_it(
    live_consultation, citizen_cookie, make_user
):
    user, cookie = citizen_cookie
    reader_cookie = session_cookie(make_user(CITIZEN))

    async def scenario():
        async with (
            connected(consultation_path(live_consultation.pk), cookie=cookie) as poster,
            connected(consultation_path(live_consultation.pk)) as anonymous,
            connected(consultation_path(live_consultation.pk), cookie=reader_cookie) as reader,
        ):
            await poster.send_json_to(post_frame(live_consultation, ref="r-1"))
            own = [await receive(poster), await receive(poster)]
            by_type = {message["type"]: message for message in own}
            assert set(by_type) == {"comment.accepted", "comment.created"}
            accepted = by_type["comment.accepted"]
            assert accepted["ref"] == "r-1"
            comment_id = accepted["comment"]["id"]
            assert accepted["comment"]["author"] == "Ana en vivo"
            for socket in (anonymous, reader):
                event = await receive(socket)
                assert event["type"] == "comment.created"
                assert event["cursor"] == 1
                assert event["comment"] == by_type["comment.created"]["comment"]
                assert event["comment"]["id"] == comment_id
            for socket in (poster, anonymous, reader):  # exactly once
                assert await socket.receive_nothing()

    run(scenario)
    comment = Comment.objects.get()
    assert comment.author == user and comment.body == "Un comentario en vivo."


def test_a_reply_through_the_socket(live_consultation, citizen_cookie, make_user):
    _, cookie = citizen_cookie
    top = actions.do_post_comment(
        make_user(CITIZEN),
        live_consultation,
        body="¿Qué opinan?",
        question=live_consultation.ordered_questions[0].pk,
    )

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await socket.send_json_to(
                {"type": "comment.post", "body": "Respondo.", "parent": top.pk, "ref": 7}
            )
            messages = [await receive(socket), await receive(socket)]
            (accepted,) = [m for m in messages if m["type"] == "comment.accepted"]
            assert accepted["ref"] == 7
            assert (accepted["comment"]["parent"], accepted["comment"]["depth"]) == (top.pk, 1)

    run(scenario)
    top.refresh_from_db()
    assert top.reply_count == 1


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"body": ""}, "invalid", "body"),
        ({"body": "a"}, "invalid", "body"),
        ({"body": "<script>alert(1)</script>"}, "invalid", "body"),
        ({"body": "x" * 5001}, "invalid", "body"),
        ({"body": None}, "invalid", "body"),
        ({"body": ["lista"]}, "invalid", "body"),
        ({"body": {"a": 1}}, "invalid", "body"),
        ({"question": None}, "invalid", "question"),
        ({"question": "abc"}, "invalid", "question"),
        ({"question": 999_999}, "invalid", "question"),
        ({"parent": 999_999}, "invalid", "parent"),
        ({"author": 1}, "bad_frame", None),
        ({"status": "deleted"}, "bad_frame", None),
    ],
)
def test_bad_posts_through_the_socket_are_refused(
    live_consultation, citizen_cookie, fields, code, field
):
    _, cookie = citizen_cookie

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await socket.send_json_to(post_frame(live_consultation, ref="x", **fields))
            error = await receive(socket)
            assert error["type"] == "error" and error["code"] == code
            assert error["ref"] == "x"
            if field:
                assert field in error["errors"]
            assert await socket.receive_nothing()
            await ping_pong(socket)

    run(scenario)
    assert not Comment.objects.exists()


def test_posting_after_the_closing_time_through_an_open_socket_is_refused(
    live_consultation, citizen_cookie
):
    _, cookie = citizen_cookie
    closes_at = timezone.now() + timedelta(seconds=1)
    ConsultationPage.objects.filter(pk=live_consultation.pk).update(closes_at=closes_at)

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await asyncio.sleep(max(0, (closes_at - timezone.now()).total_seconds()) + 0.1)
            await socket.send_json_to(post_frame(live_consultation))
            error = await receive(socket)
            assert (error["type"], error.get("code")) == ("error", "forbidden")

    run(scenario)
    assert not Comment.objects.exists()


def close_early(consultation):
    now = timezone.now()
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=9), closes_at=now - timedelta(seconds=1)
    )


def unpublish(consultation):
    ConsultationPage.objects.get(pk=consultation.pk).unpublish()


@pytest.mark.parametrize(
    ("change", "code"),
    [(close_early, "forbidden"), (unpublish, "not_found")],
    ids=["closed-early", "unpublished"],
)
def test_a_consultation_closed_or_unpublished_while_connected_refuses_posts(
    live_consultation, citizen_cookie, change, code
):
    _, cookie = citizen_cookie

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await database_sync_to_async(change)(live_consultation)
            await socket.send_json_to(post_frame(live_consultation))
            error = await receive(socket)
            # Closed: refused; unpublished: it no longer exists for the public.
            assert (error["type"], error.get("code")) == ("error", code)

    run(scenario)
    assert not Comment.objects.exists()


def test_the_posting_rate_limit_applies_to_the_socket(live_consultation, make_user, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 15,
        "new_account_interval": 60,
        "new_account_days": 3,
    }
    cookie = session_cookie(make_user(CITIZEN))

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await socket.send_json_to(post_frame(live_consultation, body="Primero."))
            first = {(await receive(socket))["type"], (await receive(socket))["type"]}
            assert first == {"comment.accepted", "comment.created"}
            await socket.send_json_to(post_frame(live_consultation, body="Segundo.", ref=2))
            error = await receive(socket)
            assert error["type"] == "error" and error["code"] == "rate_limited"
            assert error["retry_after"] == 60 and error["ref"] == 2

    run(scenario)
    assert Comment.objects.count() == 1


def test_a_user_deactivated_while_connected_cannot_post(live_consultation, citizen_cookie):
    user, cookie = citizen_cookie

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await database_sync_to_async(User.objects.filter(pk=user.pk).update)(is_active=False)
            await socket.send_json_to(post_frame(live_consultation, ref="late"))
            error = await receive(socket)
            assert (error["type"], error.get("code")) == ("error", "forbidden")

    run(scenario)
    assert not Comment.objects.exists()


def test_a_body_with_a_lone_surrogate_gets_an_error_event(live_consultation, citizen_cookie):
    _, cookie = citizen_cookie
    frame = '{"type": "comment.post", "body": "hola \\ud800 mundo", "question": %d}'

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await socket.send_to(text_data=frame % live_consultation.ordered_questions[0].pk)
            error = await receive(socket)
            # Refused by the frame reader (core/input.py), before any action.
            assert (error["type"], error["code"]) == ("error", "bad_json")
            await ping_pong(socket)

    run(scenario)
    assert not Comment.objects.exists()


def test_broadcasts_of_every_kind_reach_the_socket(live_consultation, make_user):
    ana, beto = make_user(CITIZEN), make_user(CITIZEN)
    question = live_consultation.ordered_questions[0].pk

    async def scenario():
        call = database_sync_to_async
        async with connected(consultation_path(live_consultation.pk)) as reader:
            comment = await call(actions.do_post_comment)(
                ana, live_consultation, body="Uno.", question=question
            )
            await call(actions.do_edit_comment)(ana, comment, body="Uno, editado.")
            await call(actions.do_react)(beto, comment, "agree")
            await call(actions.do_delete_comment)(ana, comment)
            events = [await receive(reader) for _ in range(4)]
            assert [(e["type"], e["cursor"]) for e in events] == [
                ("comment.created", 1),
                ("comment.updated", 2),
                ("reactions.updated", 3),
                ("comment.removed", 4),
            ]
            assert events[1]["comment"]["body"] == "Uno, editado."
            assert events[2]["comment"]["reactions"]["agree"] == 1
            assert events[3]["comment"]["body"] == "" and events[3]["comment"]["author"] is None
            assert await reader.receive_nothing()

    run(scenario)


def test_a_socket_receives_only_its_consultations_events(live_consultation, make_user):
    other = ConsultationPageFactory(
        parent=live_consultation.get_parent(), questions=["¿Otra?"], sections=[]
    )
    author = make_user(CITIZEN)

    async def scenario():
        async with (
            connected(consultation_path(other.pk)) as elsewhere,
            connected(consultation_path(live_consultation.pk)) as here,
        ):
            await database_sync_to_async(actions.do_post_comment)(
                author,
                live_consultation,
                body="Solo aquí.",
                question=live_consultation.ordered_questions[0].pk,
            )
            assert (await receive(here))["type"] == "comment.created"
            assert await elsewhere.receive_nothing()

    run(scenario)


def test_events_carry_no_email_addresses(live_consultation, make_user):
    author = make_user(CITIZEN, email="oculta@correo.test", display_name="Visible")

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            await database_sync_to_async(actions.do_post_comment)(
                author,
                live_consultation,
                body="Sin correo.",
                question=live_consultation.ordered_questions[0].pk,
            )
            raw = await reader.receive_from(timeout=TIMEOUT)
            assert "Visible" in raw
            assert "oculta" not in raw and "correo.test" not in raw and "@" not in raw

    run(scenario)


# --- Malformed frames -----------------------------------------------------------


@pytest.fixture
def generous_frame_limits(settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 100, "burst": 100}


MALFORMED = [
    ("not-json", {"text_data": "hola, ¿me oyes?"}, "bad_json"),
    ("truncated-json", {"text_data": '{"type": "ping"'}, "bad_json"),
    ("json-array", {"text_data": '[{"type": "ping"}]'}, "bad_frame"),
    ("json-string", {"text_data": '"ping"'}, "bad_frame"),
    ("json-number", {"text_data": "42"}, "bad_frame"),
    ("json-null", {"text_data": "null"}, "bad_frame"),
    ("missing-type", {"text_data": '{"body": "sin tipo"}'}, "bad_frame"),
    ("type-not-a-string", {"text_data": '{"type": ["ping"]}'}, "bad_frame"),
    ("type-null", {"text_data": '{"type": null}'}, "bad_frame"),
    ("unknown-type", {"text_data": '{"type": "comment.delete", "id": 1}'}, "unknown_type"),
    ("server-event-type", {"text_data": '{"type": "consultation.event"}'}, "unknown_type"),
    (
        "oversized",
        {"text_data": json.dumps({"type": "ping", "pad": "x" * MAX_FRAME_BYTES})},
        "too_large",
    ),
    (
        "oversized-by-bytes",
        {
            "text_data": json.dumps(
                {"type": "ping", "pad": "ñ" * (MAX_FRAME_BYTES // 2)}, ensure_ascii=False
            )
        },
        "too_large",
    ),
    ("binary", {"bytes_data": b'{"type": "ping"}'}, "bad_frame"),
]


@pytest.mark.usefixtures("generous_frame_limits")
@pytest.mark.parametrize(
    ("frame", "code"), [(f, c) for _, f, c in MALFORMED], ids=[i for i, _, _ in MALFORMED]
)
def test_a_malformed_frame_gets_an_error_and_the_connection_stays(
    live_consultation, citizen_cookie, frame, code
):
    _, cookie = citizen_cookie

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await socket.send_to(**frame)
            error = await receive(socket)
            assert error["type"] == "error"
            assert error["code"] == code
            assert isinstance(error["message"], str) and error["message"]
            assert await socket.receive_nothing()
            await ping_pong(socket)

    run(scenario)
    assert not Comment.objects.exists()


@pytest.mark.usefixtures("generous_frame_limits")
def test_a_frame_just_under_the_limit_is_accepted(live_consultation):
    padding = MAX_FRAME_BYTES - len(json.dumps({"type": "ping", "pad": ""}))
    frame = json.dumps({"type": "ping", "pad": "x" * padding})
    assert len(frame.encode()) == MAX_FRAME_BYTES

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as socket:
            await socket.send_to(text_data=frame)
            assert (await receive(socket))["type"] == "pong"

    run(scenario)


@pytest.mark.usefixtures("generous_frame_limits")
def test_many_malformed_frames_in_a_row_leave_the_connection_usable(live_consultation, make_user):
    author = make_user(CITIZEN)

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as socket:
            for _, frame, code in MALFORMED:
                await socket.send_to(**frame)
                assert (await receive(socket))["code"] == code
            await database_sync_to_async(actions.do_post_comment)(
                author,
                live_consultation,
                body="¿Sigues ahí?",
                question=live_consultation.ordered_questions[0].pk,
            )
            assert (await receive(socket))["type"] == "comment.created"

    run(scenario)


def test_the_frame_rate_limit(live_consultation, make_user, settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 0.001, "burst": 3}
    author = make_user(CITIZEN)

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as socket:
            for _ in range(3):
                await ping_pong(socket)
            for _ in range(2):
                await socket.send_json_to({"type": "ping"})
                error = await receive(socket)
                assert (error["type"], error["code"]) == ("error", "rate_limited")
            # Still connected: server pushes keep coming.
            await database_sync_to_async(actions.do_post_comment)(
                author,
                live_consultation,
                body="Llega igual.",
                question=live_consultation.ordered_questions[0].pk,
            )
            assert (await receive(socket))["type"] == "comment.created"

    run(scenario)


def test_the_frame_rate_limit_is_per_connection(live_consultation, settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 0.001, "burst": 1}

    async def scenario():
        async with (
            connected(consultation_path(live_consultation.pk)) as first,
            connected(consultation_path(live_consultation.pk)) as second,
        ):
            await ping_pong(first)
            await first.send_json_to({"type": "ping"})
            assert (await receive(first))["code"] == "rate_limited"
            await ping_pong(second)

    run(scenario)


def test_rate_limited_posts_are_not_saved(live_consultation, citizen_cookie, settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 0.001, "burst": 1}
    _, cookie = citizen_cookie

    async def scenario():
        async with connected(consultation_path(live_consultation.pk), cookie=cookie) as socket:
            await ping_pong(socket)
            await socket.send_json_to(post_frame(live_consultation))
            assert (await receive(socket))["code"] == "rate_limited"

    run(scenario)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("consultation_id", [2**63, 99999999999999999999, 10**39])
def test_an_id_past_the_database_range_closes_the_socket_like_an_unknown_one(
    live_consultation, memory_layer, consultation_id
):
    async def scenario():
        socket = communicator(consultation_path(consultation_id))
        assert await socket.connect(timeout=TIMEOUT) == (False, 4404)
        await socket.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    "text",
    ["[" * 5000 + "]" * 5000, '{"type": "ping", "x": ' + "[" * 30 + "]" * 30 + "}",
     '{"type": "ping\\u0000"}', '{"type": "ping", "x": "\\ud800"}'],
    ids=["deep", "deeper-than-20", "nul", "surrogate"],
)  # fmt: skip
def test_a_frame_nested_too_deep_or_with_bad_characters_gets_an_error(
    live_consultation, memory_layer, text
):
    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as socket:
            await socket.send_to(text_data=text)
            error = await receive(socket)
            assert error["type"] == "error" and error["code"] == "bad_json", error
            await ping_pong(socket)  # still open and usable

    run(scenario)


# --- Catching up on (re)connect -------------------------------------------------


def post(author, consultation, body):
    return actions.do_post_comment(
        author, consultation, body=body, question=consultation.ordered_questions[0].pk
    )


def test_a_page_that_says_its_cursor_gets_what_it_missed_first(live_consultation, make_user):
    """`?after=N`: one live.catch_up frame, the JSON API's answer for N,
    before any live event; a comment posted while it is read follows it."""
    author = make_user(CITIZEN)
    first = post(author, live_consultation, "Antes de desconectarme.")
    missed = [post(author, live_consultation, f"Mientras no estaba {i}.") for i in range(2)]
    path = consultation_path(live_consultation.pk) + f"?after={first.seq}"

    async def scenario():
        async with connected(path) as reader:
            caught = await receive(reader)
            assert caught["type"] == "live.catch_up"
            assert [c["id"] for c in caught["results"]] == [c.pk for c in missed]
            assert caught["results"][0]["body"] == "Mientras no estaba 0."
            assert caught["next_cursor"] == missed[-1].seq
            after = await database_sync_to_async(post)(author, live_consultation, "Ya de vuelta.")
            event = await receive(reader)
            assert (event["type"], event["cursor"]) == ("comment.created", after.seq)
            assert await reader.receive_nothing()

    run(scenario)


@pytest.mark.parametrize("after", ["abc", "-1", "1e3", "9" * 30, ""])
def test_a_bad_cursor_gets_everything_from_the_start(live_consultation, make_user, after):
    author = make_user(CITIZEN)
    comments = [post(author, live_consultation, f"Comentario {i}.") for i in range(2)]
    path = consultation_path(live_consultation.pk) + f"?after={after}"

    async def scenario():
        async with connected(path) as reader:
            caught = await receive(reader)
            assert caught["type"] == "live.catch_up"
            assert [c["id"] for c in caught["results"]] == [c.pk for c in comments]

    run(scenario)


def test_a_cursor_ahead_of_the_consultation_gets_nothing_and_keeps_it(live_consultation):
    ahead = 2**63 - 1
    path = consultation_path(live_consultation.pk) + f"?after={ahead}"

    async def scenario():
        async with connected(path) as reader:
            assert await receive(reader) == {
                "type": "live.catch_up",
                "results": [],
                "next_cursor": ahead,
            }

    run(scenario)


def test_readers_coming_back_at_once_share_one_read(live_consultation, make_user, monkeypatch):
    """A reconnect storm: every page at the same cursor costs one read."""
    from comments import catch_up

    author = make_user(CITIZEN)
    first = post(author, live_consultation, "Antes del corte.")
    missed = post(author, live_consultation, "Durante el corte.")
    reads = []
    original = catch_up.read

    def counted(consultation_id, after):
        reads.append(after)
        return original(consultation_id, after)

    monkeypatch.setattr(catch_up, "read", counted)
    path = consultation_path(live_consultation.pk) + f"?after={first.seq}"

    async def scenario():
        sockets = [communicator(path) for _ in range(5)]
        results = await asyncio.gather(*(s.connect(timeout=TIMEOUT) for s in sockets))
        assert all(ok for ok, _ in results)
        for socket in sockets:
            caught = await receive(socket)
            assert [c["id"] for c in caught["results"]] == [missed.pk]
        for socket in sockets:
            await socket.disconnect()

    run(scenario)
    assert reads == [first.seq]


def test_without_a_cursor_no_catch_up_is_sent(live_consultation, make_user):
    author = make_user(CITIZEN)
    post(author, live_consultation, "Ya estaba en la página.")

    async def scenario():
        async with connected(consultation_path(live_consultation.pk)) as reader:
            assert await reader.receive_nothing()

    run(scenario)
