"""The production stack under load: readers and writers through nginx.

    .venv/bin/python -m bench.stack [--readers 50] [--writers 5] [--duration 30]
                                    [--apps 2 [1 ...]] [--warmup 5]

For each app count, starts tools/stack.py's Stack (PostgreSQL, Redis, the
Elasticsearch-API server, production settings, N uvicorn app processes
through deploy/entrypoint.sh web, one db_worker, nginx in front), seeds one
consultation with a realistic discussion in bulk through `manage.py shell`
(3 questions and 2 sections; SEED_COMMENTS comments, 30 % of them replies up
to four deep, by SEED_AUTHORS people), and writer accounts (verified
e-mail, citizen group, joined a month ago, each with a session of its own).
Then, for --duration seconds, through nginx only:

- readers (--readers connections, each from its own loopback address, as
  many people are, since the public API budgets reads per address)
  alternate a GET of the consultation page (HTML) and of its comment list in
  the JSON API (the first 200 comments in thread order);
- writers (--writers connections) post comments through the JSON API with
  session + CSRF, each rotating through enough accounts that every account
  respects the per-account interval (PUENTE_COMMENT_RATE_LIMITS) and the
  writer never waits for one; a 429 is counted apart from errors.

It prints requests/s and p50/p95/p99 latency per endpoint, writes/s, the CPU
and RSS of every server process (from /proc, before and after), the bench
client's own CPU, the machine's load average at start and end and the CPU
others used meanwhile, and checks that every comment the API accepted is in
the database and published (zero lost writes). Rows go to
bench/results/stack.json.

The client is a small asyncio HTTP/1.1 client over httptools (installed with
uvicorn[standard]), keep-alive, one connection per reader or writer, so that
it costs little of the two cores it shares with the servers.
"""

import argparse
import asyncio
import json
import math
import os
import random
import resource
import secrets
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from bench.procfs import machine_cpu, rss_mb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"

SEED_COMMENTS = 2_000
SEED_AUTHORS = 150
REPLY_SHARE = 0.3
MAX_DEPTH = 4
# Accounts per writer: a writer posts when one of its accounts may post
# again; with the 15 s interval this lets one writer post 10 a second.
ACCOUNTS_PER_WRITER = 150
REQUEST_TIMEOUT = 30.0  # seconds; a request slower than this is an error
INTERVAL_MARGIN = 0.5  # seconds added to the server's posting interval
READ_ADDRESSES = "127.0.1.{}"  # reader n connects from 127.0.1.(n + 1)
WRITE_ADDRESSES = "127.0.2.{}"
PROBES = 5  # requests one at a time before the load, per read endpoint
ENDPOINTS = ("consultation page", "comment list (API)", "post comment (API)")


# --- inside the stack: `manage.py shell -c` runs these -------------------------


