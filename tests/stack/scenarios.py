"""The production stack under stress, driven through nginx as users would:
live threads across the two app processes, an app process and the worker
killed and restarted, an image uploaded to one process and rendered by the
other, and the restore drill (deploy/backup.sh, wipe, deploy/restore.sh).

Everything is real: tools/stack.py's PostgreSQL, Redis, osmem-server, two
`deploy/entrypoint.sh web` processes, one `worker` and nginx. Data is made
with `stack.manage("shell", ...)` (the stack's own production settings and
database); everything else goes over HTTP and websockets through nginx,
except where a test must reach one app process by its own address.

ORDER MATTERS: the tests run top to bottom on one stack, collected in
test_production_stack.py (which imports them, so that the package runs on
one stack and one xdist worker). The kill tests restart what they killed so
that later tests have two app processes and a worker; the restore drill is
destructive and runs LAST.
"""

import asyncio
import io
import json
import re
import secrets
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests
from PIL import Image
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from comments.events import COMMENT_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # the longest any single wait may take, in seconds
CLIENTS = 6  # live clients per test (spread over both app processes by nginx)
# A word no Spanish analyser folds into another one: the worker test's
# comments all hold it, so that one search finds exactly them.
SEARCH_WORD = "zumbalorio"


HTTP = requests.Session()
HTTP.trust_env = False  # loopback only: no proxy from the environment


def manage_json(stack, code):
    """Run `code` in `manage.py shell` on the stack; it prints one line
    `RESULT <json>`, which is returned decoded."""
    done = stack.manage("shell", "-c", code)
    assert done.returncode == 0, f"manage shell failed:\n{done.stdout}\n{done.stderr}"
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line.removeprefix("RESULT "))
    raise AssertionError(f"no RESULT line in:\n{done.stdout}\n{done.stderr}")


SETUP = """
import json
from datetime import timedelta
from django.conf import settings
from django.test import Client
from django.utils import timezone
from accounts.roles import CITIZEN, EDITOR, MODERATOR
from demo.loader import accept_current_policies
from tests.factories import (
    ConsultationIndexPageFactory, ConsultationPageFactory, UserFactory, ensure_site,
)

home = ensure_site()
index = ConsultationIndexPageFactory(parent=home, slug="consultas-escenarios")
page = ConsultationPageFactory(
    parent=index, slug="consulta-escenarios", title="Consulta de escenarios",
    questions=["¿Qué opinas del puente peatonal?"],
)
old = timezone.now() - timedelta(days=365)

def session(role, n):
    # An established account (no new-account limits) signed in: its session key.
    user = UserFactory(
        roles=[role], date_joined=old, password="!", email=f"{role}{n}@escenarios.example",
        display_name=f"{role.title()} {n}",
    )
    accept_current_policies(user)  # whatever terms the site asks to accept
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value

print("RESULT " + json.dumps({
    "consultation": page.pk,
    "path": page.url,
    "question": page.questions.get().pk,
    "citizens": [session(CITIZEN, n) for n in range(%(citizens)d)],
    "moderator": session(MODERATOR, 0),
    "editor": session(EDITOR, 0),
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
}))
"""


