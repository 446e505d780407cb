"""Websocket fan-out: Puente against the raw `websockets` broadcast, in one run.

    .venv/bin/python tools/services.py --no-search -- .venv/bin/python -m bench.fanout [--quick]
    (or `python -m bench fanout`: the full run; BENCH_FANOUT_QUICK=1 for the quick one)

N clients read one consultation. The same clients (bench/fanout_client.py,
an asyncio process of their own, each client from a loopback address of its
own) and the same phases run first against a minimal `websockets` broadcast
server (bench/fanout_raw.py: the limit on this machine, today) and then
against Puente: `manage.py serve` processes (uvicorn with PUENTE_SERVER, as
production runs it) sharing the Redis channel layer. Comments are posted
through `do_post_comment` in this process; latency runs from the call of
`core.live.publish` (just after the commit) to the moment a client reads the
frame; for the raw server the poster publishes the same event JSON to a
Redis pub/sub channel the raw server reads, so both clocks start at the same
call. Timestamps are `time.monotonic()`, one clock for all processes.

Per configuration: the steady phase (2 comments/s), the burst (20 comments/s
for 3 s), and where asked: a reconnect storm (every socket cut at once,
comments posted meanwhile, all clients reconnect at once and catch up by
cursor through the JSON API; checked against the database: no gap, no
duplicate), a slow client (one more socket that never reads, during a burst
long enough to exceed PUENTE_LIVE["backlog"]: the others' p99 with and
without it, the server's RSS and how the slow socket ended), big frames (20
sockets at once each send one 15 MiB frame: the server's peak RSS growth and
the close codes) and permessage-deflate (the steady phase with the server's
deflate on and off, clients offering it or not: server CPU and bytes on the
wire per event). Then Puente's figures as ratios to the raw server's, and
the issue's targets, pass or fail, with the machine's load.

Run it under `tools/services.py` (it needs REDIS_URL and PostgreSQL, which
server processes can open)."""

import argparse
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
from dataclasses import dataclass, field
from pathlib import Path

from bench.procfs import machine_cpu, rss_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
RAW_CHANNEL = "bench-fanout-raw"
DRAIN_TIMEOUT = 30  # seconds after the last post for every frame to arrive
STORM_MISSED = 10  # comments posted while the sockets are down
BIG_FRAMES, BIG_FRAME_MIB = 20, 15

# (label, comments per second, comments)
STEADY = ("steady", 2, 40)
BURST = ("burst", 20, 60)
QUICK_STEADY = ("steady", 2, 10)
QUICK_BURST = ("burst", 20, 20)


@dataclass
class Config:
    kind: str  # "raw" or "puente"
    servers: int
    clients: int
    phases: tuple
    offer_deflate: bool = True  # what the clients offer (browsers do)
    server_deflate: bool | None = None  # None: the settings' own choice
    storm: bool = False
    slow: bool = False
    big: bool = False
    note: str = ""
    rows: list = field(default_factory=list)

    @property
    def name(self):
        who = "raw" if self.kind == "raw" else f"Puente {self.servers}p"
        return f"{who} {self.clients}c{self.note}"