def seed(out_path, writer_accounts, comments=SEED_COMMENTS, authors=SEED_AUTHORS):
    """One open consultation with `comments` published comments, and
    `writer_accounts` citizens with a session each; what the bench needs
    goes to `out_path` as JSON. Runs in a stack process (production
    settings), through bulk inserts: seconds, not the minutes HTTP takes."""
    from datetime import timedelta
    from importlib import import_module

    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Site

    from accounts import consent
    from accounts.models import Consent, User
    from accounts.roles import CITIZEN
    from comments.models import Comment, CommentStatus, ConsultationActivity
    from consultations.models import (
        ConsultationIndexPage,
        ConsultationPage,
        ConsultationQuestion,
        ConsultationSection,
    )
    from search import indexing as search_indexing

    rng = random.Random(17)
    now = timezone.now()
    tag = secrets.token_hex(3)
    with transaction.atomic():
        home = Site.objects.get(is_default_site=True).root_page.specific
        index = home.add_child(
            instance=ConsultationIndexPage(title="Consultas", slug=f"bench-{tag}")
        )
        index.save_revision().publish()
        page = ConsultationPage(
            title="Movilidad en el centro histórico",
            slug=f"movilidad-{tag}",
            summary="Un borrador del plan de movilidad para comentar.",
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=20),
            responsible_office="Dirección de Movilidad",
            sections=[
                ConsultationSection(heading=h, body=f"<p>{b}</p>", sort_order=i)
                for i, (h, b) in enumerate(
                    [
                        ("Objetivo", "Reducir el tráfico y dar espacio a quien camina."),
                        ("Ciclovías", "Una red de 12 km con separadores físicos."),
                    ]
                )
            ],
            questions=[
                ConsultationQuestion(text=text, sort_order=i)
                for i, text in enumerate(
                    [
                        "¿Qué opinas de la ciclovía en la avenida principal?",
                        "¿Cómo mejorarías el transporte público?",
                        "¿Qué calles deberían ser peatonales?",
                    ]
                )
            ],
        )
        index.add_child(instance=page)
        page.save_revision().publish()
        page.refresh_from_db()
        questions = list(page.questions.values_list("pk", flat=True))
        sections = list(page.sections.values_list("pk", flat=True))

        joined = now - timedelta(days=30)  # older than new_account_days
        password = make_password(None)
        people = User.objects.bulk_create(
            User(
                email=f"bench-{tag}-{n}@example.com",
                display_name=f"Vecina {n}" if n % 2 else f"Vecino {n}",
                password=password,
                date_joined=joined,
            )
            for n in range(authors + writer_accounts)
        )
        citizen = Group.objects.get(name=CITIZEN)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=person.pk, group_id=citizen.pk) for person in people
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=person, email=person.email, verified=True, primary=True)
            for person in people
        )
        # Everyone has accepted the site's current terms and privacy notice,
        # if it has any that must be accepted (the demo's do).
        versions = consent.current_versions()
        Consent.objects.bulk_create(
            Consent(user=person, version=version, given_at=now)
            for person in people
            for version in versions.values()
        )
        User.objects.filter(pk__in=[person.pk for person in people]).update(
            accepted_policies=consent.generation_of(versions)
        )
        seed_authors, writers = people[:authors], people[authors:]

        # The discussion in time order: each comment answers a question or a
        # section, or replies to an earlier comment (up to MAX_DEPTH deep).
        start = now - timedelta(days=9)
        step = timedelta(days=9) / (comments + 1)
        specs = []  # (created, parent spec index or None, anchor)
        for n in range(comments):
            created = start + step * (n + 1)
            candidates = [i for i in range(max(0, n - 400), n) if specs[i][3] < MAX_DEPTH]
            if candidates and rng.random() < REPLY_SHARE:
                parent = rng.choice(candidates)
                specs.append((created, parent, specs[parent][2], specs[parent][3] + 1))
            elif rng.random() < 0.85:
                specs.append((created, None, ("question", rng.choice(questions)), 0))
            else:
                specs.append((created, None, ("section", rng.choice(sections)), 0))
        saved: list = [None] * comments
        replies = Counter(spec[1] for spec in specs if spec[1] is not None)
        for depth in range(MAX_DEPTH + 1):
            level = []
            for n, (created, parent, (kind, anchor), d) in enumerate(specs):
                if d != depth:
                    continue
                parent_comment = saved[parent] if parent is not None else None
                comment = Comment(
                    consultation=page,
                    question_id=anchor if kind == "question" else None,
                    section_id=anchor if kind == "section" else None,
                    parent=parent_comment,
                    root_id=parent_comment.root_id if parent_comment else None,
                    depth=d,
                    author=rng.choice(seed_authors),
                    body=(
                        f"Comentario {n + 1}: la propuesta necesita sombra, banquetas "
                        "anchas y cruces seguros cerca de las escuelas."
                        if parent is None
                        else f"Respuesta {n + 1}: no estoy de acuerdo con el plazo; "
                        "seis meses de obra afectan a los comercios."
                    ),
                    status=CommentStatus.PUBLISHED,
                    created=created,
                    seq=n + 1,
                    reply_count=replies[n],
                )
                saved[n] = comment
                level.append(comment)
            Comment.objects.bulk_create(level, batch_size=1_000)
            if depth == 0:
                for comment in level:
                    comment.root_id = comment.pk
                Comment.objects.bulk_update(level, ["root"], batch_size=1_000)
        ConsultationActivity.objects.update_or_create(
            consultation_id=page.pk, defaults={"last_seq": comments}
        )
    # Into the comment index as well, as a real site's comments are: an
    # index holding far fewer comments than the database counts as lost
    # (search/health.py) and would be rebuilt under the load.
    search_indexing.sync([comment.pk for comment in saved])

    engine = import_module(settings.SESSION_ENGINE)
    sessions = []
    for person in writers:
        store = engine.SessionStore()
        store[SESSION_KEY] = str(person.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = person.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    top_level = [c.pk for c in saved if c.depth == 0]
    Path(out_path).write_text(
        json.dumps(
            {
                "consultation": page.pk,
                "path": page.get_url(),
                "questions": questions,
                "top_level": rng.sample(top_level, min(300, len(top_level))),
                "seeded": comments,
                "sessions": sessions,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "csrf_header": settings.CSRF_HEADER_NAME,
                "interval": settings.PUENTE_COMMENT_RATE_LIMITS["interval"],
                "read_rate": settings.PUENTE_PUBLIC_READ_RATE,
                "write_rate": settings.PUENTE_COMMENT_WRITE_RATE,
            }
        )
    )


def verify(in_path, out_path):
    """How many of the comments the API accepted (ids in `in_path`) the
    database holds, and how many of them are published."""
    from comments.models import Comment, CommentStatus

    given = json.loads(Path(in_path).read_text())
    ids = given["ids"]
    found = Comment.objects.filter(pk__in=ids, consultation_id=given["consultation"])
    Path(out_path).write_text(
        json.dumps(
            {
                "found": found.count(),
                "published": found.filter(status=CommentStatus.PUBLISHED).count(),
                "total": Comment.objects.filter(consultation_id=given["consultation"]).count(),
            }
        )
    )


# --- a small HTTP/1.1 client -----------------------------------------------------


class Response:
    __slots__ = ("body", "complete", "headers", "keep", "size", "status")

    def __init__(self, keep_body):
        self.status = 0
        self.size = 0
        self.headers = {}
        self.body = bytearray() if keep_body else None
        self.complete = False

    # httptools' callbacks
    def on_header(self, name, value):
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, data):
        self.size += len(data)
        if self.body is not None:
            self.body += data

    def on_message_complete(self):
        self.complete = True


