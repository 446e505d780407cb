"""Limits at the server's edge (core/socket_limits.py, manage.py serve):
open sockets per address and per person, idle sockets closed, and messages
over the frame limit refused by uvicorn before the app reads them.

The servers are real `manage.py serve` processes (uvicorn with the limits
of PUENTE_SERVER) on the test database, with the socket limits of the base
settings or small ones (tests/core/socket_limits_settings.py) and JSON log
lines, read by the test: each socket's line (core/request_log.py) says how
it ended and how many bytes the app sent on it. The clients are real
websocket clients (`websockets`), and a raw TCP client for the 15 MiB
frames, which it sends whole whatever the server answers, as an attacker
would."""

import asyncio
import json
import os
import socket
import struct
import subprocess
import threading
import time
from contextlib import suppress
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from core.socket_limits import SocketLimits, address_key, sweep_interval
from core.sockets import CLOSE_IDLE, CLOSE_TOO_MANY, MAX_FRAME_BYTES
from tests.core.processes import HTTP, ROOT, Uvicorn, die_with_parent, free_port, stop
from tests.e2e.conftest import database_url_for
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site
from tests.production_helpers import production_env, run_python
from tools.stack import NGINX_TEMPLATE, NO_TLS, nginx_binary, render_template

ORIGIN = "http://127.0.0.1"
WAIT = 30.0  # the longest any single wait may take, in seconds
MIB = 1024 * 1024

e2e = pytest.mark.e2e


# --- servers and clients ---------------------------------------------------------


@pytest.fixture
def consultation(transactional_db):
    index = ConsultationIndexPageFactory(parent=ensure_site())
    return ConsultationPageFactory(parent=index)


@pytest.fixture
def start_server(transactional_db, tmp_path):
    """start(*args, **live) -> a `manage.py serve *args` process whose
    PUENTE_LIVE is the base settings' changed by `live`; stopped after the test."""
    from django.db import connection

    servers = []

    def start(*args, **live):
        server = Uvicorn(
            "tests.core.socket_limits_settings",
            {"DATABASE_URL": database_url_for(connection), "PUENTE_TEST_LIVE": json.dumps(live)},
            tmp_path / f"server-{len(servers)}.log",
            args,
        )
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def socket_url(server, consultation_id):
    return server.url.replace("http://", "ws://") + f"/ws/consultations/{consultation_id}/"


async def open_socket(url, cookie=None):
    return await connect(
        url,
        origin=ORIGIN,
        additional_headers={"Cookie": cookie} if cookie else None,
        ping_interval=None,
        open_timeout=WAIT,
        close_timeout=WAIT,
        proxy=None,
        max_size=None,
    )


async def open_many(url, count, batch=50):
    sockets = []
    for start in range(0, count, batch):
        size = min(batch, count - start)
        sockets += await asyncio.gather(*(open_socket(url) for _ in range(size)))
    return sockets


async def answers(ws):
    """True when the socket answers a frame (the consumer reads it and
    refuses its type), False when it is closed instead."""
    try:
        await ws.send(json.dumps({"type": "hola"}))
        async with asyncio.timeout(WAIT):
            while True:
                reply = json.loads(await ws.recv())
                if reply["type"] == "error":
                    assert reply["code"] == "unknown_type", reply
                    return True
    except ConnectionClosed:
        return False


async def close_code(ws):
    """The close code the server ended the socket with."""
    async with asyncio.timeout(WAIT):
        await ws.wait_closed()
    return ws.close_code


def request_id(ws):
    return ws.response.headers["X-Request-ID"]


def socket_lines(server):
    lines = []
    for text in server.lines():
        if text.startswith("{"):
            line = json.loads(text)
            if line["logger"] == "puente.request" and line["method"] == "WEBSOCKET":
                lines.append(line)
    return lines


async def ended(server, request_ids):
    """The log lines of these sockets, once the server has written them all
    (after the socket's application returned, its slot freed)."""
    wanted = set(request_ids)
    async with asyncio.timeout(WAIT):
        while True:
            found = {
                line["request_id"]: line
                for line in socket_lines(server)
                if line["request_id"] in wanted
            }
            if len(found) == len(wanted):
                return found
            await asyncio.sleep(0.05)


async def close_all(sockets):
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


# --- open sockets per address and per person ---------------------------------------