def configurations(quick, default_deflate):
    """What a run measures, in order: the raw broadcast before Puente."""
    n, big_n = (100, 200) if quick else (1_000, 5_000)
    steady, burst = (QUICK_STEADY, QUICK_BURST) if quick else (STEADY, BURST)
    short = (steady[0], steady[1], max(10, steady[2] // 2))
    flipped = not default_deflate
    flip_note = f", server deflate {'on' if flipped else 'off'}"
    return [
        Config("raw", 1, n, (steady, burst), storm=True),
        Config("raw", 1, n, (short,), server_deflate=flipped, note=flip_note),
        Config("puente", 1, n, (steady, burst), storm=True, slow=True, big=True),
        Config("puente", 1, n, (short,), offer_deflate=False, note=", clients offer no deflate"),
        Config("puente", 1, n, (short,), server_deflate=flipped, note=flip_note),
        Config("puente", 2, n, (steady, burst), storm=True),
        Config("raw", 1, big_n, (steady,)),
        Config("puente", 2, big_n, (steady,)),
    ]


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def log(message):
    print(f"fanout: {message}", file=sys.stderr, flush=True)


# --- processes ----------------------------------------------------------------------


def cpu_seconds(pid):
    """utime + stime of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, fraction):
    """Nearest rank."""
    if not values:
        return None
    index = max(0, min(len(values) - 1, int(len(values) * fraction + 0.999999) - 1))
    return values[index]


class PeakRss:
    """Samples the RSS of `pids` every 20 ms while in the block: `before`,
    `peak` and `after` per process, in MB."""

    def __init__(self, pids):
        self.pids = pids
        self.before = {p: rss_mb(p) for p in pids}
        self.peak = dict(self.before)
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.wait(0.02):
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_mb(pid))

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.after = {p: rss_mb(p) for p in self.pids}
        for pid in self.pids:
            self.peak[pid] = max(self.peak[pid], self.after[pid])

    @property
    def growth(self):
        return max(self.peak[p] - self.before[p] for p in self.pids)


def start(argv, env, log_path, ready):
    """A child process tied to this one (PR_SET_PDEATHSIG), waited for with `ready()`."""
    from tests.core.processes import die_with_parent

    log_file = open(log_path, "wb")  # noqa: SIM115 - closed by the owner's stop()
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )
    deadline = time.monotonic() + 60
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            log_file.close()
            raise RuntimeError(f"{argv[2]} did not start: see {log_path}")
        time.sleep(0.1)
    return process, log_file


def answers(url):
    import urllib.request

    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(url, timeout=2)
        return True
    except OSError as error:
        return getattr(error, "code", None) is not None  # an HTTP answer, even 4xx


class Servers:
    """The server processes of one configuration: `manage.py serve` (Puente)
    or bench/fanout_raw.py, one port each."""

    def __init__(self, config, page_id, database_url, logs):
        from tests.core.processes import free_port

        self.config = config
        self.processes = []
        self.urls, self.apis = [], []
        clean = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        try:
            for n in range(config.servers):
                port = free_port()
                base = f"127.0.0.1:{port}"
                api = f"http://{base}/api/v1/consultations/{page_id}/comments/"
                if config.kind == "raw":
                    options = {
                        "port": port,
                        "redis_url": os.environ["REDIS_URL"],
                        "channel": RAW_CHANNEL,
                        "compression": "deflate" if self.deflate_asked() else None,
                    }
                    argv = [sys.executable, "-m", "bench.fanout_raw", json.dumps(options)]
                    env = clean
                else:
                    argv = [sys.executable, "manage.py", "serve", f"--bind={base}"]
                    env = {
                        **clean,
                        "DJANGO_SETTINGS_MODULE": "bench.fanout_settings",
                        "DATABASE_URL": database_url,
                    }
                    if config.server_deflate is not None:
                        env["PUENTE_WS_PER_MESSAGE_DEFLATE"] = "1" if config.server_deflate else "0"
                log_path = logs / f"{config.kind}-{config.servers}-{config.clients}-{n}.log"
                self.processes.append(
                    start(argv, env, log_path, lambda api=api: answers(f"{api}?after=0"))
                )
                self.urls.append(f"ws://{base}/ws/consultations/{page_id}/")
                self.apis.append(api)
        except BaseException:
            self.stop()
            raise

    def deflate_asked(self):
        from django.conf import settings

        if self.config.server_deflate is not None:
            return self.config.server_deflate
        return settings.PUENTE_SERVER.get("ws_per_message_deflate", True)

    @property
    def pids(self):
        return [p.pid for p, _log in self.processes]

    def stop(self):
        for process, _log_file in self.processes:
            process.terminate()
        for process, log_file in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log_file.close()
        self.processes = []


class Clients:
    """bench/fanout_client.py, driven one JSON line at a time."""

    def __init__(self, servers, count, offer_deflate, log_path):
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        from tests.core.processes import die_with_parent

        options = {
            "urls": servers.urls,
            "apis": servers.apis,
            "count": count,
            "compression": "deflate" if offer_deflate else None,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fanout_client", json.dumps(options)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            preexec_fn=die_with_parent,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def expect(self, event, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"websocket clients: no {event!r} within {timeout} s") from None
        if line is None:
            raise RuntimeError(f"websocket clients exited: see {self.log.name}")
        message = json.loads(line)
        if message["event"] != event:
            raise RuntimeError(f"websocket clients: {message['event']!r} instead of {event!r}")
        return message

    def ask(self, event, wait, **command):
        """Sends `command`, returns the `event` line it answers with (within `wait` s)."""
        self.send(**command)
        return self.expect(event, wait)

    def stop(self):
        try:
            if self.process.poll() is None:
                self.ask("bye", 30, do="quit")
            self.process.wait(timeout=10)
        except (RuntimeError, OSError, ValueError):
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- posting -------------------------------------------------------------------------


class Poster:
    """Posts comments through the action and notes when each is published.
    For the raw server, `core.live.publish` sends the same event JSON to the
    raw server's Redis channel instead of the channel layer."""

    def __init__(self, user, page, question, redis_client):
        from django.core.serializers.json import DjangoJSONEncoder

        from core import live as events

        self.user, self.page, self.question = user, page, question
        self.events = events
        self.raw = False
        self.published = {}  # cursor -> (publish called, publish returned)
        self._original = events.publish

        def timed_publish(group, event):
            called = time.monotonic()
            if self.raw:
                redis_client.publish(RAW_CHANNEL, json.dumps(event, cls=DjangoJSONEncoder))
            else:
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


# --- phases and cases ------------------------------------------------------------------


class Run:
    """One configuration's servers and clients, and what it measures."""

    def __init__(self, config, servers, clients, poster, redis_client, connected):
        self.config, self.servers, self.clients = config, servers, clients
        self.poster, self.redis_client, self.connected = poster, redis_client, connected
        self.client_cpu = 0.0
        self.wire = 0

    def collect(self, expected, timeout=DRAIN_TIMEOUT):
        collected = self.clients.ask(
            "collected", timeout + 60, do="collect", expected=expected, timeout=timeout
        )
        return collected

    def phase(self, label, rate, count):
        pids = self.servers.pids
        ours = [*pids, self.clients.process.pid, os.getpid()]
        cpu_before = sum(cpu_seconds(p) for p in pids)
        ours_before = sum(cpu_seconds(p) for p in ours)
        redis_before = redis_cpu(self.redis_client)
        busy_before, total_before = machine_cpu()
        cursors, posting = self.poster.post(count, rate)
        collected = self.collect(count * self.connected)
        server_cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
        redis_used = redis_cpu(self.redis_client) - redis_before
        busy, total = machine_cpu()
        # CPU the machine spent outside the servers, the clients, the poster and
        # Redis (PostgreSQL, other work on a shared machine), in % of all cores.
        others = (
            (busy - busy_before) - (sum(cpu_seconds(p) for p in ours) - ours_before) - redis_used
        )
        others_pct = max(0, round(100 * others / max(total - total_before, 1e-9)))

        wanted = set(cursors)
        pairs = Counter()
        latencies, other = [], 0
        order = defaultdict(list)
        for client, at, cursor, _kind, _id in collected["receipts"]:
            if cursor not in wanted:
                other += 1
                continue
            pairs[(client, cursor)] += 1
            order[client].append(cursor)
            latencies.append((at - self.poster.published[cursor][0]) * 1000)
        latencies.sort()
        lost = count * self.connected - len(pairs)
        duplicates = sum(n - 1 for n in pairs.values())
        reordered = sum(1 for seen in order.values() if seen != sorted(seen))
        anomalies = {
            "other frames": other,
            "clients that got nothing": self.connected - len(order),
            "closed early": collected["closed"],
        }
        notes = "; ".join(f"{k} {v}" for k, v in anomalies.items() if v)
        if collected["timed_out"]:
            notes += f"; not all arrived within {DRAIN_TIMEOUT} s"
        notes = notes.strip("; ") or "-"
        if collected["closed"]:
            notes += f" {collected['closed_reasons']}"
        publish_ms = sorted(
            (b - a) * 1000 for c, (a, b) in self.poster.published.items() if c in wanted
        )
        client_cpu, self.client_cpu = collected["cpu"] - self.client_cpu, collected["cpu"]
        wire, self.wire = collected["wire"] - self.wire, collected["wire"]

        def ms(value):
            return None if value is None else round(value)

        return {
            "configuration": self.config.name,
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
            "µs/client": round(server_cpu * 1e6 / count / max(1, self.connected), 1),
            "server RSS MB": round(sum(rss_mb(p) for p in pids)),
            "wire B/event": round(wire / max(1, count * self.connected)),
            "redis CPU ms/msg": round(redis_used * 1000 / count, 1),
            "client CPU ms/msg": round(client_cpu * 1000 / count, 1),
            "publish ms": round(percentile(publish_ms, 0.5), 1) if publish_ms else None,
            "connect s": None,  # filled in by the caller
            "others' CPU %": others_pct,
            "notes": notes,
        }

    def storm(self, page):
        """Every socket cut at once; comments posted meanwhile; all reconnect at
        once and catch up by cursor; checked against the database."""
        from comments.models import Comment

        dropped = self.clients.ask("dropped", 60, do="drop")
        self.poster.post(STORM_MISSED, 20)
        truth = list(
            Comment.objects.filter(consultation=page).order_by("seq").values_list("seq", "pk")
        )
        back = self.clients.ask("reconnected", 180, do="reconnect", cursors=dropped["cursors"])
        gaps = duplicates = 0
        for client, cursor in dropped["cursors"].items():
            caught = back["caught"].get(client)
            if caught is None:
                continue
            expected = [pk for seq, pk in truth if seq > (cursor or 0)]
            if len(caught) != len(set(caught)) or set(caught) - set(expected):
                duplicates += 1
            if set(expected) - set(caught):
                gaps += 1
        # One more comment: every reconnected socket receives it live.
        cursors, _ = self.poster.post(1, 1)
        after = self.collect(back["connected"], 15)
        live = len({c for c, _at, cursor, *_ in after["receipts"] if cursor == cursors[0]})
        self.client_cpu, self.wire = after["cpu"], after["wire"]
        return {
            "configuration": self.config.name,
            "clients": len(dropped["cursors"]),
            "missed comments": STORM_MISSED,
            "reconnected": back["connected"],
            "caught up": back["caught_up"],
            "all connected s": back["connect_s"],
            "all caught up s": back["caught_up_s"],
            "clients with a gap": gaps,
            "clients with a duplicate": duplicates,
            "got the next event live": live,
            "notes": "; ".join(f"{k}: {v}" for k, v in back["failures"].items()) or "-",
        }

    def slow_client(self, count, rate):
        """The others' p99 during a long burst with a socket that never reads,
        against the same burst without it just before and just after (the
        mean of the two: a shared machine drifts between phases)."""
        with PeakRss(self.servers.pids[:1]) as memory:
            before = self.phase("long burst, no slow client (before)", rate, count)
            self.clients.ask("slow_opened", 30, do="slow_open", url=self.servers.urls[0])
            with_slow = self.phase("long burst + slow client", rate, count)
            slow = self.clients.ask("slow_closed", 60, do="slow_close")
            after = self.phase("long burst, no slow client (after)", rate, count)
        pid = self.servers.pids[0]
        baselines = [p["p99 ms"] for p in (before, after) if p["p99 ms"]]
        without = {"p99 ms": round(sum(baselines) / len(baselines)) if baselines else None}
        ratio = (
            round(with_slow["p99 ms"] / without["p99 ms"], 2)
            if with_slow["p99 ms"] and without["p99 ms"]
            else None
        )
        case = {
            "configuration": self.config.name,
            "comments": f"{count} at {rate}/s",
            "others' p99 without ms (mean of before and after)": without["p99 ms"],
            "others' p99 with ms": with_slow["p99 ms"],
            "p99 ratio": ratio,
            "lost (with)": with_slow["lost"],
            "server RSS before MB": round(memory.before[pid]),
            "server RSS peak MB": round(memory.peak[pid]),
            "RSS growth MB": round(memory.growth, 1),
            "slow socket: frames read after": slow["frames"],
            "slow socket: close code": slow["close_code"],
            "slow socket ended": slow["ended"],
        }
        return [before, with_slow, after], case

    def big_frames(self):
        with PeakRss(self.servers.pids[:1]) as memory:
            sent = self.clients.ask(
                "big_frames_sent",
                180,
                do="big_frames",
                url=self.servers.urls[0],
                count=BIG_FRAMES,
                mib=BIG_FRAME_MIB,
            )
            time.sleep(1)
        pid = self.servers.pids[0]
        return {
            "configuration": self.config.name,
            "frames": f"{BIG_FRAMES} × {BIG_FRAME_MIB} MiB, at once",
            "server RSS before MB": round(memory.before[pid]),
            "server RSS peak MB": round(memory.peak[pid]),
            "RSS growth MB": round(memory.growth, 1),
            "server RSS after MB": round(memory.after[pid]),
            "close codes": sent["codes"],
        }


def run_configuration(config, poster, page, database_url, redis_client, logs, cases, slow_count):
    started = time.monotonic()
    servers = clients = None
    poster.raw = config.kind == "raw"
    try:
        servers = Servers(config, page.pk, database_url, logs)
        idle_rss = sum(rss_mb(p) for p in servers.pids)
        clients = Clients(
            servers,
            config.clients,
            config.offer_deflate,
            logs / f"clients-{config.kind}-{config.servers}-{config.clients}.log",
        )
        ready = clients.expect("ready", 400)
        connected = ready["connected"]
        log(
            f"{config.name}: {round(idle_rss)} MB idle, {connected}/{config.clients} clients "
            f"connected in {ready['seconds']} s; extensions {ready['extensions']} "
            f"{ready['errors'] or ''}"
        )
        if connected == 0:
            raise RuntimeError(f"no websocket client connected: {ready['errors']}; see {logs}")
        run = Run(config, servers, clients, poster, redis_client, connected)
        # One comment first: proves the path works and warms every process up.
        poster.post(1, 1)
        warm = run.collect(connected, 15)
        run.client_cpu, run.wire = warm["cpu"], warm["wire"]
        if not warm["receipts"]:
            raise RuntimeError(f"the warm-up comment reached no client; see the logs in {logs}")
        negotiated = ready["extensions"].get("none", 0) < connected
        rows = []
        for label, rate, count in config.phases:
            row = run.phase(label, rate, count)
            rows.append(row)
            log(
                f"  {row['phase']}: p50 {row['p50 ms']} ms, p99 {row['p99 ms']} ms, "
                f"lost {row['lost']}, dups {row['dups']}, CPU {row['server CPU ms/msg']} ms/msg"
            )
        for row in rows:
            row["connect s"] = ready["seconds"]
            row["deflate"] = "yes" if negotiated else "no"
            if ready["failed"]:
                row["notes"] = f"{ready['failed']} failed to connect; {row['notes']}"
        config.rows = rows
        if config.storm:
            case = run.storm(page)
            cases["storm"].append(case)
            log(f"  storm: caught up in {case['all caught up s']} s, {case['notes']}")
        if config.slow:
            phases, case = run.slow_client(slow_count, BURST[1])
            cases["slow"].append(case)
            cases["slow phases"] += phases
            code = case["slow socket: close code"]
            log(f"  slow client: p99 ratio {case['p99 ratio']}, closed with {code}")
        if config.big:
            case = run.big_frames()
            cases["big"].append(case)
            log(f"  big frames: RSS +{case['RSS growth MB']} MB, {case['close codes']}")
        return rows
    finally:
        if clients is not None:
            clients.stop()
        if servers is not None:
            servers.stop()
        log(f"  configuration took {time.monotonic() - started:.0f} s")


# --- reporting -------------------------------------------------------------------------


def print_table(title, rows):
    if not rows:
        return
    print(f"\n## {title}")
    columns = list(dict.fromkeys(c for r in rows for c in r))
    widths = [max(len(str(c)), *(len(str(r.get(c, "-"))) for r in rows)) for c in columns]
    print(" | ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(
            " | ".join(str(row.get(c, "-")).ljust(w) for c, w in zip(columns, widths, strict=True))
        )


def ratio(a, b):
    return None if a is None or not b else round(a / b, 2)


def ratios(configs):
    """Each Puente phase as a multiple of the raw broadcast's with the same
    clients, phase and deflate choice."""
    raw = {
        (c.clients, r["phase"], r["deflate"]): r for c in configs if c.kind == "raw" for r in c.rows
    }
    out = []
    for config in configs:
        if config.kind != "puente":
            continue
        for row in config.rows:
            base = raw.get((config.clients, row["phase"], row["deflate"]))
            if base is None:
                continue
            out.append(
                {
                    "configuration": config.name,
                    "phase": row["phase"],
                    "p50 ×raw": ratio(row["p50 ms"], base["p50 ms"]),
                    "p99 ×raw": ratio(row["p99 ms"], base["p99 ms"]),
                    "server CPU/msg ×raw": ratio(
                        row["server CPU ms/msg"], base["server CPU ms/msg"]
                    ),
                    "connect ×raw": ratio(row["connect s"], base["connect s"]),
                    "raw p99 ms": base["p99 ms"],
                    "raw CPU ms/msg": base["server CPU ms/msg"],
                    "raw connect s": base["connect s"],
                }
            )
    return out


def targets(configs, cases, quick):
    def find(kind, servers, clients, phase, note=""):
        for c in configs:
            if (c.kind, c.servers, c.clients, c.note) == (kind, servers, clients, note):
                for r in c.rows:
                    if r["phase"].startswith(phase):
                        return r
        return None

    n, big_n = (100, 200) if quick else (1_000, 5_000)
    out = []

    def add(target, ok, figures):
        out.append({"target": target, "result": "PASS" if ok else "FAIL", "measured": figures})

    raw_steady, p1 = find("raw", 1, n, "steady"), find("puente", 1, n, "steady")
    if p1 and raw_steady:
        cpu_x = ratio(p1["server CPU ms/msg"], raw_steady["server CPU ms/msg"])
        add(
            f"{n} clients, 2/s, 1 process: p99 ≤ 100 ms, 0 lost, CPU/msg ≤ 3× raw",
            p1["p99 ms"] is not None and p1["p99 ms"] <= 100 and p1["lost"] == 0 and cpu_x <= 3,
            f"p99 {p1['p99 ms']} ms, lost {p1['lost']}, CPU {p1['server CPU ms/msg']} ms/msg "
            f"= {cpu_x}× raw ({raw_steady['server CPU ms/msg']})",
        )
    for servers in (1, 2):
        burst = find("puente", servers, n, "burst")
        if burst:
            add(
                f"{n} clients, 20/s burst for 3 s, {servers} process(es): p99 ≤ 1 s, 0 lost",
                burst["p99 ms"] is not None and burst["p99 ms"] <= 1000 and burst["lost"] == 0,
                f"p99 {burst['p99 ms']} ms, lost {burst['lost']}",
            )
    big = find("puente", 2, big_n, "steady")
    if big:
        add(
            f"{big_n} clients on 2 processes, 2/s: p99 ≤ 500 ms, 0 lost, memory reported",
            big["p99 ms"] is not None and big["p99 ms"] <= 500 and big["lost"] == 0,
            f"p99 {big['p99 ms']} ms, lost {big['lost']}, server RSS {big['server RSS MB']} MB "
            f"(2 processes), connect {big['connect s']} s",
        )
    for case in cases["storm"]:
        if not case["configuration"].startswith("Puente"):
            continue
        done = case["all caught up s"]
        add(
            f"reconnect storm of {case['clients']} ({case['configuration']}): all connected "
            "and caught up, no gap, no duplicate, within 5 s",
            case["caught up"] == case["clients"]
            and not case["clients with a gap"]
            and not case["clients with a duplicate"]
            and done is not None
            and done <= 5,
            f"{case['caught up']}/{case['clients']} caught up in {done} s, gaps "
            f"{case['clients with a gap']}, dups {case['clients with a duplicate']}",
        )
    for case in cases["slow"]:
        add(
            "a client that stops reading: others' p99 +≤ 10 %, server memory bounded",
            case["p99 ratio"] is not None
            and case["p99 ratio"] <= 1.10
            and case["RSS growth MB"] < 20
            and case["lost (with)"] == 0,
            "p99 {} → {} ms (×{}), RSS growth {} MB, slow socket closed with {}".format(
                case["others' p99 without ms (mean of before and after)"],
                case["others' p99 with ms"],
                case["p99 ratio"],
                case["RSS growth MB"],
                case["slow socket: close code"],
            ),
        )
    for case in cases["big"]:
        add(
            f"{BIG_FRAMES} frames of {BIG_FRAME_MIB} MiB: server memory grows < 20 MiB",
            case["RSS growth MB"] < 20,
            f"+{case['RSS growth MB']} MB, close codes {case['close codes']}",
        )
    return out


def run(quick=None, only=None):
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

    if quick is None:
        quick = os.environ.get("BENCH_FANOUT_QUICK") == "1"
    if not os.environ.get("REDIS_URL"):
        raise SystemExit(
            "bench fanout needs REDIS_URL (a Redis the server processes share): run it as\n"
            "  .venv/bin/python tools/services.py --no-search -- .venv/bin/python -m bench.fanout"
        )
    if connection.vendor != "postgresql":
        raise SystemExit(
            "bench fanout needs DATABASE_URL to name PostgreSQL: use tools/services.py"
        )
    assert "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    fds = raise_fd_limit()  # inherited by the server and client processes
    default_deflate = settings.PUENTE_SERVER.get("ws_per_message_deflate", True)
    backlog = getattr(settings, "PUENTE_LIVE", {}).get("backlog", 256)
    slow_count = backlog + 64
    configs = configurations(quick, default_deflate)
    if only:
        configs = [c for c in configs if any(word in c.name for word in only)]
        if not configs:
            raise SystemExit(f"bench fanout: no configuration's name contains any of {only}")
    if fds < 2 * max(c.clients for c in configs) + 200:
        log(f"the open-file limit ({fds}) is too low for the largest configuration")

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
    log(
        f"channel layer {layer}; server deflate by default: {default_deflate}; "
        f"backlog {backlog}; {'quick' if quick else 'full'} run"
    )
    cases = {"storm": [], "slow": [], "slow phases": [], "big": []}
    started = time.monotonic()
    load_before = os.getloadavg()
    busy_before, total_before = machine_cpu()
    no_limits = {"interval": 0, "new_account_interval": 0, "new_account_days": 0}
    logs = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    with override_settings(PUENTE_COMMENT_RATE_LIMITS=no_limits):
        poster = Poster(user, page, question, redis_client)
        try:
            for config in configs:
                run_configuration(
                    config, poster, page, database_url, redis_client, logs, cases, slow_count
                )
        except BaseException:
            log(f"failed: the server and client logs are kept in {logs}")
            raise
        else:
            shutil.rmtree(logs, ignore_errors=True)
        finally:
            poster.close()
            redis_client.close()
    busy, total = machine_cpu()
    seconds = time.monotonic() - started
    rows = [row for c in configs for row in c.rows]
    for config in configs:
        print_table(f"fanout: {config.name}", config.rows)
    print_table("fanout: Puente as a multiple of the raw broadcast (same run)", ratios(configs))
    print_table("fanout: reconnect storm", cases["storm"])
    print_table("fanout: slow client (phases)", cases["slow phases"])
    print_table("fanout: slow client", cases["slow"])
    print_table(f"fanout: big frames ({BIG_FRAMES} × {BIG_FRAME_MIB} MiB)", cases["big"])
    summary = targets(configs, cases, quick)
    busy_pct = round(100 * (busy - busy_before) / (total - total_before))
    machine = (
        f"machine: {os.cpu_count()} cores, {busy_pct} % "
        f"busy during the run (all processes), load average {load_before[0]:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end; run took {seconds:.0f} s"
    )
    print_table(
        f"fanout: targets (issue 18){' — quick run, not the targets’ sizes' if quick else ''}",
        summary,
    )
    print(machine)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fanout-cases.json").write_text(
        json.dumps(
            {**cases, "ratios": ratios(configs), "targets": summary, "machine": machine},
            indent=2,
            ensure_ascii=False,
        )
    )
    log(f"done in {seconds:.0f} s")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="100 clients and short phases (a smoke run)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="TEXT",
        help='only configurations whose name contains one of these: "raw 1000c" "Puente 1p"',
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        rows = run(quick=args.quick, only=args.only)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "fanout.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
