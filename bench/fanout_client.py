"""The websocket clients of bench/fanout, in an asyncio process of their own
so that their work does not share the poster's interpreter.

    python -m bench.fanout_client '{"urls": [...], "apis": [...], "count": 1000,
                                    "compression": "deflate", "first_address": 1}'

Client n connects to urls[n % len(urls)] from a loopback address of its
own (127.<first_address>.x.y), as readers behind many addresses do, so that
a bound on sockets per address does not refuse the bench. It prints
{"event": "ready", ...} once all are connected, then obeys one JSON command
per stdin line and answers each with one JSON line on stdout:

- collect {expected, timeout}: waits for `expected` frames (all clients
  together) and returns every frame received since the last collect:
  [client, monotonic time, cursor, type, comment id]; plus the client
  process's CPU, the bytes read from the sockets (the wire: headers,
  compression and pings included) and how many sockets were closed by then.
- drop: every socket is cut at once (the TCP connection aborted, no closing
  handshake: a network failure or a server that vanished); returns each
  client's last cursor.
- reconnect: every client reconnects at once (a few retries with backoff
  for a refused or failed handshake), then asks the API for what it missed
  (`GET <api>?after=<cursor>`, following next_cursor); returns the seconds
  until all were connected and until all had caught up, and the ids each
  client caught up.
- slow_open {url} / slow_close: one more client on a raw TCP socket with a
  small receive buffer that completes the handshake and never reads;
  slow_close reads what reached it and reports how the socket ended.
- big_frames {url, count, mib}: `count` sockets at once each send one
  binary frame of `mib` MiB; returns the close code each saw.
- quit.
"""

import asyncio
import base64
import json
import os
import resource
import socket
import struct
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

ORIGIN = "http://127.0.0.1"
CONNECT_CONCURRENCY = 50
CONNECT_TIMEOUT = 240  # seconds for all clients to connect
DUPLICATE_GRACE = 1.0  # seconds to keep listening once everything arrived
RECONNECT_ATTEMPTS = 6
# A reconnected socket's first frame when it says its cursor (comments/catch_up.py).
CATCH_UP_PREFIX = '{"type": "live.catch_up"'
CATCH_UP_WAIT = 30  # seconds
SLOW_RCVBUF = 4096


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def address(first, n):
    """Client n's loopback source address."""
    return f"127.{first + n // 62_500}.{(n // 250) % 250}.{n % 250 + 1}"


