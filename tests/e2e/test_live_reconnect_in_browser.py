"""How the live scripts (live.js, notifications.js) come back, in Chromium
against a real server: after the server restarts (uvicorn closes every
socket with 1012) the page reconnects, announces it once, and catches up to
exactly the database's comments; each close code a Puente server sends gets
its own answer (4001: at once, catching up; 4429: not for 30 s or more;
4404: never); `live.resync` catches up; coming back online reconnects.

The close codes other than 1012 come from Playwright's websocket route: the
page's socket goes through it to the real server (Chromium's own websocket,
opened by the page), and the test closes the page's side with the code a
server would send, after holding back the events the page would have missed
while it fell behind. Comments and notices made by the test process while
the page is disconnected or held back reach it only by catching up. What the
script decided is read from the page: data-state, data-attempts (connections
tried) and data-retry-ms (the wait it chose), never from timing."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments import actions as comment_actions
from comments.models import Comment
from notifications.models import Notice
from tests.e2e.conftest import ServerProcess, axe_violations, database_url_for
from tests.e2e.helpers import in_thread, sign_in, verified_user, wait_live
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    ensure_site,
    home_page,
)

pytestmark = pytest.mark.e2e

WAIT = 10_000  # ms: the longest a step that should happen at once may take
RESTART_WAIT = 45_000  # ms: a server restart and the page's backoff after it
LIVE_ROUTE = re.compile(r"/ws/consultations/\d+/(\?after=\d+)?$")
NOTIFICATIONS_ROUTE = re.compile(r"/ws/notifications/$")


class Restartable:
    """`manage.py serve` that can be stopped and started again on the same
    port, as a deploy restarts it under open pages."""

    def __init__(self, database_url, workdir):
        self.database_url, self.workdir = database_url, workdir
        self.starts = 0
        self.server = None
        self.port = None
        self.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.starts += 1
        log = self.workdir / f"server-{self.starts}.log"
        self.server = ServerProcess(self.database_url, log, port=self.port)
        self.port = self.server.port

    def stop(self):
        if self.server is not None:
            server, self.server = self.server, None
            server.stop()


@pytest.fixture
def server(transactional_db, tmp_path):
    from django.db import connection

    ensure_site()
    restartable = Restartable(database_url_for(connection), tmp_path)
    try:
        yield restartable
    finally:
        restartable.stop()


@pytest.fixture
def consultation(transactional_db, no_rate_limits):
    def make():
        index = ConsultationIndexPageFactory(parent=home_page())
        page = ConsultationPageFactory(
            parent=index, title="Mercado Municipal", questions=["¿Qué horario prefieres?"]
        )
        author = verified_user("autora@example.com", "Autora Uno", "citizen")
        question = page.ordered_questions[0].pk
        for body in ("Abrir a las siete.", "Cerrar más tarde los sábados."):
            comment_actions.do_post_comment(author, page, body=body, question=question)
        return page

    # Outside Playwright's event loop thread (a session's browser may run it).
    return in_thread(make)


def post(consultation, body):
    """A comment by someone new (no posting interval), saved by the test
    process: a page gets it only by catching up (its publish has no reader
    on the server's side while the page is disconnected or held back)."""
    count = Comment.objects.count()
    person = verified_user(f"vecino{count}@example.com", f"Vecino {count}", "citizen")
    question = consultation.ordered_questions[0].pk
    # Outside Playwright's event loop thread, as a request would run it.
    return in_thread(
        comment_actions.do_post_comment, person, consultation, body=body, question=question
    )


def assert_page_shows_the_database(page, consultation):
    """Every comment of the consultation once, in the state the database
    has; nothing else."""
    shown = page.eval_on_selector_all(
        "li.comment[data-comment-id]", "items => items.map(li => [li.id, li.dataset.status])"
    )
    shown = [tuple(item) for item in shown]
    expected = [
        (f"comment-{comment.pk}", comment.status)
        for comment in Comment.objects.filter(consultation=consultation).order_by("pk")
    ]
    assert sorted(shown) == sorted(expected)


def show_new(page, key, count):
    """The page's "N new comments — show" button says `count`; open it."""
    button = page.locator(f"#discussion-{key} .discussion__show-new")
    expect(button).to_have_text(f"{count} comentarios nuevos — mostrar", timeout=WAIT)
    button.click()


class Routes:
    """Every websocket the page opens to a matching URL, passed through to
    the real server; `hold` stops the server's frames reaching the page (a
    page that fell behind and missed them)."""

    def __init__(self, context, pattern):
        self.connections = []
        context.route_web_socket(pattern, self._route)

    def _route(self, page_side):
        connection = {"page": page_side, "hold": False}
        server_side = page_side.connect_to_server()
        connection["server"] = server_side

        def forward(message):
            if not connection["hold"]:
                page_side.send(message)

        server_side.on_message(forward)
        self.connections.append(connection)

    @property
    def last(self):
        return self.connections[-1]

    def close(self, code, reason=""):
        """The server's side ends the socket with `code`, as a server would."""
        connection = self.last
        connection["hold"] = True
        connection["page"].close(code=code, reason=reason)
        connection["server"].close()


def data(page, selector, name):
    return page.locator(selector).get_attribute(f"data-{name}")


def test_a_restarted_server_brings_the_page_back_with_every_comment(server, consultation, browser):
    key = f"question-{consultation.ordered_questions[0].pk}"
    first = Comment.objects.filter(consultation=consultation).order_by("pk").first()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + consultation.url)
        wait_live(page)
        config = page.locator("#live-config")
        announcer = page.locator("#live-announcer")

        # A deploy: uvicorn closes the page's socket (1012) and is away for a
        # while; the page says so once, politely, and keeps trying.
        server.stop()
        expect(config).not_to_have_attribute("data-state", "open", timeout=WAIT)
        expect(announcer).to_have_text(config.get_attribute("data-reconnecting"), timeout=WAIT)
        # Meanwhile two comments are posted and one is deleted by its author.
        post(consultation, "Que haya bebederos.")
        post(consultation, "Y sombra en los pasillos.")
        in_thread(comment_actions.do_delete_comment, first.author, first)

        server.start()
        expect(config).to_have_attribute("data-state", "open", timeout=RESTART_WAIT)
        assert int(config.get_attribute("data-attempts")) >= 2
        # Said once, with what the catch-up brought.
        expect(announcer).to_have_text(
            re.compile("^" + re.escape(config.get_attribute("data-reconnected")) + r" 2 \S"),
            timeout=WAIT,
        )
        # Caught up: the new ones wait behind the button, the deleted one
        # is a tombstone; nothing twice, nothing missing.
        expect(page.locator(f"#comment-{first.pk}")).to_have_attribute(
            "data-status", "deleted", timeout=WAIT
        )
        show_new(page, key, 2)
        assert_page_shows_the_database(page, consultation)
        assert axe_violations(page) == []
    finally:
        context.close()


