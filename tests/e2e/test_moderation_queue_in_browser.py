"""The moderators' live queue in a real browser against a real server:
a citizen's flag appears in the queue without a reload (announced politely),
the moderator hides it through the plain form and the citizen's page loses
it; axe-core passes on the queue page; a row being typed in is never pulled
away from under the moderator."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from moderation import actions
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import in_thread, sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e
SECRET = "Un insulto que solo los moderadores leen"


@pytest.fixture
def browser_site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    page = ConsultationPageFactory(parent=index, questions=["¿Qué cambiarías?"])
    return {
        "server": asgi_server,
        "page": page,
        "author": verified_user("autora@example.com", "Autora Visible", CITIZEN),
        "reporter": verified_user("reporta@example.com", "Reportera", CITIZEN),
        "moderator": verified_user("mod@example.com", "Mora", MODERATOR),
        "other_moderator": verified_user("mod2@example.com", "Otra Mod", MODERATOR),
    }


def test_a_flag_appears_live_and_a_hide_reaches_the_citizens_page(browser_site, browser):
    site = browser_site
    base, consultation = site["server"].url, site["page"]
    question = consultation.ordered_questions[0].pk
    comment = comment_actions.do_post_comment(
        site["author"], consultation, body=SECRET, question=question
    )
    moderator_context, citizen_context = browser.new_context(), browser.new_context()
    try:
        citizen = citizen_context.new_page()
        sign_in(citizen, base, "reporta@example.com")
        citizen.goto(base + consultation.url)
        citizen.wait_for_selector('#live-config[data-state="open"]', state="attached")

        queue_tab = moderator_context.new_page()
        sign_in(queue_tab, base, "mod@example.com")
        queue_tab.goto(base + reverse("moderation_admin:queue"))
        root = queue_tab.locator("[data-moderation-queue]")
        queue_tab.wait_for_selector('[data-moderation-queue][data-state="open"]', state="attached")
        assert queue_tab.locator("[data-queue-empty]").is_visible()
        assert axe_violations(queue_tab) == []

        # The citizen flags: the item appears without a reload, announced.
        in_thread(actions.do_flag, site["reporter"], comment, reason="abusive")
        item = queue_tab.locator(f"#queue-item-{comment.pk}")
        item.wait_for(state="visible", timeout=10_000)
        assert SECRET in item.inner_text()
        live = queue_tab.locator("[data-queue-live]")
        # A locator assertion: wait_for_function polls with eval(), which
        # the admin's Content-Security-Policy refuses.
        announced = queue_tab.locator("[data-moderation-queue]").get_attribute("data-msg-new")
        expect(live).to_have_text(announced)
        assert not queue_tab.locator("[data-queue-empty]").is_visible()
        assert axe_violations(queue_tab) == []

        # The moderator hides it with a reason through the plain form.
        item.locator("select[name=reason]").select_option("abusive")
        item.locator("button[value=hide]").click()
        queue_tab.wait_for_selector(f"#queue-item-{comment.pk}", state="detached")
        assert root.locator(".queue-item").count() == 0
        # The citizen's page loses it: a tombstone in its place.
        citizen.wait_for_selector(f'#comment-{comment.pk}[data-status="hidden"]', timeout=10_000)
        assert SECRET not in citizen.locator(f"#comment-{comment.pk}").inner_text()
    finally:
        moderator_context.close()
        citizen_context.close()


def test_a_row_being_worked_on_is_never_pulled_away(browser_site, browser):
    site = browser_site
    base, consultation = site["server"].url, site["page"]
    question = consultation.ordered_questions[0].pk
    first, second = (
        comment_actions.do_post_comment(site["author"], consultation, body=body, question=question)
        for body in ("Primero en la cola", "Segundo en la cola")
    )
    for comment in (first, second):
        actions.do_flag(site["reporter"], comment, reason="spam")
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "mod@example.com")
        tab.goto(base + reverse("moderation_admin:queue"))
        tab.wait_for_selector('[data-moderation-queue][data-state="open"]', state="attached")
        note = tab.locator(f"#queue-item-{first.pk}-note")
        note.fill("Estoy escribiendo")
        note.focus()
        # Another moderator resolves both: the untouched row goes, the one
        # being typed in stays, marked, with focus and text where they were.
        in_thread(actions.do_decide, site["other_moderator"], second, action="approve")
        tab.wait_for_selector(f"#queue-item-{second.pk}", state="detached", timeout=10_000)
        in_thread(actions.do_decide, site["other_moderator"], first, action="approve")
        row = tab.locator(f"#queue-item-{first.pk}")
        tab.wait_for_selector(f"#queue-item-{first.pk}.queue-item--stale", timeout=10_000)
        assert row.locator("[data-queue-item-status]").inner_text().strip()
        assert tab.evaluate("document.activeElement.id") == f"queue-item-{first.pk}-note"
        assert note.input_value() == "Estoy escribiendo"
    finally:
        context.close()


# Every WebSocket the page opens is kept in window.__sockets; while
# window.__holdSockets is true, new ones go to a path the server refuses, so
# the page stays disconnected for as long as the test wants.
HOLD_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__holdSockets = false;
  function Held(url, protocols) {
    const target = window.__holdSockets ? url.replace(/\\/ws\\/.*$/, "/ws/nowhere/") : url;
    const socket = protocols === undefined ? new Native(target) : new Native(target, protocols);
    window.__sockets.push(socket);
    return socket;
  }
  Held.prototype = Native.prototype;
  Object.assign(Held, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Held;
})();
"""


