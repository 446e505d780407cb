"""Websocket fan-out: N clients on one consultation, served by real uvicorn
processes sharing the Redis channel layer; comments posted through
`do_post_comment` in this process at a steady rate and in a burst.

Latency is from the moment `core.live.publish` is called (just after
the commit) to the moment a client's frame is read. Clients run in one
asyncio subprocess (`python -m bench.fanout client ...`) so that their work
does not share this process's interpreter with the poster. Timestamps are
`time.monotonic()`, one system-wide clock on Linux.

Run it under `tools/services.py` (it needs REDIS_URL and a database that
server processes can open: PostgreSQL)."""

import asyncio
import json
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ORIGIN = "http://127.0.0.1"
SERVER_COUNTS = (1, 2)
CLIENT_COUNTS = (100, 1_000)
# (label, comments per second, comments)
PHASES = (("steady", 2, 40), ("burst", 20, 60))
CONNECT_CONCURRENCY = 50
CONNECT_TIMEOUT = 90  # seconds for all clients of one configuration
DRAIN_TIMEOUT = 30  # seconds after the last post for every frame to arrive
DUPLICATE_GRACE = 1.0  # seconds to keep listening once everything arrived
# What the clients offer: browsers offer permessage-deflate, and uvicorn accepts it,
# so every frame is compressed once per client. None: uncompressed frames.
COMPRESSION = "deflate"
ROOT = Path(__file__).resolve().parents[1]


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- the client process -------------------------------------------------------


async def client_main(urls, count, compression):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    loop = asyncio.get_running_loop()
    receipts = []  # (client, monotonic time, raw frame)
    closed = {}  # client -> reason, for connections that ended early
    failures = []
    connections = {}
    readers = set()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    def say(**message):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def read(client, ws):
        try:
            async for frame in ws:
                receipts.append((client, time.monotonic(), frame))
        except ConnectionClosed as error:
            closed[client] = repr(error)
        else:
            closed[client] = "closed"

    async def open_one(client):
        async with gate:
            try:
                ws = await connect(
                    urls[client % len(urls)],
                    origin=ORIGIN,
                    ping_interval=None,  # the server pings; answering is automatic
                    open_timeout=30,
                    close_timeout=2,
                    compression=compression,
                )
            except Exception as error:  # counted and reported
                failures.append(repr(error))
                return
        connections[client] = ws
        task = asyncio.create_task(read(client, ws))
        readers.add(task)

    started = time.monotonic()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(open_one(c) for c in range(count))), CONNECT_TIMEOUT
        )
    except TimeoutError:
        failures.append(f"not all connected within {CONNECT_TIMEOUT} s")
    say(
        event="ready",
        connected=len(connections),
        failed=count - len(connections),
        errors=sorted(set(failures))[:5],
        seconds=round(time.monotonic() - started, 2),
    )

    mark = 0
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).split()
        if not line or line[0] == "quit":
            break
        if line[0] == "collect":
            expected, timeout = int(line[1]), float(line[2])
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
                    rows.append([client, at, event.get("cursor"), event.get("type")])
                except ValueError:
                    rows.append([client, at, None, "unparsed"])
            usage = resource.getrusage(resource.RUSAGE_SELF)
            say(
                event="collected",
                receipts=rows,
                timed_out=timed_out,
                closed=len(closed),
                closed_reasons=sorted(set(closed.values()))[:5],
                cpu=usage.ru_utime + usage.ru_stime,
            )
    await asyncio.gather(
        *(asyncio.wait_for(ws.close(), 5) for ws in connections.values()),
        return_exceptions=True,
    )
    for task in readers:
        task.cancel()
    say(event="bye")


def client_entry(argv):
    raise_fd_limit()
    options = json.loads(argv[0])
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    run(client_main(options["urls"], options["count"], options["compression"]))