class Site:
    """What the scenarios share: the consultation, signed-in people, and how
    to reach the stack. Each comment is posted by a new citizen (one person
    may post once every 15 s), so the pool is drawn from in order."""

    def __init__(self, stack, data):
        self.stack = stack
        self.url = stack.url.rstrip("/")
        self.host = urlsplit(self.url).netloc
        self.consultation = data["consultation"]
        self.path = data["path"]
        self.question = data["question"]
        self.citizens = list(data["citizens"])
        self.moderator = data["moderator"]
        self.editor = data["editor"]
        self.session_cookie = data["session_cookie"]
        self.csrf_cookie = data["csrf_cookie"]
        self.image = None  # set by the image test, checked by the restore drill

    @property
    def api(self):
        return f"{self.url}/api/v1/consultations/{self.consultation}/comments/"

    @property
    def ws(self):
        return f"ws://{self.host}/ws/consultations/{self.consultation}/"

    def cookies(self, session, csrf=None):
        header = f"{self.session_cookie}={session}"
        return header + (f"; {self.csrf_cookie}={csrf}" if csrf else "")

    def post_comment(self, body, base=None):
        """POST to the JSON API (through nginx unless `base` says otherwise)
        as the next citizen; returns the comment's data."""
        session = self.citizens.pop(0)
        token = secrets.token_hex(16)  # a CSRF secret of the length Django accepts
        response = HTTP.post(
            f"{base or self.url}/api/v1/consultations/{self.consultation}/comments/",
            json={"body": body, "question": self.question},
            headers={"Cookie": self.cookies(session, token), "X-CSRFToken": token},
            timeout=30,
        )
        assert response.status_code == 201, (response.status_code, response.text[:500])
        return response.json()

    def changes(self, after=0):
        """(id, body) of every comment changed after cursor `after`, in change
        order, and the cursor reached."""
        found = []
        while True:
            page = get_json(f"{self.api}?after={after}")
            if not page["results"]:
                return found, after
            found += [(c["id"], c["body"]) for c in page["results"]]
            after = max(after, page["next_cursor"])

    def cursor(self):
        return get_json(self.api)["next_cursor"]

    def search(self, word):
        """A moderator's comment search through nginx: (status, ids found)."""
        response = HTTP.get(
            f"{self.url}/api/v1/moderation/search/",
            params={"q": word, "consultation": self.consultation, "per_page": 100},
            headers={"Cookie": self.cookies(self.moderator)},
            timeout=30,
        )
        if response.status_code != 200:
            return response.status_code, set()
        return 200, {found["id"] for found in response.json()["results"]}


def get_json(url, headers=None):
    """GET with the public read budget in mind: a 429 waits its Retry-After."""
    for _ in range(10):
        response = HTTP.get(url, headers=headers or {}, timeout=30)
        if response.status_code == 429:
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        response.raise_for_status()
        return response.json()
    raise AssertionError(f"still throttled: {url}")


@pytest.fixture(scope="module")
def site(stack):
    return Site(stack, manage_json(stack, SETUP % {"citizens": 40}))


# ---------------------------------------------------------------------------
# Live clients


class LoopThread:
    """An asyncio loop in a daemon thread for the websocket clients, while
    the test thread posts and kills processes. Every wait is bounded."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout=WAIT):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def spawn(self, coroutine):
        async def as_task():
            return asyncio.get_running_loop().create_task(coroutine)

        return self.run(as_task())

    def close(self):
        async def cancel_all():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.run(cancel_all(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


@pytest.fixture
def loop_thread():
    loop = LoopThread()
    yield loop
    loop.close()


class LiveClient:
    """A page's live thread as live.js keeps it, through nginx: one
    websocket; on every (re)connection, fetch every change after the last
    cursor applied; an event whose cursor jumps fetches what lies between;
    reconnect with a short backoff. `applied` is every comment id the page
    added, in order: no gap and no duplicate means it equals the database's
    list exactly."""

    def __init__(self, site, name, cursor):
        self.site, self.name, self.cursor = site, name, cursor
        self.applied = []
        self.live = []  # (cursor, id) of every comment event received
        self.request_ids = []  # X-Request-ID of each accepted connection
        self.closes = []  # how each connection ended
        self.connections = 0
        self.is_open = False
        self.ws = None
        self.stopped = False

    async def run(self):
        delay = 0.1
        while not self.stopped:
            try:
                async with connect(
                    self.site.ws, origin=self.site.url, proxy=None, open_timeout=5, close_timeout=1
                ) as ws:
                    self.ws, delay = ws, 0.1
                    self.connections += 1
                    self.request_ids.append(ws.response.headers.get("X-Request-ID"))
                    # Subscribed before the fetch: nothing falls in between.
                    await self.catch_up()
                    self.is_open = True
                    async for raw in ws:
                        await self.on_frame(json.loads(raw))
                    self.closes.append(f"closed {ws.close_code}")
            except (OSError, TimeoutError, WebSocketException, requests.RequestException) as error:
                self.closes.append(repr(error)[:200])
            finally:
                self.is_open, self.ws = False, None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def on_frame(self, frame):
        if frame.get("type") not in COMMENT_EVENTS or not isinstance(frame.get("cursor"), int):
            return
        cursor, comment_id = frame["cursor"], frame["comment"]["id"]
        self.live.append((cursor, comment_id))
        if cursor > self.cursor + 1:  # changes were missed: fetch them
            await self.catch_up()
        if cursor > self.cursor:
            self.apply(comment_id)
            self.cursor = cursor

    def apply(self, comment_id):
        if comment_id not in self.applied:
            self.applied.append(comment_id)
        else:  # a change to a comment shown already: not a new one
            self.applied.append(("again", comment_id))

    async def catch_up(self):
        changed, cursor = await asyncio.to_thread(self.site.changes, self.cursor)
        for comment_id, _body in changed:
            self.apply(comment_id)
        self.cursor = max(self.cursor, cursor)

    async def close(self):
        self.stopped = True
        if self.ws is not None:
            await self.ws.close()


def wait_for(condition, describe, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {describe()}")
        time.sleep(0.05)


def group_subscribers(stack, consultation):
    """How many app processes hold a socket of the consultation's group: each
    subscribes once to the group's Redis channel (channels_redis pub/sub)."""
    client = redis.Redis.from_url(stack.env["REDIS_URL"], socket_timeout=5)
    try:
        channel = f"asgi__group__consultation.{consultation}"
        return dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)
    finally:
        client.close()