@e2e
def test_the_301st_socket_from_one_address_is_refused_and_the_300_stay_open(
    start_server, consultation
):
    server = start_server()  # the defaults: 300 per address
    url = socket_url(server, consultation.pk)

    async def scenario():
        sockets = await open_many(url, 300)
        try:
            extra = await open_socket(url)
            assert await close_code(extra) == CLOSE_TOO_MANY
            assert all(await asyncio.gather(*(answers(ws) for ws in sockets)))
            # The refused socket was accepted (the page sees the code), never
            # reached a consumer (nothing sent) and holds no slot.
            refused = (await ended(server, [request_id(extra)]))[request_id(extra)]
            assert (refused["status"], refused["close_code"], refused["bytes"]) == (101, 4429, 0)

            # A closed socket frees its slot.
            leaving = sockets.pop()
            await leaving.close()
            await ended(server, [request_id(leaving)])
            again = await open_socket(url)
            sockets.append(again)
            assert await answers(again)
            another = await open_socket(url)
            assert await close_code(another) == CLOSE_TOO_MANY
        finally:
            await close_all(sockets)

    asyncio.run(scenario())


@e2e
def test_a_signed_in_person_is_bounded_apart_from_their_address(
    start_server, consultation, make_user
):
    from tests.websocket_helpers import session_cookie

    server = start_server(per_ip=5, per_person=2, idle_seconds=0)
    url = socket_url(server, consultation.pk)
    ana = session_cookie(make_user(email="ana@correo.example")).decode()
    luis = session_cookie(make_user(email="luis@correo.example")).decode()

    async def scenario():
        sockets = []
        try:
            sockets += [await open_socket(url, ana), await open_socket(url, ana)]
            third = await open_socket(url, ana)
            assert await close_code(third) == CLOSE_TOO_MANY
            # The address still has room: others from it get in.
            sockets += [await open_socket(url), await open_socket(url, luis)]
            assert all([await answers(ws) for ws in sockets])
            [line] = (await ended(server, [request_id(third)])).values()
            assert line["close_code"] == CLOSE_TOO_MANY and line["user_id"] is not None

            # One of Ana's closes: she may open one again.
            leaving = sockets.pop(0)
            await leaving.close()
            await ended(server, [request_id(leaving)])
            sockets.append(await open_socket(url, ana))
            assert await answers(sockets[-1])

            # Five from the address: the sixth is refused, whoever opens it.
            sockets.append(await open_socket(url))
            assert all([await answers(ws) for ws in sockets])
            for cookie in (None, luis):
                assert await close_code(await open_socket(url, cookie)) == CLOSE_TOO_MANY
        finally:
            await close_all(sockets)

    asyncio.run(scenario())


@e2e
def test_sockets_the_consumer_refuses_free_their_slots(start_server, consultation):
    server = start_server(per_ip=2, idle_seconds=0)
    unknown = socket_url(server, consultation.pk + 1000)
    url = socket_url(server, consultation.pk)

    async def refused_lines(count):
        # Each written once the socket's application returned (its slot freed).
        async with asyncio.timeout(WAIT):
            while len([x for x in socket_lines(server) if x["status"] == 403]) < count:
                await asyncio.sleep(0.05)

    async def scenario():
        for attempt in range(1, 5):  # no such consultation: the consumer refuses it (4404)
            with pytest.raises(InvalidStatus) as refused:
                await open_socket(unknown)
            assert refused.value.response.status_code == 403
            await refused_lines(attempt)
        sockets = [await open_socket(url), await open_socket(url)]
        try:
            assert all([await answers(ws) for ws in sockets])
        finally:
            await close_all(sockets)

    asyncio.run(scenario())