class ClientProcess:
    """The websocket clients, driven over stdin/stdout one JSON line at a time."""

    def __init__(self, urls, count, log_path):
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.fanout",
                "client",
                json.dumps({"urls": urls, "count": count, "compression": COMPRESSION}),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def expect(self, event, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"websocket clients: no {event!r} within {timeout} s") from None
        if line is None:
            raise RuntimeError(f"websocket clients exited: see {self.log.name}")
        message = json.loads(line)
        assert message["event"] == event, message["event"]
        return message

    def stop(self):
        try:
            if self.process.poll() is None:
                self.send("quit")
                self.expect("bye", 30)
            self.process.wait(timeout=10)
        except (RuntimeError, OSError, ValueError):
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- server processes ----------------------------------------------------------


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def machine_busy():
    """Busy and total CPU seconds of the whole machine, from /proc/stat."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


def percentile(values, fraction):
    """Nearest rank."""
    if not values:
        return None
    index = max(0, min(len(values) - 1, int(len(values) * fraction + 0.999999) - 1))
    return values[index]


# --- the benchmark ---------------------------------------------------------------


class Poster:
    """Posts comments through the action and notes when each is published."""

    def __init__(self, user, page, question):
        from core import live as events

        self.user, self.page, self.question = user, page, question
        self.events = events
        self.published = {}  # cursor -> (publish called, publish returned)
        self._original = events.publish

        def timed_publish(group, event):
            called = time.monotonic()
            self._original(group, event)
            self.published[event["cursor"]] = (called, time.monotonic())

        events.publish = timed_publish

    def close(self):
        self.events.publish = self._original

    def post(self, count, rate):
        """`count` comments at `rate` per second (as steady as the action allows);
        returns their cursors and the seconds posting took."""
        from comments.actions import do_post_comment

        cursors = []
        start = time.monotonic()
        for n in range(count):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            comment = do_post_comment(
                self.user,
                self.page,
                body=f"Comentario de carga número {n}: el plazo me parece corto.",
                question=self.question.pk,
            )
            cursors.append(comment.seq)
        return cursors, time.monotonic() - start


def redis_cpu(client):
    info = client.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def measure_phase(label, rate, count, servers, clients, poster, redis_client, connected):
    pids = [s.process.pid for s in servers]
    ours = [*pids, clients.process.pid, os.getpid()]
    cpu_before = sum(cpu_seconds(p) for p in pids)
    ours_before = sum(cpu_seconds(p) for p in ours)
    redis_before = redis_cpu(redis_client)
    busy_before, total_before = machine_busy()
    cursors, posting = poster.post(count, rate)
    clients.send(f"collect {count * connected} {DRAIN_TIMEOUT}")
    collected = clients.expect("collected", DRAIN_TIMEOUT + 30)
    server_cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
    redis_used = redis_cpu(redis_client) - redis_before
    busy, total = machine_busy()
    # CPU the machine spent outside the servers, the clients, the poster and
    # Redis (PostgreSQL, other work on a shared machine), in % of all cores.
    others = (busy - busy_before) - (sum(cpu_seconds(p) for p in ours) - ours_before) - redis_used
    others_pct = max(0, round(100 * others / max(total - total_before, 1e-9)))

    wanted = set(cursors)
    pairs = Counter()
    latencies, other = [], 0
    order = defaultdict(list)
    for client, at, cursor, _kind in collected["receipts"]:
        if cursor not in wanted:
            other += 1
            continue
        pairs[(client, cursor)] += 1
        order[client].append(cursor)
        latencies.append((at - poster.published[cursor][0]) * 1000)
    latencies.sort()
    received_clients = len(order)
    lost = count * connected - len(pairs)
    duplicates = sum(n - 1 for n in pairs.values())
    reordered = sum(1 for seen in order.values() if seen != sorted(seen))
    anomalies = {
        "other frames": other,
        "clients that got nothing": connected - received_clients,
        "closed early": collected["closed"],
    }
    notes = "; ".join(f"{k} {v}" for k, v in anomalies.items() if v)
    if collected["timed_out"]:
        notes += f"; not all arrived within {DRAIN_TIMEOUT} s"
    notes = notes.strip("; ") or "-"
    if collected["closed"]:
        notes += f" {collected['closed_reasons']}"
    publish_ms = sorted((b - a) * 1000 for c, (a, b) in poster.published.items() if c in wanted)

    def ms(value):
        return None if value is None else round(value)

    return {
        "servers": len(servers),
        "clients": connected,
        "phase": f"{label} {rate}/s",
        "comments": count,
        "sent in s": round(posting, 1),
        "p50 ms": ms(percentile(latencies, 0.50)),
        "p95 ms": ms(percentile(latencies, 0.95)),
        "p99 ms": ms(percentile(latencies, 0.99)),
        "max ms": ms(latencies[-1] if latencies else None),
        "lost": lost,
        "dups": duplicates,
        "out of order": reordered,
        "server CPU ms/msg": round(server_cpu * 1000 / count, 1),
        "µs/client": round(server_cpu * 1e6 / count / max(1, connected), 1),
        "server RSS MB": round(sum(rss_mb(p) for p in pids)),
        "redis CPU ms/msg": round(redis_used * 1000 / count, 1),
        "client CPU ms/msg": None,  # filled in by the caller
        "publish ms": round(percentile(publish_ms, 0.5), 1),
        "connect s": None,  # filled in by the caller
        "others' CPU %": others_pct,
        "notes": notes,
        "_client_cpu": collected["cpu"],
    }


def run_configuration(server_count, client_count, poster, page, database_url, redis_client, logs):
    from tests.e2e.conftest import ServerProcess

    started = time.monotonic()
    servers, clients = [], None
    try:
        for n in range(server_count):
            servers.append(ServerProcess(database_url, logs / f"server-{server_count}-{n}.log"))
        idle_rss = sum(rss_mb(s.process.pid) for s in servers)
        urls = [
            s.url.replace("http://", "ws://") + f"/ws/consultations/{page.pk}/" for s in servers
        ]
        clients = ClientProcess(
            urls, client_count, logs / f"clients-{server_count}-{client_count}.log"
        )
        ready = clients.expect("ready", CONNECT_TIMEOUT + 30)
        connected = ready["connected"]
        log(
            f"{server_count} server(s) ({round(idle_rss)} MB idle), {connected}/{client_count} "
            f"clients connected in {ready['seconds']} s {ready['errors'] or ''}"
        )
        if connected == 0:
            raise RuntimeError(f"no websocket client connected: {ready['errors']}; see {logs}")
        # One comment first: proves the path works and warms every process up.
        poster.post(1, 1)
        clients.send(f"collect {connected} 15")
        warm = clients.expect("collected", 45)
        if not warm["receipts"]:
            raise RuntimeError(f"the warm-up comment reached no client; see the logs in {logs}")
        rows = []
        client_cpu = warm["cpu"]
        for label, rate, count in PHASES:
            row = measure_phase(
                label, rate, count, servers, clients, poster, redis_client, connected
            )
            cpu = row.pop("_client_cpu")
            row["client CPU ms/msg"] = round((cpu - client_cpu) * 1000 / count, 1)
            client_cpu = cpu
            row["connect s"] = ready["seconds"]
            if ready["failed"]:
                row["notes"] = f"{ready['failed']} failed to connect; {row['notes']}"
            rows.append(row)
            log(
                f"  {row['phase']}: p50 {row['p50 ms']} ms, p99 {row['p99 ms']} ms, "
                f"lost {row['lost']}, dups {row['dups']}"
            )
        return rows
    finally:
        if clients is not None:
            clients.stop()
        for server in servers:
            server.stop()
        log(f"  configuration took {time.monotonic() - started:.0f} s")


def log(message):
    print(f"fanout: {message}", file=sys.stderr, flush=True)


def run():
    import redis
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from tests.e2e.conftest import database_url_for
    from tests.factories import (
        ConsultationIndexPageFactory,
        ConsultationPageFactory,
        UserFactory,
        ensure_site,
    )

    if not os.environ.get("REDIS_URL"):
        raise SystemExit(
            "bench fanout needs REDIS_URL (a Redis the server processes share): run it as\n"
            "  .venv/bin/python tools/services.py --no-search -- .venv/bin/python -m bench fanout"
        )
    if connection.vendor != "postgresql":
        raise SystemExit(
            "bench fanout needs DATABASE_URL to name PostgreSQL: use tools/services.py"
        )
    assert "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    raise_fd_limit()  # inherited by the server processes

    page = ConsultationPageFactory(
        parent=ConsultationIndexPageFactory(parent=ensure_site()),
        questions=["¿Qué opinas del plazo?"],
        sections=[("Objetivo", "Texto del borrador.")],
    )
    question = page.questions.get()
    user = UserFactory()
    database_url = database_url_for(connection)
    redis_client = redis.Redis.from_url(os.environ["REDIS_URL"])
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]
    log(f"channel layer {layer}; phases {PHASES}")
    rows = []
    started = time.monotonic()
    no_limits = {"interval": 0, "new_account_interval": 0, "new_account_days": 0}
    logs = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    with override_settings(PUENTE_COMMENT_RATE_LIMITS=no_limits):
        poster = Poster(user, page, question)
        try:
            for server_count in SERVER_COUNTS:
                for client_count in CLIENT_COUNTS:
                    rows += run_configuration(
                        server_count,
                        client_count,
                        poster,
                        page,
                        database_url,
                        redis_client,
                        logs,
                    )
        except BaseException:
            log(f"failed: the server and client logs are kept in {logs}")
            raise
        else:
            shutil.rmtree(logs, ignore_errors=True)
        finally:
            poster.close()
            redis_client.close()
    log(f"done in {time.monotonic() - started:.0f} s")
    return rows


if __name__ == "__main__" and sys.argv[1:2] == ["client"]:
    client_entry(sys.argv[2:])