def start_clients(site, loop_thread, count=CLIENTS):
    """At least `count` live clients through nginx, connected one after
    another, until both app processes hold some: nginx's round robin spreads
    them, but it skips a process for a while after failing to reach it."""
    cursor = site.cursor()
    clients = []
    deadline = time.monotonic() + WAIT
    while len(clients) < count or not on_every_process(site):
        if time.monotonic() > deadline:
            raise AssertionError(f"{group_subscribers(site.stack, site.consultation)} processes")
        client = LiveClient(site, f"c{len(clients)}", cursor)
        loop_thread.spawn(client.run())
        wait_for(lambda c=client: c.is_open, lambda c=client: c.closes)
        clients.append(client)
        if len(clients) % 2 == 0:
            # Each client makes two requests (the handshake, then its catch-up
            # fetch): with two app processes, strict round robin would send
            # every handshake to the same one. One more request shifts it.
            HTTP.get(f"{site.url}/health/live", timeout=10)
        if len(clients) >= count:
            time.sleep(0.5)
    return clients


def on_every_process(site):
    return group_subscribers(site.stack, site.consultation) == len(site.stack.apps)


def close_clients(clients, loop_thread):
    for client in clients:
        loop_thread.run(client.close())


def request_log(stack):
    """Every JSON line of the app processes' logs (the request log)."""
    lines = []
    for app in stack.apps:
        for line in stack.logs(app.name).splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "request_id" in record:
                lines.append(record)
    return lines


def socket_lines(stack, request_ids):
    return [
        r
        for r in request_log(stack)
        if r.get("method") == "WEBSOCKET" and r.get("request_id") in request_ids
    ]


def all_comment_ids(site):
    return [comment_id for comment_id, _body in site.changes(0)[0]]


# ---------------------------------------------------------------------------
# 1. Live across processes through nginx