class Connection:
    """One keep-alive connection from a chosen local address; reconnects
    when the server closes it (nginx's keepalive_requests)."""

    def __init__(self, host, port, ssl_context, local_address):
        self.host, self.port, self.ssl = host, port, ssl_context
        self.local_address = local_address
        self.reader = self.writer = None
        self.used = False

    async def _open(self):
        local = (self.local_address, 0) if self.local_address else None
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.ssl, local_addr=local
        )
        self.used = False

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw, keep_body=False):
        import httptools

        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            reused = self.used
            response = Response(keep_body)
            parser = httptools.HttpResponseParser(response)
            received = 0
            try:
                self.writer.write(raw)
                while not response.complete:
                    data = await self.reader.read(65536)
                    if not data:
                        raise ConnectionResetError("closed before the response ended")
                    received += len(data)
                    parser.feed_data(data)
            except (ConnectionError, OSError):
                self.close()
                # A kept-alive connection the server closed before reading
                # the request: once more on a new one, as any client does.
                if attempt == 1 and reused and received == 0:
                    continue
                raise
            except BaseException:
                self.close()
                raise
            response.status = parser.get_status_code()
            self.used = True
            if not parser.should_keep_alive():
                self.close()
            return response
        raise AssertionError("unreachable")


def build_request(method, path, host, headers=(), body=b""):
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        "User-Agent: puente-bench/1",
        "Accept-Encoding: gzip",
        "Accept-Language: es-MX,es;q=0.9",
        *headers,
    ]
    if method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# --- the load --------------------------------------------------------------------


class Tally:
    """Latencies and outcomes of one endpoint within the measured window."""

    def __init__(self):
        self.latencies = []
        self.statuses = Counter()
        self.failures = Counter()  # exceptions and timeouts
        self.samples = []  # a few unexpected answers, for the report
        self.bytes = 0
        # Every answer of the run, in the window or not (warm-up, tail).
        self.outcomes = Counter()

    def record(self, started, response=None, failure=None):
        self.latencies.append((time.monotonic() - started) * 1000)
        if failure is not None:
            self.failures[failure] += 1
            return
        self.statuses[response.status] += 1
        self.bytes += response.size

    def note(self, text):
        if len(self.samples) < 5:
            self.samples.append(text[:300])