class Nginx:
    """nginx with deploy/nginx/puente.conf.template rendered in front of
    one app server, as a deployment runs it (without TLS)."""

    def __init__(self, app, folder):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        prefix = Path(folder) / "nginx"
        prefix.mkdir()
        self.log = prefix / "error.log"
        (prefix / "puente.conf").write_text(
            render_template(
                NGINX_TEMPLATE.read_text(),
                {
                    "PUENTE_UPSTREAM_SERVERS": f"server 127.0.0.1:{app.port};",
                    "PUENTE_LISTEN": f"127.0.0.1:{self.port}",
                    "PUENTE_SERVER_NAME": "127.0.0.1",
                    "PUENTE_STATIC_ROOT": str(prefix / "static"),
                    "PUENTE_MEDIA_ROOT": str(prefix / "media"),
                    "PUENTE_CLIENT_MAX_BODY_SIZE": "1m",
                    "PUENTE_TLS_INCLUDE": str(NO_TLS),
                },
            )
        )
        # Workers as the test's user: the test's folders are private to it.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        temp = "".join(f"{kind}_temp_path {prefix / kind}; " for kind in ("client_body", "proxy"))
        (prefix / "nginx.conf").write_text(
            f"{user}worker_processes 1; pid {prefix / 'nginx.pid'}; error_log {self.log} warn;\n"
            "events { worker_connections 2048; }\n"
            f"http {{ access_log off; {temp} include {prefix / 'puente.conf'}; }}\n"
        )
        command = [nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
        command += ["-e", str(self.log)]
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + WAIT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log.read_text(errors='replace')}")
            try:
                HTTP.open(self.url + "/health/live", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline:
                    stop(self.process)
                    raise RuntimeError(f"nginx did not start: see {self.log}") from None
                time.sleep(0.1)

    def stop(self):
        stop(self.process)


@e2e
def test_nginx_refuses_the_301st_socket_from_one_address_across_app_processes(
    start_server, consultation, tmp_path
):
    # The app's own bound off: what refuses is nginx's limit_conn.
    app = start_server(per_ip=0)
    nginx = Nginx(app, tmp_path)
    url = socket_url(nginx, consultation.pk)

    async def scenario():
        sockets = await open_many(url, 300)
        try:
            with pytest.raises(InvalidStatus) as refused:
                await open_socket(url)
            assert refused.value.response.status_code == 429
            assert all(await asyncio.gather(*(answers(ws) for ws in sockets)))
        finally:
            await close_all(sockets)

    try:
        asyncio.run(scenario())
    finally:
        nginx.stop()
    assert 'limiting connections by zone "puente_sockets"' in nginx.log.read_text()


# --- idle sockets ---------------------------------------------------------------------


@e2e
def test_a_socket_without_frames_is_closed_as_idle_and_a_talking_one_stays(
    start_server, consultation
):
    server = start_server(idle_seconds=3)
    url = socket_url(server, consultation.pk)

    async def scenario():
        silent, talking = await open_socket(url), await open_socket(url)
        stop = asyncio.Event()

        async def talk():
            while not stop.is_set():
                assert await answers(talking)
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.4)

        chatter = asyncio.create_task(talk())
        try:
            assert await close_code(silent) == CLOSE_IDLE
            stop.set()
            await chatter
            assert await answers(talking)
            [line] = (await ended(server, [request_id(silent)])).values()
            assert (line["status"], line["close_code"]) == (101, CLOSE_IDLE)
        finally:
            stop.set()
            await close_all([silent, talking])

    asyncio.run(scenario())


# --- message size ----------------------------------------------------------------------


@e2e
def test_a_message_over_16_kib_is_closed_1009_before_the_app_reads_it(start_server, consultation):
    server = start_server()
    url = socket_url(server, consultation.pk)

    async def scenario():
        at_limit, over = await open_socket(url), await open_socket(url)
        try:
            # 16 KiB reaches the consumer, which refuses it as not JSON.
            await at_limit.send("x" * MAX_FRAME_BYTES)
            reply = json.loads(await asyncio.wait_for(at_limit.recv(), WAIT))
            assert (reply["type"], reply["code"]) == ("error", "bad_json")
            await over.send("x" * (17 * 1024))
            assert await close_code(over) == 1009
            [line] = (await ended(server, [request_id(over)])).values()
            assert (line["close_code"], line["bytes"]) == (1009, 0)
        finally:
            await close_all([at_limit, over])

    asyncio.run(scenario())


@e2e
def test_make_run_serves_with_the_same_frame_limit(start_server, consultation):
    # `make run` is `manage.py serve --reload`: uvicorn's reloader, whose
    # worker process gets the same options.
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py serve --reload" in recipe
    server = start_server("--reload")
    url = socket_url(server, consultation.pk)

    async def scenario():
        ws = await open_socket(url)
        try:
            assert await answers(ws)
            await ws.send("x" * (MAX_FRAME_BYTES + 1))
            assert await close_code(ws) == 1009
        finally:
            await ws.close()

    asyncio.run(scenario())