def test_a_comment_reaches_clients_on_both_app_processes_through_nginx(site, loop_thread):
    """Six websockets through nginx, spread by its round robin over both app
    processes (their request-log lines name both pids); a comment posted over
    HTTP through nginx is saved by one process and reaches every client live,
    so it crossed processes through Redis."""
    stack = site.stack
    before = all_comment_ids(site)
    clients = start_clients(site, loop_thread)

    posted = [
        site.post_comment(f"Comentario en vivo {i}: más sombra en la plaza.") for i in range(2)
    ]
    ids = [c["id"] for c in posted]
    wait_for(
        lambda: all(len(c.live) >= len(ids) for c in clients),
        lambda: {c.name: c.live for c in clients},
    )
    time.sleep(0.5)  # a duplicate would arrive now
    for client in clients:
        assert [i for _, i in client.live] == ids, client.name  # live, in order, once
        assert client.applied == ids, client.name
        assert client.connections == 1, (client.name, client.closes)
    assert all_comment_ids(site) == before + ids

    # Which process accepted each socket: the request log's line for it
    # (written when the socket closes) carries the process id.
    request_ids = {rid for c in clients for rid in c.request_ids}
    assert None not in request_ids, "nginx and the app must answer the handshake with X-Request-ID"
    close_clients(clients, loop_thread)
    wait_for(
        lambda: len(socket_lines(stack, request_ids)) == len(request_ids),
        lambda: socket_lines(stack, request_ids),
    )
    lines = socket_lines(stack, request_ids)
    assert all(line["status"] == 101 for line in lines), lines
    assert {line["pid"] for line in lines} == {app.pid for app in stack.apps}, lines


# ---------------------------------------------------------------------------
# 2. An app process killed while clients are connected


def test_killing_an_app_process_loses_no_live_comment(site, loop_thread):
    """App process 0 is SIGKILLed with six clients connected through nginx.
    Its clients see their socket close, reconnect through nginx (which
    passes them to the surviving process) and catch up by cursor; comments
    posted through nginx while it is down are answered by the other
    process. Every client ends with every comment exactly once, in cursor
    order. The process is started again afterwards; nginx uses it again."""
    stack = site.stack
    clients = start_clients(site, loop_thread)
    base = len(all_comment_ids(site))

    site.post_comment("Antes del corte: faltan bancas.")
    wait_for(lambda: all(len(c.live) == 1 for c in clients), lambda: [c.live for c in clients])

    victim = stack.apps[0]
    victim.kill()
    posted = [site.post_comment(f"Durante el corte {i}: iluminación.") for i in range(3)]
    # The victim's clients saw their socket end and came back through nginx.
    wait_for(
        lambda: any(c.connections == 2 for c in clients) and all(c.is_open for c in clients),
        lambda: {c.name: (c.connections, c.is_open, c.closes) for c in clients},
    )
    moved = [c for c in clients if c.connections >= 2]
    stayed = [c for c in clients if c.connections == 1]
    assert moved and stayed, {c.name: c.closes for c in clients}  # both processes had clients
    wait_for(lambda: group_subscribers(stack, site.consultation) == 1, lambda: "victim's subs")

    posted.append(site.post_comment("Después del corte: gracias."))
    everything = all_comment_ids(site)
    expected = everything[base:]
    assert len(expected) == 1 + len(posted)
    wait_for(
        lambda: all(c.applied == expected for c in clients),
        lambda: {c.name: (c.applied, c.closes) for c in clients},
    )
    time.sleep(0.5)  # a duplicate would arrive now
    for client in clients:
        assert client.applied == expected, (client.name, client.applied)  # no gap, no duplicate
        assert len(set(client.live)) == len(client.live), client.name
    close_clients(clients, loop_thread)

    # Started again: nginx sends sockets to it once more.
    victim.start()  # returns once its /health/ready answers 200
    again = start_clients(site, loop_thread, count=4)
    close_clients(again, loop_thread)