def test_close_codes_decide_when_the_page_reconnects(server, consultation, browser):
    key = f"question-{consultation.ordered_questions[0].pk}"
    context = browser.new_context()
    try:
        routes = Routes(context, LIVE_ROUTE)
        page = context.new_page()
        page.goto(server.url + consultation.url)
        wait_live(page)
        config = page.locator("#live-config")
        assert config.get_attribute("data-attempts") == "1"

        # The server's feed was away and is back (`live.resync`): the page
        # catches up on what it missed, without reconnecting.
        routes.last["hold"] = True
        post(consultation, "Más puestos de fruta.")
        routes.last["hold"] = False
        routes.last["page"].send('{"type":"live.resync"}')
        expect(page.locator(f"#discussion-{key} .discussion__show-new")).to_have_text(
            "1 comentario nuevo — mostrar", timeout=WAIT
        )

        # 4001: the page fell behind and missed events; it comes back at
        # once (within a second, spread) and catches up by cursor.
        routes.last["hold"] = True
        post(consultation, "Estacionamiento para bicicletas.")
        post(consultation, "Baños limpios.")
        routes.close(4001, "fell behind")
        expect(config).to_have_attribute("data-state", "open", timeout=WAIT)
        assert config.get_attribute("data-attempts") == "2"
        assert 100 <= int(config.get_attribute("data-retry-ms")) <= 1000
        show_new(page, key, 3)
        assert_page_shows_the_database(page, consultation)
        # A short break is not announced (a reader hears about comments only).
        assert "vivo" not in (page.locator("#live-announcer").text_content() or "")

        # 4429: too many sockets from here; the page waits 30 s or more and
        # does not shorten it when it comes back online.
        routes.close(4429, "too many")
        expect(config).to_have_attribute("data-state", "waiting", timeout=WAIT)
        assert int(config.get_attribute("data-retry-ms")) >= 30_000
        context.set_offline(True)
        context.set_offline(False)
        page.wait_for_timeout(3_000)  # a retry it should not make would happen now
        assert config.get_attribute("data-attempts") == "2"
        assert len(routes.connections) == 2
        expect(config).to_have_attribute("data-state", "waiting")
    finally:
        context.close()