class Load:
    def __init__(self, stack_url, seeded, readers, writers, warmup, duration):
        parts = urlsplit(stack_url)
        self.host_header = parts.netloc
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = None
        if parts.scheme == "https":
            import ssl

            self.ssl = ssl.create_default_context()
            self.ssl.check_hostname = False
            self.ssl.verify_mode = ssl.CERT_NONE  # the stack's own certificate
        self.seeded = seeded
        self.readers, self.writers = readers, writers
        self.warmup, self.duration = warmup, duration
        self.tallies = {name: Tally() for name in ENDPOINTS}
        self.posted_ids = []
        self.writer_waits = 0.0  # seconds writers waited for an account
        consultation = seeded["consultation"]
        self.page_request = build_request(
            "GET",
            seeded["path"],
            self.host_header,
            ["Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"],
        )
        self.list_request = build_request(
            "GET",
            f"/api/v1/consultations/{consultation}/comments/",
            self.host_header,
            ["Accept: application/json"],
        )
        self.post_path = f"/api/v1/consultations/{consultation}/comments/"
        self.csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.window_start = math.inf
        self.stop_at = math.inf

    def local_address(self, pattern, n):
        # Distinct loopback addresses only when the stack is on loopback.
        if not self.host.startswith("127."):
            return None
        return pattern.format(n % 250 + 1)

    def counts(self):
        """Whether a request ending now is counted: the window is
        [measurement start, deadline], as wrk counts (a request started in
        the warm-up and ending inside counts; one ending after does not)."""
        return self.window_start <= time.monotonic() <= self.stop_at

    async def timed(self, connection, name, raw, keep_body=False):
        """One request, recorded when it ends inside the window."""
        started = time.monotonic()
        tally = self.tallies[name]
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await connection.request(raw, keep_body)
        except TimeoutError:
            connection.close()
            tally.outcomes["timeout"] += 1
            if self.counts():
                tally.record(started, failure="timeout")
            return None
        except (OSError, ValueError) as error:
            tally.outcomes[type(error).__name__] += 1
            if self.counts():
                tally.record(started, failure=type(error).__name__)
            await asyncio.sleep(0.05)
            return None
        tally.outcomes[response.status] += 1
        if self.counts():
            self.tallies[name].record(started, response)
            if response.status not in (200, 201, 429):
                head = bytes(response.body or b"")[:200]
                self.tallies[name].note(f"{response.status} {head!r}")
        return response

    async def reader(self, n):
        connection = Connection(
            self.host, self.port, self.ssl, self.local_address(READ_ADDRESSES, n)
        )
        turn = n % 2  # half the readers start with the list
        try:
            while time.monotonic() < self.stop_at:
                if turn == 0:
                    name, raw = ENDPOINTS[0], self.page_request
                else:
                    name, raw = ENDPOINTS[1], self.list_request
                await self.timed(connection, name, raw)
                turn = 1 - turn
        finally:
            connection.close()

    async def writer(self, n, sessions):
        connection = Connection(
            self.host, self.port, self.ssl, self.local_address(WRITE_ADDRESSES, n)
        )
        interval = self.seeded["interval"] + INTERVAL_MARGIN
        ready = dict.fromkeys(sessions, 0.0)
        rng = random.Random(n)
        questions = self.seeded["questions"]
        parents = self.seeded["top_level"]
        count = 0
        name = ENDPOINTS[2]
        try:
            while time.monotonic() < self.stop_at:
                session = min(ready, key=ready.__getitem__)
                now = time.monotonic()
                if ready[session] > now:
                    pause = min(ready[session], self.stop_at) - now
                    self.writer_waits += pause
                    await asyncio.sleep(pause)
                    continue
                count += 1
                body = {
                    "body": f"Escritor {n}, comentario {count}: propongo más árboles y "
                    f"bancas en la plaza ({secrets.token_hex(4)})."
                }
                if rng.random() < 0.3:
                    body["parent"] = rng.choice(parents)
                else:
                    body["question"] = rng.choice(questions)
                raw = build_request(
                    "POST",
                    self.post_path,
                    self.host_header,
                    [
                        "Accept: application/json",
                        "Content-Type: application/json",
                        f"Cookie: {self.seeded['session_cookie']}={session}; "
                        f"{self.seeded['csrf_cookie']}={self.csrf}",
                        f"{self.seeded['csrf_header'][5:].replace('_', '-')}: {self.csrf}",
                    ],
                    json.dumps(body).encode(),
                )
                response = await self.timed(connection, name, raw, keep_body=True)
                ready[session] = time.monotonic() + interval
                if response is None:
                    continue
                if response.status == 201:
                    self.posted_ids.append(json.loads(response.body)["id"])
                elif response.status == 429:
                    retry = float(response.headers.get("retry-after", interval))
                    ready[session] = time.monotonic() + retry + INTERVAL_MARGIN
        finally:
            connection.close()

    async def run(self, on_start, on_end):
        """Warm up (readers only), then measure for `duration` seconds;
        on_start/on_end take the resource snapshots. Returns the window's
        length in seconds."""
        sessions = self.seeded["sessions"]
        per_writer = len(sessions) // max(1, self.writers)
        readers = [asyncio.create_task(self.reader(n)) for n in range(self.readers)]
        await asyncio.sleep(self.warmup)
        on_start()
        self.window_start = time.monotonic()
        self.stop_at = self.window_start + self.duration
        writers = [
            asyncio.create_task(self.writer(n, sessions[n * per_writer : (n + 1) * per_writer]))
            for n in range(self.writers)
        ]
        await asyncio.sleep(self.duration)
        on_end()
        # Requests in flight at the deadline finish (uncounted), so that
        # every write the API accepted is known before the check.
        await asyncio.gather(*readers, *writers)
        return self.stop_at - self.window_start