def wait_until_ready(url, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if HTTP.get(f"{url.rstrip('/')}/health/ready", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} not ready within {timeout} s")
        time.sleep(0.2)


# ---------------------------------------------------------------------------
# 3. The worker killed and restarted


BACKLOG = """
import json
from search.models import PendingIndex
from django_tasks_db.models import DBTaskResult
ids = %(ids)r
print("RESULT " + json.dumps({
    "pending": sorted(
        PendingIndex.objects.filter(comment_id__in=ids).values_list("comment_id", flat=True)
    ),
    "queued": DBTaskResult.objects.filter(status="READY", task_path__startswith="search.").count(),
}))
"""


def test_killing_the_worker_loses_no_indexing(site):
    """The worker is SIGKILLed; five comments posted through nginx wait in the
    indexing backlog and the task queue (a moderator's search does not find
    them); the worker is started again, the backlog drains, and the search
    through nginx finds every one of them."""
    stack = site.stack
    wait_until_searchable(site, set(), word=SEARCH_WORD)  # the index answers
    stack.worker.kill()
    ids = {
        site.post_comment(f"Comentario {i} sobre el {SEARCH_WORD} del parque.")["id"]
        for i in range(5)
    }
    state = manage_json(stack, BACKLOG % {"ids": sorted(ids)})
    assert set(state["pending"]) == ids, state  # every one waits in the backlog
    assert state["queued"] >= 1, state  # and its indexing task in the queue
    time.sleep(1)
    assert site.search(SEARCH_WORD) == (200, set())  # not indexed while the worker is down

    started = time.monotonic()
    stack.worker.start()
    wait_until_searchable(site, ids, word=SEARCH_WORD, timeout=60)
    drained = time.monotonic() - started
    deadline = time.monotonic() + WAIT
    while (state := manage_json(stack, BACKLOG % {"ids": sorted(ids)}))["pending"]:
        # Searchable a moment before the backlog rows are deleted (same task).
        assert time.monotonic() < deadline, state
        time.sleep(0.5)
    print(f"scenarios: the restarted worker indexed the backlog in {drained:.1f} s")


def wait_until_searchable(site, ids, word, timeout=WAIT):
    """Until the moderator's search answers 200 with exactly `ids`."""
    deadline = time.monotonic() + timeout
    while True:
        status, found = site.search(word)
        if status == 200 and found == ids:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"search for {word!r}: {status} {sorted(found)}, want {ids}")
        time.sleep(0.5)


# ---------------------------------------------------------------------------
# 4. An image uploaded to one process, rendered by the other


IMAGE_STATE = """
import json
from django.conf import settings
from wagtail.images.models import Image
image = Image.objects.get(title=%(title)r)
print("RESULT " + json.dumps({
    "id": image.pk, "file": image.file.name, "renditions": image.renditions.count(),
}))
"""

SET_LOGO = """
import json
from wagtail.images.models import Image
from wagtail.models import Site
from core.models import SiteIdentity
identity = SiteIdentity.for_site(Site.objects.get(is_default_site=True))
identity.logo = Image.objects.get(pk=%(id)d)
identity.save()
print("RESULT " + json.dumps({"logo": identity.logo_id}))
"""


