"""core/fanout.py in a real server (`manage.py serve`, Redis's pub/sub layer):
a client that stops reading is cut off with CLOSE_FELL_BEHIND once its
backlog overflows, and the clients that keep reading receive every event,
in order, once."""

import json
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.sync.client import connect

from comments.events import consultation_group
from core.live import publish_each
from core.sockets import CLOSE_FELL_BEHIND
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]

ORIGIN = "http://127.0.0.1"
READERS = 3
# Enough bytes to fill what the kernel buffers for a client that does not
# read, the server's write buffer and the socket's backlog (256 events).
BATCHES, PER_BATCH, PAD = 20, 100, 8_000
WAIT = 30.0


class Reader(threading.Thread):
    """A client that reads every frame until it has `expected`."""

    def __init__(self, url, expected):
        super().__init__(daemon=True)
        self.url, self.expected = url, expected
        self.received = []
        self.error = None
        self.connected = threading.Event()

    def run(self):
        try:
            with connect(self.url, origin=ORIGIN, open_timeout=WAIT, max_size=2**20) as ws:
                self.connected.set()
                while len(self.received) < self.expected:
                    frame = json.loads(ws.recv(timeout=WAIT))
                    self.received.append(frame["n"])
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            self.connected.set()


def stalled_client(port, path):
    """A websocket client that completes the handshake and never reads
    again, with a small receive buffer so that the kernel holds little."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {ORIGIN}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)  # byte by byte: nothing after the head is consumed
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def read_frames(sock):
    """Every frame the server sent, as (opcode, payload), up to its close."""
    sock.settimeout(WAIT)
    buffer = b""

    def take(n):
        nonlocal buffer
        while len(buffer) < n:
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise EOFError("the server closed the connection without a close frame")
            buffer += chunk
        data, buffer = buffer[:n], buffer[n:]
        return data

    frames = []
    while True:
        first, second = take(2)
        opcode, length = first & 0x0F, second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", take(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", take(8))
        payload = take(length)
        frames.append((opcode, payload))
        if opcode == 0x8:
            return frames


def test_a_client_that_stops_reading_is_cut_off_and_the_others_get_everything(asgi_server):
    index = ConsultationIndexPageFactory(parent=ensure_site())
    consultation = ConsultationPageFactory(parent=index, questions=["¿Qué opinas?"])
    path = f"/ws/consultations/{consultation.pk}/"
    url = asgi_server.url.replace("http://", "ws://") + path
    group = consultation_group(consultation.pk)
    total = BATCHES * PER_BATCH

    stalled = stalled_client(asgi_server.port, path)
    readers = [Reader(url, total) for _ in range(READERS)]
    for reader in readers:
        reader.start()
    for reader in readers:
        assert reader.connected.wait(WAIT) and reader.error is None, reader.error
    try:
        pad = "x" * PAD
        for batch in range(BATCHES):
            events = [
                (group, {"type": "test.event", "n": n, "pad": pad})
                for n in range(batch * PER_BATCH, (batch + 1) * PER_BATCH)
            ]
            # In a thread of its own: a browser test earlier in this process
            # leaves Playwright's event loop running in this thread, where
            # async_to_sync refuses to run (and publish_each would only log).
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(publish_each, events).result()
            # Paced by the readers (Redis disconnects a subscriber that falls
            # far behind): the stalled client is the only one left behind.
            deadline = time.monotonic() + WAIT
            while min(len(r.received) for r in readers) < (batch + 1) * PER_BATCH:
                assert all(r.error is None for r in readers), [r.error for r in readers]
                assert time.monotonic() < deadline, [len(r.received) for r in readers]
                time.sleep(0.02)
        for reader in readers:
            reader.join(WAIT)
            assert reader.error is None
            assert reader.received == list(range(total))  # all, in order, once

        # The stalled client reads at last: a stream without a gap that
        # stops short, then the close code that says "catch up".
        frames = read_frames(stalled)
    finally:
        stalled.close()
    opcode, payload = frames[-1]
    assert opcode == 0x8
    assert struct.unpack("!H", payload[:2])[0] == CLOSE_FELL_BEHIND
    got = [json.loads(p)["n"] for op, p in frames[:-1] if op == 0x1]
    assert got == list(range(len(got)))
    assert 0 < len(got) < total