# --- resources, from /proc ----------------------------------------------------------


HZ = os.sysconf("SC_CLK_TCK")


def processes():
    """pid -> (command name, parent pid, CPU seconds of it and of its reaped children)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        head, rest = text.rsplit(")", 1)
        fields = rest.split()
        cpu = sum(int(f) for f in fields[11:15]) / HZ  # utime stime cutime cstime
        found[int(entry.name)] = (head.split("(", 1)[1], int(fields[1]), cpu)
    return found


GROUP_BY_NAME = {
    "nginx": "nginx",
    "postgres": "PostgreSQL",
    "postmaster": "PostgreSQL",
    "redis-server": "Redis",
    "redis-sentinel": "Redis",
}


def groups(stack):
    """Our descendants (the stack's processes) by role: pid -> group name."""
    table = processes()
    children = {}
    for pid, (_name, parent, _cpu) in table.items():
        children.setdefault(parent, []).append(pid)
    roles = {app.pid: f"app {n + 1}" for n, app in enumerate(stack.apps)}
    roles[stack.worker.pid] = "worker"
    found = {}

    def walk(pid, group):
        for child in children.get(pid, ()):
            name = table[child][0]
            child_group = roles.get(child) or (
                group if group != "other" else GROUP_BY_NAME.get(name, "other")
            )
            found[child] = child_group
            walk(child, child_group)

    walk(os.getpid(), "other")
    return found, table


class Snapshot:
    def __init__(self, stack):
        self.members, table = groups(stack)
        self.cpu = Counter()
        for pid, group in self.members.items():
            self.cpu[group] += table[pid][2]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.client = usage.ru_utime + usage.ru_stime
        self.busy, self.total = machine_cpu()
        self.load = os.getloadavg()
        self.at = time.monotonic()


# --- one configuration ------------------------------------------------------------------


def log(message):
    print(f"bench.stack: {message}", file=sys.stderr, flush=True)


def percentile(values, fraction):
    """Nearest rank of sorted `values`."""
    if not values:
        return None
    return values[max(0, min(len(values) - 1, math.ceil(len(values) * fraction) - 1))]


def start_stack(apps, search):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.stack import Stack

    return Stack(apps=apps, search=search)


def seed_in(stack, writer_accounts, comments=SEED_COMMENTS):
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as folder:
        out = Path(folder) / "seed.json"
        result = stack.manage(
            "shell",
            "-c",
            f"from bench.stack import seed; seed({str(out)!r}, {writer_accounts}, {comments})",
        )
        if getattr(result, "returncode", 0) != 0 or not out.exists():
            raise RuntimeError(
                f"seeding failed:\n{getattr(result, 'stdout', '')}{getattr(result, 'stderr', '')}"
            )
        return json.loads(out.read_text())


def verify_in(stack, consultation, ids):
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as folder:
        given, out = Path(folder) / "ids.json", Path(folder) / "found.json"
        given.write_text(json.dumps({"consultation": consultation, "ids": ids}))
        result = stack.manage(
            "shell", "-c", f"from bench.stack import verify; verify({str(given)!r}, {str(out)!r})"
        )
        if getattr(result, "returncode", 0) != 0 or not out.exists():
            raise RuntimeError(
                f"verify failed:\n{getattr(result, 'stdout', '')}{getattr(result, 'stderr', '')}"
            )
        return json.loads(out.read_text())


def upstream_counts(stack):
    """Requests each app process answered, from nginx's access log
    (tools/stack.py logs upstream=ADDRESS)."""
    names = {app.url.removeprefix("http://"): app.name for app in stack.apps}
    found = Counter()
    for line in stack.logs("nginx-access").splitlines():
        for field in line.split():
            if field.startswith("upstream="):
                address = field.removeprefix("upstream=").split(",")[-1].strip()
                found[names.get(address, address)] += 1
    return dict(sorted(found.items()))


def resolve_page(stack_url, path):
    """The consultation page's final path (a language prefix may redirect)."""
    import urllib.request

    with urllib.request.urlopen(stack_url + path, timeout=60) as answer:  # noqa: S310 - loopback
        final = urlsplit(answer.geturl())
        assert answer.status == 200, answer.status
    return final.path + (f"?{final.query}" if final.query else "")


def alone(stack_url, path, repeats=PROBES):
    """Median time of `repeats` GETs of `path`, one at a time (after one
    not counted): what one request costs when nothing else runs here."""
    import statistics
    import urllib.request

    timings = []
    for n in range(repeats + 1):
        started = time.monotonic()
        with urllib.request.urlopen(stack_url + path, timeout=60) as answer:  # noqa: S310
            answer.read()
        if n:
            timings.append((time.monotonic() - started) * 1000)
    return round(statistics.median(timings), 1)


def run_configuration(apps, args):
    started = time.monotonic()
    log(f"starting the stack with {apps} app process(es)")
    with start_stack(apps, args.search) as stack:
        log(f"stack up in {time.monotonic() - started:.0f} s at {stack.url}; seeding")
        marks = {}
        seeded = seed_in(stack, args.writers * args.accounts_per_writer)
        seeded["path"] = resolve_page(stack.url, seeded["path"])
        log(
            f"seeded {seeded['seeded']} comments and {len(seeded['sessions'])} writer "
            f"accounts; page {seeded['path']}; interval {seeded['interval']} s, "
            f"read budget {seeded['read_rate']} per address, writes {seeded['write_rate']}"
        )
        load = Load(stack.url, seeded, args.readers, args.writers, args.warmup, args.duration)
        comments_path = f"/api/v1/consultations/{seeded['consultation']}/comments/"
        marks["alone"] = {
            ENDPOINTS[0]: alone(stack.url, seeded["path"]),
            ENDPOINTS[1]: alone(stack.url, comments_path),
        }
        log(f"one request at a time, median ms: {marks['alone']}")

        def on_start():
            marks["start"] = Snapshot(stack)

        def on_end():
            marks["end"] = Snapshot(stack)
            marks["rss"] = {f"app {n + 1}": rss_mb(app.pid) for n, app in enumerate(stack.apps)} | {
                "worker": rss_mb(stack.worker.pid)
            }
            marks["nginx rss"] = sum(
                rss_mb(pid) for pid, group in marks["end"].members.items() if group == "nginx"
            )

        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        log(
            f"{args.readers} readers, {args.writers} writers: {args.warmup} s warm-up, "
            f"{args.duration} s measured"
        )
        elapsed = runner(load.run(on_start, on_end))
        checked = verify_in(stack, seeded["consultation"], load.posted_ids)
        marks["upstreams"] = upstream_counts(stack)
    log(f"configuration done in {time.monotonic() - started:.0f} s")
    rows, resources = report(apps, args, load, marks, elapsed, checked)
    for row in rows:
        log(
            f"  {apps} app(s), {row['endpoint']}: {row['ok/s']}/s, p95 {row['p95 ms']} ms, "
            f"{row['errors']} errors, {row['429']} refused (429)"
        )
    return rows, resources


def report(apps, args, load, marks, elapsed, checked):
    start, end = marks["start"], marks["end"]
    window = end.at - start.at
    rows = []
    for name in ENDPOINTS:
        tally = load.tallies[name]
        latencies = sorted(tally.latencies)
        ok = tally.statuses.get(201 if name.startswith("post") else 200, 0)
        rate_limited = tally.statuses.get(429, 0)
        errors = sum(tally.failures.values()) + sum(
            n for status, n in tally.statuses.items() if status not in (200, 201, 429)
        )

        def ms(fraction, latencies=latencies):
            value = percentile(latencies, fraction)
            return None if value is None else round(value, 1)

        rows.append(
            {
                "apps": apps,
                "endpoint": name,
                "clients": args.writers if name.startswith("post") else args.readers,
                "requests": len(latencies),
                "ok/s": round(ok / elapsed, 1),
                "alone ms": marks["alone"].get(name, "-"),
                "p50 ms": ms(0.50),
                "p95 ms": ms(0.95),
                "p99 ms": ms(0.99),
                "max ms": round(latencies[-1], 1) if latencies else None,
                "429": rate_limited,
                "errors": errors,
                "KB/answer (wire)": round(tally.bytes / 1024 / max(1, len(latencies)), 1),
                "notes": "; ".join([f"{k}: {v}" for k, v in tally.failures.items()] + tally.samples)
                or "-",
            }
        )
    cpu = {group: end.cpu[group] - start.cpu[group] for group in end.cpu}
    client = end.client - start.client
    busy = end.busy - start.busy
    cores = os.cpu_count() or 1
    ours = sum(cpu.values()) + client
    resources = {
        "apps": apps,
        "seconds measured": round(window, 1),
        "CPU % of one core": {
            **{group: round(100 * seconds / window) for group, seconds in sorted(cpu.items())},
            "bench client": round(100 * client / window),
            "others on the machine": max(0, round(100 * (busy - ours) / window)),
            "machine busy": round(100 * busy / window),
            "machine capacity": 100 * cores,
        },
        "RSS MB": {k: round(v) for k, v in marks["rss"].items()}
        | {"nginx": round(marks["nginx rss"])},
        "load average start": [round(x, 2) for x in start.load],
        "load average end": [round(x, 2) for x in end.load],
        "writes/s": round(load.tallies[ENDPOINTS[2]].statuses.get(201, 0) / elapsed, 1),
        "requests per app (whole run, nginx log)": marks["upstreams"],
        "writes accepted (whole run)": len(load.posted_ids),
        "writer wait for an account s": round(load.writer_waits, 1),
        "accepted writes in the database": checked["found"],
        "of them published": checked["published"],
        "lost writes": len(load.posted_ids) - checked["found"],
        "comments in the consultation": checked["total"],
    }
    return rows, resources


def print_rows(rows):
    columns = [c for c in rows[0] if c != "notes"]
    widths = [max(len(str(c)), *(len(str(r[c])) for r in rows)) for c in columns]
    print(" | ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(row[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))
        if row["notes"] != "-":
            print(f"    notes: {row['notes']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--duration", type=float, default=30, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of reads first")
    parser.add_argument(
        "--apps", type=int, nargs="+", default=[2], help="app process counts to run, in turn"
    )
    parser.add_argument(
        "--no-search",
        dest="search",
        action="store_false",
        help="no Elasticsearch-API server (comment search in PostgreSQL)",
    )
    parser.add_argument("--accounts-per-writer", type=int, default=ACCOUNTS_PER_WRITER)
    args = parser.parse_args(argv)
    if args.readers < 0 or args.writers < 0 or args.duration <= 0 or args.warmup < 0:
        parser.error("readers and writers must be 0 or more, the duration more than 0")
    if any(n < 1 for n in args.apps):
        parser.error("--apps takes counts of 1 or more")
    if args.writers and args.accounts_per_writer < 1:
        parser.error("--accounts-per-writer must be 1 or more")
    rows, summaries = [], []
    for apps in args.apps:
        configuration_rows, resources = run_configuration(apps, args)
        rows += configuration_rows
        summaries.append(resources)
    cores = os.cpu_count()
    print(
        f"\n## stack  (through nginx; {args.readers} readers, {args.writers} writers, "
        f"{args.duration:g} s; {cores} cores)"
    )
    print_rows(rows)
    for resources in summaries:
        print(f"\n{resources['apps']} app process(es):")
        for key, value in resources.items():
            if key != "apps":
                print(f"  {key}: {value}")
    RESULTS.mkdir(exist_ok=True)
    # The endpoints' rows are what `python -m bench stack` saves as stack.json too.
    (RESULTS / "stack.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    (RESULTS / "stack-resources.json").write_text(
        json.dumps(summaries, indent=2, ensure_ascii=False)
    )
    lost = sum(r["lost writes"] for r in summaries)
    if lost:
        raise SystemExit(f"bench.stack: {lost} accepted comments are missing from the database")
    return rows


def run():
    """For `python -m bench stack`: the defaults."""
    return main([])


if __name__ == "__main__":
    main()
