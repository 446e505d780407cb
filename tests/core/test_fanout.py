"""core/fanout.py: one feed per group and process, writes that complete at
once while a client keeps up, a bounded backlog and a cut-off for one that
does not. The sockets here are ASGI send callables whose writes the test
holds back, as a server does while a client's buffer is full; the same
behaviour against a real server and real clients is
tests/e2e/test_live_fanout.py."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from django.test import override_settings

from core import fanout
from core.live import CONTROL_GROUP, EVENT
from core.sockets import CLOSE_FELL_BEHIND


@pytest.fixture
def memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


class Client:
    """An ASGI send callable: records what it is sent; while `held`, each
    write waits as a server's does for a client that is not reading."""

    def __init__(self):
        self.sent = []
        self.held = None

    async def send(self, message):
        if self.held is not None:
            await self.held.wait()
        self.sent.append(message)

    def hold(self):
        self.held = asyncio.Event()

    def release(self):
        self.held.set()
        self.held = None

    @property
    def texts(self):
        return [m["text"] for m in self.sent if m["type"] == "websocket.send"]


def run(scenario):
    asyncio.run(scenario())


def test_start_eagerly_runs_a_coroutine_that_does_not_wait_in_the_callers_turn():
    async def scenario():
        done = []

        async def quick():
            done.append(1)

        async def slow(event):
            await event.wait()
            done.append(2)

        assert fanout.start_eagerly(quick()) is None
        assert done == [1]
        event = asyncio.Event()
        task = fanout.start_eagerly(slow(event))
        assert task is not None and done == [1]
        event.set()
        await task
        assert done == [1, 2]

    run(scenario)


def test_start_eagerly_lets_the_coroutine_see_its_own_errors():
    async def scenario():
        future = asyncio.get_running_loop().create_future()
        seen = []

        async def waits():
            try:
                await future
            except ValueError as error:
                seen.append(str(error))

        task = fanout.start_eagerly(waits())
        future.set_exception(ValueError("lost"))
        await task
        assert seen == ["lost"]

    run(scenario)


async def publish(memory_layer, group, n):
    await memory_layer.group_send(group, {"type": EVENT, "text": json.dumps({"n": n})})


async def settle():
    for _ in range(20):
        await asyncio.sleep(0)


def test_one_layer_channel_serves_every_socket_of_the_process(memory_layer):
    async def scenario():
        clients = [Client() for _ in range(3)]
        await fanout.ready("consultation.7")
        sockets = [fanout.join("consultation.7", c.send) for c in clients]
        # The feed's channel is the group's one member; the control group has its own.
        assert len(memory_layer.groups["consultation.7"]) == 1
        assert len(memory_layer.groups[CONTROL_GROUP]) == 1
        for n in range(5):
            await publish(memory_layer, "consultation.7", n)
        await settle()
        for client in clients:
            assert [json.loads(t)["n"] for t in client.texts] == [0, 1, 2, 3, 4]
        sockets[0].leave()
        await publish(memory_layer, "consultation.7", 5)
        await settle()
        assert len(clients[0].texts) == 5 and len(clients[1].texts) == 6

    run(scenario)


@override_settings(PUENTE_LIVE={"backlog": 3, "per_ip": 0, "per_person": 0, "idle_seconds": 0})
def test_a_socket_that_falls_behind_waits_in_order_then_is_cut_off(memory_layer):
    async def scenario():
        fast, slow = Client(), Client()
        await fanout.ready("consultation.8")
        fanout.join("consultation.8", fast.send)
        fanout.join("consultation.8", slow.send)
        feed = fanout.current().feeds["consultation.8"]

        slow.hold()
        for n in range(3):  # one write waits, two wait behind it
            await publish(memory_layer, "consultation.8", n)
        await settle()
        assert len(fast.texts) == 3 and slow.texts == []
        slow.release()
        await settle()
        # Caught up, in order, once the client read again.
        assert [json.loads(t)["n"] for t in slow.texts] == [0, 1, 2]

        slow.hold()
        for n in range(3, 9):  # one waiting write + 3 in the backlog, then overflow
            await publish(memory_layer, "consultation.8", n)
        await settle()
        assert len(fast.texts) == 9  # the others never waited
        assert len(feed.sockets) == 1  # the slow one left the feed
        assert fanout.current().cut_off == 1
        slow.release()
        await settle()
        assert slow.sent[-1] == {"type": "websocket.close", "code": CLOSE_FELL_BEHIND}
        # What it received is the stream without a gap, up to where it fell behind.
        received = [json.loads(t)["n"] for t in slow.texts]
        assert received == list(range(len(received))) and len(received) < 9

    run(scenario)


def test_a_write_that_fails_drops_only_that_socket(memory_layer):
    async def scenario():
        good = Client()

        async def gone(message):
            raise RuntimeError("Unexpected ASGI message after sending 'websocket.close'")

        await fanout.ready("consultation.9")
        fanout.join("consultation.9", gone)
        fanout.join("consultation.9", good.send)
        await publish(memory_layer, "consultation.9", 1)
        await publish(memory_layer, "consultation.9", 2)
        await settle()
        assert len(good.texts) == 2
        assert len(fanout.current().feeds["consultation.9"].sockets) == 1

    run(scenario)


def test_control_events_reach_their_handlers_in_every_process(memory_layer):
    seen = []
    fanout.on_control("test.changed", seen.append)

    async def scenario():
        await fanout.ready("consultation.10")
        await memory_layer.group_send(
            CONTROL_GROUP, {"type": EVENT, "text": json.dumps({"type": "test.changed", "id": 3})}
        )
        # Malformed control text is ignored, not raised.
        await memory_layer.group_send(CONTROL_GROUP, {"type": EVENT, "text": "not json"})
        await settle()

    try:
        run(scenario)
    finally:
        fanout._control_handlers.pop("test.changed")
    assert seen == [{"type": "test.changed", "id": 3}]


class DownLayer:
    """A channel layer whose server is away: every call fails, as
    channels_redis does when Redis refuses connections."""

    def __init__(self):
        self.calls = 0
        self.up = False
        self.queue = None

    async def new_channel(self, prefix="specific."):
        self.calls += 1
        if not self.up:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return prefix + "x"

    async def group_add(self, group, channel):
        pass

    async def group_discard(self, group, channel):
        pass

    async def receive(self, channel):
        self.queue = self.queue or asyncio.Queue()
        return await self.queue.get()


def test_a_layer_that_is_down_delays_nothing_and_a_resync_follows(monkeypatch):
    layer = DownLayer()
    monkeypatch.setattr(fanout, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(fanout, "RETRY_FIRST", 0.01)

    async def scenario():
        client = Client()
        await fanout.ready("consultation.11")  # returns: the first attempt failed
        fanout.join("consultation.11", client.send)
        assert layer.calls >= 1 and client.texts == []
        layer.up = True
        for _ in range(100):
            if client.texts:
                break
            await asyncio.sleep(0.01)
        assert client.texts == [fanout.RESYNC]

    run(scenario)