def say(**message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- raw websocket frames (the slow client and the big frames) ------------------


def handshake(sock, url):
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {ORIGIN}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: nothing past the response is consumed
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    status = int(head.split(b" ", 2)[1])
    if status != 101:
        raise ConnectionError(f"handshake answered {status}")


def read_frames(data):
    """(text frames, the close codes in order) in server->client bytes
    (unmasked, uncompressed: the raw clients offer no extension)."""
    texts, closes, at = 0, [], 0
    while at + 2 <= len(data):
        opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
        at += 2
        if length == 126:
            if at + 2 > len(data):
                break
            (length,) = struct.unpack("!H", data[at : at + 2])
            at += 2
        elif length == 127:
            if at + 8 > len(data):
                break
            (length,) = struct.unpack("!Q", data[at : at + 8])
            at += 8
        payload = data[at : at + length]
        at += length
        if opcode == 1:
            texts += 1
        elif opcode == 8:
            closes.append(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005)
    return texts, closes


def read_all(sock, timeout):
    sock.settimeout(timeout)
    data = bytearray()
    ended = "open"
    try:
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                ended = "closed by the server"
                break
            data += chunk
    except TimeoutError:
        pass
    except OSError as error:
        ended = f"reset ({error.__class__.__name__})"
    return bytes(data), ended


def big_frame(url, source, payload):
    """Sends one masked binary frame of len(payload) bytes (mask 0: the
    payload is sent as it is, without a copy); returns the close code seen."""
    parts = urlsplit(url)
    sock = socket.socket()
    try:
        sock.bind((source, 0))
        sock.connect((parts.hostname, parts.port))
        handshake(sock, url)
        header = bytes([0x82, 0x80 | 127]) + struct.pack("!Q", len(payload)) + b"\0\0\0\0"
        try:
            sock.sendall(header)
            sock.sendall(payload)
        except OSError:
            pass  # the server stopped reading: its close frame tells why
        data, ended = read_all(sock, 5)
        _texts, codes = read_frames(data)
        return "/".join(map(str, codes)) or ended
    except OSError as error:
        return f"error {error!r}"
    finally:
        sock.close()


# --- the clients -------------------------------------------------------------------


async def http_get(url, source):
    """GET over a fresh HTTP/1.1 connection from `source`; (status, JSON body)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(
        parts.hostname, parts.port, local_addr=(source, 0)
    )
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    writer.write(
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: application/json\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        decoded, rest = bytearray(), body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            decoded += rest[:size]
            rest = rest[size + 2 :]
        body = bytes(decoded)
    return status, (json.loads(body) if status == 200 else body[:200].decode(errors="replace"))


async def client_main(options):
    from websockets.asyncio.client import ClientConnection, connect
    from websockets.exceptions import ConnectionClosed

    urls, apis, count = options["urls"], options["apis"], options["count"]
    compression = options["compression"]
    first = options.get("first_address", 1)
    loop = asyncio.get_running_loop()
    wire = [0]  # bytes read from all sockets

    class Counting(ClientConnection):
        def data_received(self, data):
            wire[0] += len(data)
            super().data_received(data)

    receipts = []  # (client, monotonic time, frame)
    catch_ups = {}  # client -> future of its live.catch_up frame
    last = {}  # client -> last frame
    closed = {}  # client -> reason, for sockets that ended while expected open
    connections = {}
    readers = {}
    extensions = Counter()
    slow = {}

    async def read(client, ws):
        try:
            async for frame in ws:
                if frame.startswith(CATCH_UP_PREFIX):
                    waiting = catch_ups.pop(client, None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(json.loads(frame))
                    continue
                receipts.append((client, time.monotonic(), frame))
                last[client] = frame
        except ConnectionClosed as error:
            closed[client] = f"{error.rcvd.code if error.rcvd else 'no close frame'}"
        else:
            closed[client] = f"{ws.close_code}"

    async def open_one(client, gate, attempts=1, query=""):
        error = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(0.25 * 2**attempt)
            try:
                async with gate:
                    ws = await connect(
                        urls[client % len(urls)] + query,
                        origin=ORIGIN,
                        ping_interval=None,  # the server pings; answering is automatic
                        open_timeout=60,
                        close_timeout=2,
                        compression=compression,
                        proxy=None,
                        max_size=None,
                        create_connection=Counting,
                        local_addr=(address(first, client), 0),
                    )
            except Exception as failure:  # counted and reported
                error = failure
                continue
            extensions[ws.response.headers.get("Sec-WebSocket-Extensions", "none")] += 1
            connections[client] = ws
            closed.pop(client, None)
            readers[client] = asyncio.create_task(read(client, ws))
            return attempt, None
        return attempts, repr(error)

    async def reconnect_all(cursors):
        started = time.monotonic()
        connected_at, caught_up_at = [], []
        caught, failures = {}, Counter()
        herd = asyncio.Semaphore(len(cursors) or 1)  # everyone at once

        async def come_back(client, cursor):
            after = cursor or 0
            # As live.js does: the socket says the cursor and its first frame
            # is what was missed (live.catch_up); the JSON API only if it is
            # not sent or holds a full page.
            catch_ups[client] = loop.create_future()
            tries, error = await open_one(
                client, herd, attempts=RECONNECT_ATTEMPTS, query=f"?after={after}"
            )
            if error:
                failures[error[:120]] += 1
                return
            if tries:
                failures[f"connected after {tries} retries"] += 1
            connected_at.append(time.monotonic() - started)
            ids = []
            try:
                frame = await asyncio.wait_for(catch_ups[client], CATCH_UP_WAIT)
            except (TimeoutError, KeyError):
                failures["no live.catch_up frame: caught up over HTTP"] += 1
            else:
                ids = [c["id"] for c in frame["results"]]
                if len(frame["results"]) < 500:
                    caught[client] = ids
                    caught_up_at.append(time.monotonic() - started)
                    return
                after = frame["next_cursor"]
            api = apis[client % len(apis)]
            for _page in range(10):
                try:
                    status, body = await http_get(f"{api}?after={after}", address(first, client))
                except OSError as failure:
                    failures[f"catch-up {failure!r}"[:120]] += 1
                    return
                if status != 200:
                    failures[f"catch-up answered {status}: {body}"[:120]] += 1
                    return
                ids += [c["id"] for c in body["results"]]
                if not body["results"] or body["next_cursor"] <= after:
                    break
                after = body["next_cursor"]
                if len(body["results"]) < 500:
                    break
            caught[client] = ids
            caught_up_at.append(time.monotonic() - started)

        await asyncio.gather(*(come_back(c, cur) for c, cur in cursors.items()))
        return {
            "connected": len(connected_at),
            "caught_up": len(caught_up_at),
            "connect_s": round(max(connected_at), 2) if connected_at else None,
            "caught_up_s": round(max(caught_up_at), 2) if caught_up_at else None,
            "caught": caught,
            "failures": dict(failures.most_common(5)),
        }

    started = time.monotonic()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(open_one(c, gate) for c in range(count))), CONNECT_TIMEOUT
        )
    except TimeoutError:
        outcomes = [(0, f"not all connected within {CONNECT_TIMEOUT} s")]
    errors = sorted({e for _a, e in outcomes if e})
    say(
        event="ready",
        connected=len(connections),
        failed=count - len(connections),
        errors=errors[:5],
        seconds=round(time.monotonic() - started, 2),
        extensions=dict(extensions),
    )

    mark = 0
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line.strip():
            break
        command = json.loads(line)
        do = command["do"]
        if do == "quit":
            break
        if do == "collect":
            expected, timeout = command["expected"], command["timeout"]
            deadline = time.monotonic() + timeout
            while len(receipts) - mark < expected and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            timed_out = len(receipts) - mark < expected
            await asyncio.sleep(DUPLICATE_GRACE)
            batch, mark = receipts[mark:], len(receipts)
            rows = []
            for client, at, frame in batch:
                try:
                    event = json.loads(frame)
                    comment = event.get("comment") or {}
                    rows.append(
                        [client, at, event.get("cursor"), event.get("type"), comment.get("id")]
                    )
                except ValueError:
                    rows.append([client, at, None, "unparsed", None])
            say(
                event="collected",
                receipts=rows,
                timed_out=timed_out,
                closed=len(closed),
                closed_reasons=dict(Counter(closed.values()).most_common(5)),
                cpu=cpu(),
                wire=wire[0],
            )
        elif do == "drop":
            cursors = {}
            for client, ws in connections.items():
                try:
                    cursors[client] = json.loads(last[client]).get("cursor")
                except (KeyError, ValueError):
                    cursors[client] = None
                ws.transport.abort()
            await asyncio.gather(*readers.values(), return_exceptions=True)
            connections.clear()
            readers.clear()
            closed.clear()
            say(event="dropped", cursors=cursors)
        elif do == "reconnect":
            cursors = {int(k): v for k, v in command["cursors"].items()}
            say(event="reconnected", **(await reconnect_all(cursors)))
        elif do == "slow_open":
            parts = urlsplit(command["url"])
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SLOW_RCVBUF)
            sock.bind((address(first + 100, 0), 0))
            await loop.run_in_executor(None, sock.connect, (parts.hostname, parts.port))
            await loop.run_in_executor(None, handshake, sock, command["url"])
            slow["sock"] = sock
            say(event="slow_opened")
        elif do == "slow_close":
            sock = slow.pop("sock")
            data, ended = await loop.run_in_executor(None, read_all, sock, 3)
            sock.close()
            texts, codes = read_frames(data)
            code = "/".join(map(str, codes)) or None
            say(event="slow_closed", frames=texts, close_code=code, ended=ended, bytes=len(data))
        elif do == "big_frames":
            payload = memoryview(os.urandom(1 << 20) * command["mib"])
            with ThreadPoolExecutor(command["count"]) as pool:
                codes = await asyncio.gather(
                    *(
                        loop.run_in_executor(
                            pool, big_frame, command["url"], address(first + 101, n), payload
                        )
                        for n in range(command["count"])
                    )
                )
            del payload
            say(event="big_frames_sent", codes=dict(Counter(str(c) for c in codes)))
    await asyncio.gather(
        *(asyncio.wait_for(ws.close(), 5) for ws in connections.values()),
        return_exceptions=True,
    )
    for task in readers.values():
        task.cancel()
    say(event="bye")


def main(argv):
    raise_fd_limit()
    options = json.loads(argv[0])
    try:
        import uvloop

        uvloop.run(client_main(options))
    except ImportError:
        asyncio.run(client_main(options))


if __name__ == "__main__":
    main(sys.argv[1:])