def test_a_reconnected_queue_shows_what_it_missed(browser_site, browser):
    """The moderator's socket is lost; meanwhile two comments are flagged and
    another moderator resolves the item on screen. Back online, the page
    asks for the changes after its cursor: the new items appear, the
    resolved one goes, and the live region says the queue is up to date."""
    site = browser_site
    base, consultation = site["server"].url, site["page"]
    question = consultation.ordered_questions[0].pk
    shown, first, second = (
        comment_actions.do_post_comment(site["author"], consultation, body=body, question=question)
        for body in ("Ya estaba en la cola", "Reportado sin conexión", "También sin conexión")
    )
    actions.do_flag(site["reporter"], shown, reason="spam")
    context = browser.new_context()
    context.add_init_script(HOLD_SOCKETS)
    try:
        tab = context.new_page()
        sign_in(tab, base, "mod@example.com")
        tab.goto(base + reverse("moderation_admin:queue"))
        root = tab.locator("[data-moderation-queue]")
        tab.wait_for_selector('[data-moderation-queue][data-state="open"]', state="attached")
        assert tab.locator(f"#queue-item-{shown.pk}").is_visible()
        assert root.get_attribute("data-cursor") == "1"

        # The connection goes and stays gone.
        tab.evaluate("window.__holdSockets = true; window.__sockets.forEach((s) => s.close())")
        tab.wait_for_selector('[data-moderation-queue][data-state="waiting"]', state="attached")
        in_thread(actions.do_flag, site["reporter"], first, reason="abusive")
        in_thread(actions.do_flag, site["reporter"], second, reason="spam")
        in_thread(actions.do_decide, site["other_moderator"], shown, action="approve")
        # Nothing reached the page meanwhile.
        assert tab.locator(f"#queue-item-{first.pk}").count() == 0
        assert tab.locator(f"#queue-item-{shown.pk}").is_visible()

        # Back online: it reconnects at once and catches up by cursor.
        tab.evaluate("window.__holdSockets = false; window.dispatchEvent(new Event('online'))")
        tab.wait_for_selector('[data-moderation-queue][data-state="open"]', state="attached")
        for comment in (first, second):
            tab.locator(f"#queue-item-{comment.pk}").wait_for(state="visible", timeout=10_000)
        tab.wait_for_selector(f"#queue-item-{shown.pk}", state="detached", timeout=10_000)
        assert "Reportado sin conexión" in tab.locator(f"#queue-item-{first.pk}").inner_text()
        assert root.locator(".queue-item").count() == 2
        caught_up = root.get_attribute("data-msg-caught-up").replace("%(count)s", "3")
        expect(tab.locator("[data-queue-live]")).to_have_text(caught_up)
        assert axe_violations(tab) == []
        # Nothing twice: a later change arrives live, once.
        third = in_thread(
            comment_actions.do_post_comment,
            site["author"],
            consultation,
            body="Reportado ya en vivo",
            question=question,
        )
        in_thread(actions.do_flag, site["reporter"], third, reason="spam")
        tab.locator(f"#queue-item-{third.pk}").wait_for(state="visible", timeout=10_000)
        expect(tab.locator("[data-queue-live]")).to_have_text(root.get_attribute("data-msg-new"))
        assert root.locator(".queue-item").count() == 3
    finally:
        context.close()