def png_bytes(width=320, height=192):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_uploaded_to_one_process_is_rendered_by_the_other(site):
    """An editor uploads an image in the Wagtail admin of app process 0 (its
    own address); it becomes the site's logo; app process 1 renders the home
    page, which makes the logo's rendition; nginx serves both the original
    and the rendition from the shared media folder."""
    stack = site.stack
    uploader, renderer = stack.apps[0], stack.apps[1]
    original = png_bytes()
    title = f"Logo escenarios {uuid.uuid4().hex[:8]}"
    token = secrets.token_hex(16)
    response = HTTP.post(
        f"{uploader.url.rstrip('/')}/admin/images/add/",
        data={"title": title, "csrfmiddlewaretoken": token},
        files={"file": ("logo-escenarios.png", original, "image/png")},
        headers={"Cookie": site.cookies(site.editor, token), "Host": site.host},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, (response.status_code, response.text[:2000])
    image = manage_json(stack, IMAGE_STATE % {"title": title})
    assert image["renditions"] == 0, image
    upload_lines = [
        r
        for r in request_log(stack)
        if r.get("method") == "POST" and r.get("path") == "/admin/images/add/"
    ]
    assert {r["pid"] for r in upload_lines} == {uploader.pid}, upload_lines

    served = HTTP.get(f"{site.url}/media/{image['file']}", timeout=30)
    assert served.status_code == 200, served.status_code
    assert served.content == original

    manage_json(stack, SET_LOGO % {"id": image["id"]})
    home = HTTP.get(f"{renderer.url.rstrip('/')}/", headers={"Host": site.host}, timeout=30)
    assert home.status_code == 200, home.status_code
    found = re.search(r'<img[^>]*src="(/media/images/[^"]+)"[^>]*class="site-logo"', home.text)
    found = found or re.search(
        r'<img[^>]*class="site-logo"[^>]*src="(/media/images/[^"]+)"', home.text
    )
    assert found, "the home page shows no logo rendition"
    rendition_url = found.group(1)
    # Made by that request (the logo, and the page's social card image).
    assert manage_json(stack, IMAGE_STATE % {"title": title})["renditions"] >= 1

    rendition = HTTP.get(f"{site.url}{rendition_url}", timeout=30)
    assert rendition.status_code == 200, (rendition_url, rendition.status_code)
    assert Image.open(io.BytesIO(rendition.content)).size == (160, 96)  # height-96
    site.image = {
        "original": f"/media/{image['file']}",
        "original_bytes": original,
        "rendition": rendition_url,
        "rendition_bytes": rendition.content,
    }


# ---------------------------------------------------------------------------
# 5. Backups: bad input first (nothing is touched), then the restore drill


def script(stack, name, *args, env=None):
    return subprocess.run(
        [str(ROOT / "deploy" / name), *map(str, args)],
        env={**stack.env, **(env or {})},
        cwd=stack.tmp,
        capture_output=True,
        text=True,
        timeout=300,
    )


def error_line(done):
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def comments_shown(site):
    """(id, body) of every comment of the consultation, as the API lists them."""
    return site.changes(0)[0]


def test_backup_and_restore_refuse_bad_input_and_touch_nothing(site, tmp_path):
    stack = site.stack
    before = comments_shown(site)
    assert before

    no_url = script(stack, "backup.sh", tmp_path / "b", env={"DATABASE_URL": ""})
    assert no_url.returncode == 1
    assert "DATABASE_URL is not set" in error_line(no_url)
    mysql = script(stack, "backup.sh", tmp_path / "b", env={"DATABASE_URL": "mysql://u:pw@h/db"})
    assert mysql.returncode == 1
    assert "DATABASE_URL must be a postgres:// URL" in error_line(mysql)
    assert "pw" not in mysql.stderr

    made = script(stack, "backup.sh", tmp_path / "b")
    assert made.returncode == 0, made.stderr
    (backup,) = (tmp_path / "b").glob("puente-*")

    missing = script(stack, "restore.sh", tmp_path / "nowhere", "--yes")
    assert missing.returncode == 1
    assert "is not a folder" in error_line(missing)

    dry = script(stack, "restore.sh", backup)  # no --yes: checks, restores nothing
    assert dry.returncode == 0, dry.stderr
    assert "nothing done" in dry.stdout

    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    with open(damaged / "database.dump", "ab") as dump:
        dump.write(b"\0garbage")
    refused = script(stack, "restore.sh", damaged, "--yes")
    assert refused.returncode == 1
    assert "does not match its SHA256SUMS" in error_line(refused)

    # A dump cut short: pg_restore cannot read it, refused before anything.
    truncated = tmp_path / "truncated"
    shutil.copytree(backup, truncated)
    dump = (truncated / "database.dump").read_bytes()
    (truncated / "database.dump").write_bytes(dump[: len(dump) * 3 // 4])
    rewrite_sums(truncated)
    cut = script(stack, "restore.sh", truncated, "--yes")
    assert cut.returncode == 1
    assert "is not a pg_dump archive pg_restore can read" in error_line(cut)

    # Data damaged inside the dump (its table of contents intact) and the
    # checksums rewritten: restore.sh reads the whole archive first, so it is
    # refused before anything is dropped (the restore's single transaction
    # stays the guard for what only the database can refuse).
    damaged_data = tmp_path / "damaged-data"
    shutil.copytree(backup, damaged_data)
    dump = bytearray((damaged_data / "database.dump").read_bytes())
    # The table data comes after the table of contents: zero some of its end.
    dump[-600:-100] = bytes(500)
    (damaged_data / "database.dump").write_bytes(bytes(dump))
    rewrite_sums(damaged_data)
    listed = subprocess.run(
        ["pg_restore", "--list", damaged_data / "database.dump"], capture_output=True, check=False
    )
    assert listed.returncode == 0, "the damage must spare the table of contents"
    failed = script(stack, "restore.sh", damaged_data, "--yes")
    assert failed.returncode == 1, failed.stdout
    assert "is not a pg_dump archive pg_restore can read" in error_line(failed)

    assert comments_shown(site) == before  # nothing was lost
    assert HTTP.get(f"{site.url}{site.path}", timeout=30).status_code == 200


def rewrite_sums(backup):
    sums = subprocess.run(
        ["sha256sum", "database.dump", "media.tar.gz"], cwd=backup, capture_output=True, check=True
    )
    (backup / "SHA256SUMS").write_bytes(sums.stdout)


def database_admin_url(stack):
    """DATABASE_URL on the server's maintenance database `postgres`."""
    parts = urlsplit(stack.env["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", "")), parts.path.lstrip("/")


def psql(url, sql):
    return subprocess.run(
        ["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()


def test_the_restore_drill_brings_back_the_same_site(site, tmp_path):
    """RUN LAST: destructive. As docs/operations.md says: back up
    (deploy/backup.sh), lose everything (drop and recreate the database,
    remove the media folder), restore (deploy/restore.sh), migrate and
    rebuild the comment index, start again. Through nginx the site then
    shows the same comments (ids and texts), the same image and rendition
    bytes, and the moderator's search and session still work."""
    stack = site.stack
    assert site.image, "the image test runs before the drill"
    before = comments_shown(site)
    page_before = HTTP.get(f"{site.url}{site.path}", timeout=30)
    assert page_before.status_code == 200
    last_body = before[-1][1]

    started = time.monotonic()
    made = script(stack, "backup.sh", tmp_path / "backups")
    assert made.returncode == 0, made.stderr
    backup_seconds = time.monotonic() - started
    (backup,) = (tmp_path / "backups").glob("puente-*")
    assert sorted(p.name for p in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "media.tar.gz",
    ]
    assert "@" not in made.stdout  # the URL is printed without user or password

    # Disaster: the app and worker stop, the database and media are gone.
    for process in (*stack.apps, stack.worker):
        process.stop()
    admin_url, name = database_admin_url(stack)
    psql(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')
    psql(admin_url, f'CREATE DATABASE "{name}"')
    media = Path(stack.env["PUENTE_MEDIA_ROOT"])
    shutil.rmtree(media)
    assert (
        psql(
            stack.env["DATABASE_URL"], "select count(*) from pg_tables where schemaname = 'public'"
        )
        == "0"
    )

    started = time.monotonic()
    restored = script(stack, "restore.sh", backup, "--yes")
    assert restored.returncode == 0, restored.stderr
    restore_seconds = time.monotonic() - started
    release = stack.run_entrypoint("release")
    assert release.returncode == 0, release.stderr
    rebuilt = stack.manage("search_rebuild", "--no-progress")
    assert rebuilt.returncode == 0, rebuilt.stderr
    for process in (*stack.apps, stack.worker):
        process.start()
    wait_until_ready(site.url)  # start() waited for each app; nginx too now

    assert comments_shown(site) == before
    page = HTTP.get(f"{site.url}{site.path}", timeout=30)
    assert page.status_code == 200
    assert last_body in page.text
    for key in ("original", "rendition"):
        served = HTTP.get(f"{site.url}{site.image[key]}", timeout=30)
        assert served.status_code == 200, (key, served.status_code)
        assert served.content == site.image[f"{key}_bytes"], key
    status, found = site.search(SEARCH_WORD)  # the moderator's session came back too
    assert status == 200 and len(found) == 5, (status, found)
    print(
        f"scenarios: backup {backup_seconds:.1f} s, restore {restore_seconds:.1f} s"
        f"\n{made.stdout}{restored.stdout}"
    )