def vm_kib(pid, field):
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith(field + ":"):
            return int(text.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


class RawAttacker(threading.Thread):
    """Opens a websocket by hand and sends one binary message of `size`
    bytes, whole, whatever the server answers; keeps the close code the
    server sent, if it read one before the connection was reset."""

    ZEROS = memoryview(bytes(MIB))

    def __init__(self, port, path, size):
        super().__init__(daemon=True)
        self.port, self.path, self.size = port, path, size
        self.status_line = b""
        self.close_code = None
        self.sent = 0

    def run(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=WAIT) as sock:
            sock.sendall(
                (
                    f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    f"Sec-WebSocket-Version: 13\r\nOrigin: {ORIGIN}\r\n\r\n"
                ).encode()
            )
            response = b""
            while b"\r\n\r\n" not in response:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                response += chunk
            self.status_line = response.split(b"\r\n", 1)[0]
            # FIN + binary, masked (with a zero key: the payload goes as it is), 64-bit length.
            header = struct.pack("!BBQ", 0x82, 0x80 | 127, self.size) + bytes(4)
            with suppress(OSError):
                sock.sendall(header)
                while self.sent < self.size:
                    part = self.ZEROS[: min(MIB, self.size - self.sent)]
                    sock.sendall(part)
                    self.sent += len(part)
            with suppress(OSError):
                data = sock.recv(64)
                if len(data) >= 4 and data[0] == 0x88:
                    self.close_code = struct.unpack("!H", data[2:4])[0]


@e2e
def test_twenty_messages_of_15_mib_end_their_connections_and_not_the_servers_memory(
    start_server, consultation
):
    server = start_server()
    pid = server.process.pid
    path = f"/ws/consultations/{consultation.pk}/"
    url = socket_url(server, consultation.pk)

    async def warm_up():
        # The first sockets import and cache what every later one uses.
        sockets = await open_many(url, 20)
        assert all([await answers(ws) for ws in sockets])
        await close_all(sockets)
        await ended(server, [request_id(ws) for ws in sockets])

    asyncio.run(warm_up())
    before = vm_kib(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS from here on

    attackers = [RawAttacker(server.port, path, 15 * MIB) for _ in range(20)]
    for attacker in attackers:
        attacker.start()
    for attacker in attackers:
        attacker.join(WAIT)
        assert not attacker.is_alive()
    deadline = time.monotonic() + WAIT
    while len(socket_lines(server)) < 20 + 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    peak, after = vm_kib(pid, "VmHWM"), vm_kib(pid, "VmRSS")
    print(f"server RSS KiB: before {before}, peak {peak}, after {after}")

    assert all(a.status_line == b"HTTP/1.1 101 Switching Protocols" for a in attackers)
    assert {a.close_code for a in attackers} <= {1009, None}
    assert any(a.close_code == 1009 for a in attackers)
    # Every connection ended at its message: 1009, and the consumer sent
    # nothing (it would have answered a message it read with an error).
    lines = socket_lines(server)[20:]
    assert len(lines) == 20
    assert {(line["status"], line["close_code"], line["bytes"]) for line in lines} == {
        (101, 1009, 0)
    }
    # The server's memory: the peak while the 300 MiB arrived, and after.
    assert peak - before < 20 * 1024, (before, peak, after)
    assert after - before < 20 * 1024, (before, peak, after)

    async def still_serving():
        ws = await open_socket(url)
        try:
            assert await answers(ws)
        finally:
            await ws.close()

    asyncio.run(still_serving())


# --- in process: the middleware itself -----------------------------------------------


@pytest.mark.parametrize(
    ("client", "key"),
    [
        (("203.0.113.7", 50000), "203.0.113.7"),
        (("2001:db8:1:2:aaaa::1", 443), "2001:db8:1:2::/64"),
        (("2001:db8:1:2:bbbb::9", 443), "2001:db8:1:2::/64"),
        (("::ffff:198.51.100.4", 1), "198.51.100.4"),
        (("unix-peer", 0), "unix-peer"),
        (None, None),
    ],
)
def test_what_address_a_socket_counts_against(client, key):
    assert address_key({"type": "websocket", "client": client}) == key


def test_the_sweeper_looks_a_few_times_per_timeout_within_bounds():
    assert sweep_interval(600) == 30.0
    assert sweep_interval(2) == 0.5
    assert sweep_interval(0.01) == 0.05


class Broken(Exception):
    pass


async def accept_then_raise(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    raise Broken


async def accept_and_wait(scope, receive, send):
    await receive()
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


SCOPE = {"type": "websocket", "path": "/ws/x/", "client": ("198.51.100.9", 1234)}


def test_a_consumer_that_raises_frees_its_slot(settings):
    settings.PUENTE_LIVE = {**settings.PUENTE_LIVE, "per_ip": 1, "idle_seconds": 0}
    asyncio.run(raising_scenario(SocketLimits(accept_then_raise)))


async def raising_scenario(raising):
    app = ApplicationCommunicator(raising, dict(SCOPE))
    await app.send_input({"type": "websocket.connect"})
    assert (await app.receive_output(1))["type"] == "websocket.accept"
    with pytest.raises(Broken):
        await app.wait(1)
    assert raising.open_sockets("198.51.100.9") == 0 and raising.open_sockets() == 0

    # The same middleware takes the address's one socket again.
    raising.app = accept_and_wait
    second = ApplicationCommunicator(raising, dict(SCOPE))
    await second.send_input({"type": "websocket.connect"})
    assert (await second.receive_output(1))["type"] == "websocket.accept"
    assert raising.open_sockets("198.51.100.9") == 1
    third = ApplicationCommunicator(raising, dict(SCOPE))
    await third.send_input({"type": "websocket.connect"})
    assert (await third.receive_output(1))["type"] == "websocket.accept"
    assert await third.receive_output(1) == {"type": "websocket.close", "code": CLOSE_TOO_MANY}
    await third.wait(1)
    await second.send_input({"type": "websocket.disconnect", "code": 1000})
    await second.wait(1)
    assert raising.open_sockets() == 0


def test_zero_switches_a_limit_off(settings):
    settings.PUENTE_LIVE = {**settings.PUENTE_LIVE, "per_ip": 0, "idle_seconds": 0}
    asyncio.run(unlimited_scenario(SocketLimits(accept_and_wait)))


async def unlimited_scenario(limits):
    apps = [ApplicationCommunicator(limits, dict(SCOPE)) for _ in range(400)]
    for app in apps:
        await app.send_input({"type": "websocket.connect"})
    for app in apps:
        assert (await app.receive_output(1))["type"] == "websocket.accept"
    assert limits.open_sockets("198.51.100.9") == 400
    for app in apps:
        await app.send_input({"type": "websocket.disconnect", "code": 1000})
        await app.wait(1)
    assert limits.open_sockets() == 0 and limits.by_address == {}


def test_an_idle_socket_is_closed_once_and_what_follows_goes_nowhere(settings):
    settings.PUENTE_LIVE = {**settings.PUENTE_LIVE, "idle_seconds": 0.2}
    asyncio.run(idle_scenario())


async def idle_scenario():
    sent = []
    inner_send = None

    async def keep_send(scope, receive, send):
        nonlocal inner_send
        inner_send = send
        await accept_and_wait(scope, receive, send)

    limits = SocketLimits(keep_send)
    app = ApplicationCommunicator(limits, dict(SCOPE))
    await app.send_input({"type": "websocket.connect"})
    sent.append(await app.receive_output(1))
    sent.append(await app.receive_output(2))
    # The application writes after the close (an event reaching it late): dropped.
    await inner_send({"type": "websocket.send", "text": "{}"})
    await app.send_input({"type": "websocket.disconnect", "code": CLOSE_IDLE})
    await app.wait(1)
    assert sent == [{"type": "websocket.accept"}, {"type": "websocket.close", "code": CLOSE_IDLE}]
    assert app.output_queue.empty()
    assert limits.open_sockets() == 0


# --- settings -------------------------------------------------------------------------

SHOW_LIVE = (
    "import json; from django.conf import settings as s;"
    "print(json.dumps([s.PUENTE_LIVE, s.PUENTE_SERVER['ws_per_message_deflate']]))"
)


def test_production_reads_the_socket_limits_from_the_environment():
    result = run_python(
        "import django; django.setup();" + SHOW_LIVE,
        production_env(
            PUENTE_WS_PER_IP="50",
            PUENTE_WS_PER_PERSON="0",
            PUENTE_WS_IDLE_SECONDS="120",
            PUENTE_WS_PER_MESSAGE_DEFLATE="true",
        ),
    )
    assert result.returncode == 0, result.stderr
    live, deflate = json.loads(result.stdout)
    assert (live["per_ip"], live["per_person"], live["idle_seconds"]) == (50, 0, 120)
    assert deflate is True


def test_production_defaults_for_the_socket_limits():
    result = run_python("import django; django.setup();" + SHOW_LIVE, production_env())
    assert result.returncode == 0, result.stderr
    live, deflate = json.loads(result.stdout)
    assert (live["per_ip"], live["per_person"], live["idle_seconds"]) == (300, 20, 600)
    assert deflate is False


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("PUENTE_WS_PER_IP", "many", "must be a whole number (got 'many')"),
        ("PUENTE_WS_PER_PERSON", "-1", "at least 0"),
        ("PUENTE_WS_IDLE_SECONDS", "10m", "must be a whole number (got '10m')"),
        ("PUENTE_WS_PER_MESSAGE_DEFLATE", "maybe", "PUENTE_WS_PER_MESSAGE_DEFLATE"),
    ],
)
def test_a_bad_socket_limit_stops_startup_naming_it(variable, value, problem):
    result = run_python("import django; django.setup()", production_env(**{variable: value}))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"puente: configuration error: {variable} "), line
    assert problem in line, line
