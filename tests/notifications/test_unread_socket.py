"""A person's live unread count, `WS /ws/notifications/`, through the whole
ASGI stack (origin check, session auth, routing, consumer) with an in-memory
layer: a signed-in socket joins its person's own group and nobody else's,
hears the count on connect, when a notice arrives and when notices are
read; anonymous sockets are closed with 4403 and join nothing; every frame
but a ping gets an error frame; every socket is disconnected and the groups
are empty afterwards."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connections

from accounts.models import User
from accounts.roles import CITIZEN
from comments import actions as comment_actions
from core.live import CONTROL_GROUP
from core.sockets import MAX_FRAME_BYTES
from notifications import reading
from notifications.groups import person_group
from tests.comments import conftest as comment_fixtures
from tests.websocket_helpers import (
    TIMEOUT,
    communicator,
    connected,
    local_sockets,
    receive,
    session_cookie,
)

pytestmark = pytest.mark.usefixtures("memory_layer", "no_rate_limits")

# The comment tests' fixtures: an in-memory layer, a consultation in a
# transactional database.
memory_layer = comment_fixtures.memory_layer
live_home = comment_fixtures.live_home
live_consultation = comment_fixtures.live_consultation

PATH = "/ws/notifications/"
FORBIDDEN = 4403
call = database_sync_to_async


def run(scenario):
    """Run an async scenario to its end, in a thread and event loop of its
    own (as tests/moderation/test_queue_socket.py does)."""
    from concurrent.futures import ThreadPoolExecutor

    def in_own_thread():
        try:
            return async_to_sync(scenario)()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_own_thread).result()


def groups_with_members(layer):
    """The layer's groups with members, but the one every process listens on
    (core.live.CONTROL_GROUP)."""
    return {
        name: set(channels)
        for name, channels in layer.groups.items()
        if channels and name != CONTROL_GROUP
    }


@pytest.fixture
def people(live_consultation, make_user):
    return {
        "ana": make_user(CITIZEN, display_name="Ana"),
        "beto": make_user(CITIZEN, display_name="Beto"),
        "carla": make_user(CITIZEN, display_name="Carla"),
    }


@pytest.fixture
def anas_comment(live_consultation, people):
    return comment_actions.do_post_comment(
        people["ana"],
        live_consultation,
        body="Propongo más árboles en la plaza.",
        question=live_consultation.ordered_questions[0].pk,
    )


def reply(consultation, person, parent, body="Estoy de acuerdo, y con bancas."):
    return comment_actions.do_post_comment(person, consultation, body=body, parent=parent.pk)


async def unread(socket):
    frame = await receive(socket)
    assert frame["type"] == "notifications.unread", frame
    return frame["unread"]


# Who listens ------------------------------------------------------------------------


def test_a_person_joins_their_own_group_only_until_they_leave(people, memory_layer):
    ana = people["ana"]
    cookie = session_cookie(ana)

    async def scenario():
        async with connected(PATH, cookie=cookie) as socket:
            assert await unread(socket) == 0
            joined = groups_with_members(memory_layer)
            assert list(joined) == [person_group(ana.pk)] and len(joined[person_group(ana.pk)]) == 1

    run(scenario)
    assert groups_with_members(memory_layer) == {}


def test_two_tabs_of_one_person_both_hear(people, anas_comment, live_consultation, memory_layer):
    ana, beto = people["ana"], people["beto"]
    cookie = session_cookie(ana)

    async def scenario():
        async with connected(PATH, cookie=cookie) as one, connected(PATH, cookie=cookie) as two:
            assert await unread(one) == 0 and await unread(two) == 0
            assert local_sockets(person_group(ana.pk)) == 2
            await call(reply)(live_consultation, beto, anas_comment)
            assert await unread(one) == 1 and await unread(two) == 1

    run(scenario)
    assert groups_with_members(memory_layer) == {}


def test_anonymous_is_closed_with_4403_and_hears_nothing(
    people, anas_comment, live_consultation, memory_layer
):
    async def scenario():
        socket = communicator(PATH)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert ok  # accepted, so that the browser sees the code...
        assert await socket.receive_output(timeout=TIMEOUT) == {
            "type": "websocket.close",
            "code": FORBIDDEN,
        }  # ...then closed
        assert groups_with_members(memory_layer) == {}
        await call(reply)(live_consultation, people["beto"], anas_comment)
        assert await socket.receive_nothing()
        await socket.disconnect()

    run(scenario)
    assert groups_with_members(memory_layer) == {}


@pytest.mark.parametrize(
    "origin", [b"http://evil.example", b"null", None], ids=["evil", "null", "missing"]
)
def test_a_foreign_origin_is_refused(people, memory_layer, origin):
    cookie = session_cookie(people["ana"])

    async def scenario():
        socket = communicator(PATH, cookie=cookie, origin=origin)
        ok, _ = await socket.connect(timeout=TIMEOUT)
        assert not ok
        await socket.disconnect()

    run(scenario)
    assert groups_with_members(memory_layer) == {}


def test_a_deactivated_person_is_closed_at_the_next_ping(people, memory_layer):
    ana = people["ana"]
    cookie = session_cookie(ana)

    async def scenario():
        socket = communicator(PATH, cookie=cookie)
        assert (await socket.connect(timeout=TIMEOUT))[0]
        assert await unread(socket) == 0
        await call(User.objects.filter(pk=ana.pk).update)(is_active=False)
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_output(timeout=TIMEOUT) == {
            "type": "websocket.close",
            "code": FORBIDDEN,
        }
        assert local_sockets(person_group(ana.pk)) == 0
        await socket.disconnect()

    run(scenario)


# What each person hears ---------------------------------------------------------------


def test_the_count_reaches_its_owner_only(people, anas_comment, live_consultation, memory_layer):
    """Beto replies to Ana: Ana's socket hears 1; Beto's and Carla's hear
    nothing. Ana reads it: her socket hears 0."""
    ana, beto, carla = people["ana"], people["beto"], people["carla"]
    cookies = {name: session_cookie(person) for name, person in people.items()}

    async def scenario():
        async with (
            connected(PATH, cookie=cookies["ana"]) as anas,
            connected(PATH, cookie=cookies["beto"]) as betos,
            connected(PATH, cookie=cookies["carla"]) as carlas,
        ):
            for socket in (anas, betos, carlas):
                assert await unread(socket) == 0
            betos_reply = await call(reply)(live_consultation, beto, anas_comment)
            assert await unread(anas) == 1
            assert await betos.receive_nothing() and await carlas.receive_nothing()

            await call(reading.mark_read)(ana)
            assert await unread(anas) == 0
            assert await betos.receive_nothing() and await carlas.receive_nothing()

            # Carla replies to Beto: Beto is told of the reply, Ana (who
            # follows the thread) of new activity in it; Carla hears nothing.
            await call(reply)(live_consultation, carla, betos_reply, "Y fuentes de agua.")
            assert await unread(betos) == 1
            assert await unread(anas) == 1
            assert await carlas.receive_nothing()

    run(scenario)
    assert groups_with_members(memory_layer) == {}


def test_the_count_on_connect_is_the_databases(people, anas_comment, live_consultation):
    reply(live_consultation, people["beto"], anas_comment)
    reply(live_consultation, people["carla"], anas_comment, "Y juegos para niños.")
    cookie = session_cookie(people["ana"])

    async def scenario():
        async with connected(PATH, cookie=cookie) as socket:
            assert await unread(socket) == 2
            await socket.send_json_to({"type": "ping"})
            assert await receive(socket) == {"type": "pong", "unread": 2}

    run(scenario)


# Frames -----------------------------------------------------------------------------------


@pytest.fixture
def generous_frame_limits(settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 100, "burst": 100}


@pytest.mark.usefixtures("generous_frame_limits")
def test_every_frame_but_a_ping_gets_an_error_and_the_socket_stays_open(people, memory_layer):
    ana = people["ana"]
    cookie = session_cookie(ana)
    bad = [
        ({"text_data": "no es JSON"}, "bad_json"),
        ({"text_data": "[1, 2]"}, "bad_frame"),
        ({"text_data": json.dumps({"kind": "ping"})}, "bad_frame"),
        ({"text_data": json.dumps({"type": 5})}, "bad_frame"),
        ({"bytes_data": b'{"type": "ping"}'}, "bad_frame"),
        ({"text_data": json.dumps({"type": "comment.post", "body": "x"})}, "unknown_type"),
        ({"text_data": json.dumps({"type": "ping", "group": "person-1"})}, "bad_frame"),
        ({"text_data": json.dumps({"type": "subscribe", "user": 1})}, "unknown_type"),
        ({"text_data": "x" * (MAX_FRAME_BYTES + 1)}, "too_large"),
    ]

    async def scenario():
        async with connected(PATH, cookie=cookie) as socket:
            assert await unread(socket) == 0
            for frame, code in bad:
                await socket.send_to(**frame)
                answer = await receive(socket)
                assert (answer["type"], answer["code"]) == ("error", code), (frame, answer)
            await socket.send_json_to({"type": "ping"})
            assert await receive(socket) == {"type": "pong", "unread": 0}
            assert list(groups_with_members(memory_layer)) == [person_group(ana.pk)]

    run(scenario)
    assert groups_with_members(memory_layer) == {}


def test_a_flood_of_frames_is_slowed(people, settings):
    settings.PUENTE_WEBSOCKET_FRAME_LIMITS = {"rate": 0.01, "burst": 2}
    cookie = session_cookie(people["ana"])

    async def scenario():
        async with connected(PATH, cookie=cookie) as socket:
            assert await unread(socket) == 0
            answers = []
            for _ in range(4):
                await socket.send_json_to({"type": "ping"})
                answers.append((await receive(socket))["type"])
            assert answers == ["pong", "pong", "error", "error"]

    run(scenario)