def test_the_page_reconnects_when_back_online_and_stops_on_4404(server, consultation, browser):
    context = browser.new_context()
    try:
        routes = Routes(context, LIVE_ROUTE)
        page = context.new_page()
        page.goto(server.url + consultation.url)
        wait_live(page)
        config = page.locator("#live-config")

        # Offline, the socket drops: the page waits for the network instead
        # of retrying into it, and reconnects as soon as it is back.
        context.set_offline(True)
        routes.close(1001, "going away")
        expect(config).to_have_attribute("data-state", "offline", timeout=WAIT)
        assert config.get_attribute("data-attempts") == "1"
        context.set_offline(False)
        expect(config).to_have_attribute("data-state", "open", timeout=WAIT)
        assert config.get_attribute("data-attempts") == "2"

        # 4404 (the consultation is gone): no more tries, not even online.
        routes.close(4404, "not found")
        expect(config).to_have_attribute("data-state", "stopped", timeout=WAIT)
        context.set_offline(True)
        context.set_offline(False)
        page.wait_for_timeout(2_000)  # a retry it should not make would happen now
        assert config.get_attribute("data-attempts") == "2"
        assert len(routes.connections) == 2
    finally:
        context.close()


def test_the_unread_count_comes_back_after_4001_and_on_resync(server, browser):
    beto = verified_user("beto@example.com", "Beto Lector", "citizen")
    context = browser.new_context()
    try:
        routes = Routes(context, NOTIFICATIONS_ROUTE)
        page = context.new_page()
        sign_in(page, server.url, "beto@example.com")
        page.goto(server.url + "/")
        link = page.locator("a[data-notifications-socket]")
        count = link.locator("[data-unread-count]")
        expect(link).to_have_attribute("data-state", "open", timeout=WAIT)
        opened = len(routes.connections)  # signing in led to a page with one too

        # A notice while the page was held back, then `live.resync`: the
        # page asks (ping) and shows the count.
        routes.last["hold"] = True
        Notice.objects.create(user=beto, kind="unblock", created=timezone.now())
        routes.last["hold"] = False
        routes.last["page"].send('{"type":"live.resync"}')
        expect(count).to_have_text("1", timeout=WAIT)

        # 4001: back at once; the server sends the count on connect.
        routes.last["hold"] = True
        Notice.objects.create(user=beto, kind="unblock", created=timezone.now())
        routes.close(4001, "fell behind")
        expect(count).to_have_text("2", timeout=WAIT)
        assert link.get_attribute("data-state") == "open"
        assert link.get_attribute("data-attempts") == "2"
        assert 100 <= int(link.get_attribute("data-retry-ms")) <= 1000

        # 4429: 30 s or more.
        routes.close(4429, "too many")
        expect(link).to_have_attribute("data-state", "waiting", timeout=WAIT)
        assert int(link.get_attribute("data-retry-ms")) >= 30_000
        page.wait_for_timeout(2_000)  # a retry it should not make would happen now
        assert link.get_attribute("data-attempts") == "2"
        assert len(routes.connections) == opened + 1
    finally:
        context.close()
