"""Moderation in real browsers: a held comment approved while its author
watches becomes an ordinary comment in place (never twice); removed and
restored comments change in place; the report form and the notices page
pass axe."""

import pytest

from comments import actions as comment_actions
from moderation import actions
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import in_thread, sign_in, verified_user, wait_live
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    page = ConsultationPageFactory(parent=index, questions=["¿Qué cambiarías?"])
    held_page = ConsultationPageFactory(
        parent=index, questions=["¿Qué falta?"], moderation_mode="pre"
    )
    return {
        "server": asgi_server,
        "page": page,
        "held_page": held_page,
        "author": verified_user("autora@example.com", "Autora Atenta", "citizen"),
        "reader": verified_user("lector@example.com", "Lector Curioso", "citizen"),
        "moderator": verified_user("mod@example.com", "Mora", "moderator"),
    }


def decide(*args, **kwargs):
    """A decision taken outside the browser's event loop thread (its events
    are published with async_to_sync, as in a moderator's request)."""
    return in_thread(actions.do_decide, *args, **kwargs)


def say(user, consultation, body, **anchor):
    anchor = anchor or {"question": consultation.ordered_questions[0].pk}
    return comment_actions.do_post_comment(user, consultation, body=body, **anchor)


def test_an_approved_held_comment_is_replaced_in_place(site, browser):
    base, consultation = site["server"].url, site["held_page"]
    held = say(site["author"], consultation, "Espero la revisión")
    assert held.status == "held"
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "autora@example.com")
        tab.goto(f"{base}/en{consultation.url}")
        wait_live(tab)
        item = tab.locator(f"#comment-{held.pk}")
        assert item.get_attribute("data-status") == "held"
        assert item.locator(".comment__held-mark").inner_text() == (
            "Awaiting review — only you can see this comment"
        )
        decide(site["moderator"], held, action="approve")
        tab.wait_for_selector(f'#comment-{held.pk}[data-status="published"]', timeout=10_000)
        assert tab.locator(f'[data-comment-id="{held.pk}"]').count() == 1
        assert item.locator(".comment__held-mark").count() == 0
        assert "comment--held" not in item.get_attribute("class")
        assert item.locator(".comment__author").inner_text() == "Autora Atenta"
        assert "Espero la revisión" in item.locator(".comment__body").inner_text()
        assert tab.locator(".discussion__new:not([hidden])").count() == 0
        assert axe_violations(tab) == []
    finally:
        context.close()


def test_removed_and_restored_comments_change_in_place(site, browser):
    base, consultation = site["server"].url, site["page"]
    parent = say(site["author"], consultation, "Primero")
    reply = say(site["author"], consultation, "Respuesta", question=None, parent=parent.pk)
    comment_actions.do_react(site["moderator"], reply, "agree")
    other = say(site["author"], consultation, "Segundo")
    actions.do_decide(site["moderator"], parent, action="hide", reason="spam")
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "lector@example.com")
        tab.goto(f"{base}/en{consultation.url}")
        wait_live(tab)
        other_item = tab.locator(f"#comment-{other.pk} > .comment__card")
        assert other_item.locator(".comment__report-link").is_visible()
        decide(site["moderator"], other, action="remove", reason="personal_data")
        tab.wait_for_selector(f'#comment-{other.pk}[data-status="removed"]', timeout=10_000)
        assert other_item.locator(".comment__author").inner_text() == "Removed by moderation"
        assert not other_item.locator(".comment__report-link").is_visible()
        assert other_item.locator(".comment__body").inner_text() == ""

        # The hidden parent (a tombstone from the server) is restored: its
        # card gains counts, its reply keeps its own.
        reply_agree = tab.locator(f"#comment-{reply.pk} > .comment__card [data-count=agree]")
        assert reply_agree.inner_text() == "1"
        decide(site["moderator"], parent, action="restore")
        tab.wait_for_selector(f'#comment-{parent.pk}[data-status="published"]', timeout=10_000)
        card = tab.locator(f"#comment-{parent.pk} > .comment__card")
        assert card.locator(".comment__author").inner_text() == "Autora Atenta"
        assert card.locator("[data-count=agree]").inner_text() == "0"
        assert reply_agree.inner_text() == "1"
        assert tab.locator(f'[data-comment-id="{parent.pk}"]').count() == 1
        assert axe_violations(tab) == []
    finally:
        context.close()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_report_form_and_notices_pass_axe(site, browser, prefix):
    base, consultation = site["server"].url, site["page"]
    comment = say(site["author"], consultation, "Para reportar")
    hidden = say(site["author"], consultation, "Para ocultar")
    actions.do_decide(site["moderator"], hidden, action="hide", reason="abusive")
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "lector@example.com")
        tab.goto(f"{base}{prefix}/moderacion/comentarios/{comment.pk}/reportar/")
        assert axe_violations(tab) == []
        tab.locator(".flag-form button[type=submit]").click()  # no reason: errors
        tab.wait_for_selector(".error-summary")
        assert axe_violations(tab) == []
        tab.locator("#reason-spam").check()
        tab.locator(".flag-form button[type=submit]").click()
        # The report's own page is a plain form (forms.js answers in place
        # only on the consultation page): it goes back to the comment.
        tab.wait_for_url(lambda url: f"#comment-{comment.pk}" in url)
        assert tab.locator(".message--success").count() == 1
        assert axe_violations(tab) == []

        tab2 = browser.new_context()
        author_tab = tab2.new_page()
        sign_in(author_tab, base, "autora@example.com")
        author_tab.goto(f"{base}{prefix}{consultation.url}")
        assert author_tab.locator(".site-nav__notices").count() == 1
        author_tab.locator(".site-nav__notices").click()
        author_tab.wait_for_selector(".notice-item")
        assert author_tab.locator(".appeal-form").count() == 1
        assert axe_violations(author_tab) == []
        author_tab.fill(f"#appeal-note-{hidden.pk}", "Era una cita.")
        author_tab.locator(".appeal-form button[type=submit]").click()
        author_tab.wait_for_selector(".appeal-sent")
        assert axe_violations(author_tab) == []
        tab2.close()
    finally:
        context.close()


def test_changes_to_a_comment_waiting_behind_the_button_are_kept(site, browser):
    base, consultation = site["server"].url, site["page"]
    author = site["author"]
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(f"{base}/en{consultation.url}")
        wait_live(tab)
        comment = in_thread(say, author, consultation, "Primera versión")
        key = f"question-{consultation.ordered_questions[0].pk}"
        button = tab.locator(f"#discussion-{key} .discussion__show-new")
        button.wait_for(state="visible", timeout=10_000)
        reply = in_thread(
            say, author, consultation, "Una respuesta", question=None, parent=comment.pk
        )
        in_thread(comment_actions.do_edit_comment, author, comment, body="Segunda versión")
        decide(site["moderator"], reply, action="remove", reason="spam")
        # The changes reach the comment while it waits behind the button.
        tab.wait_for_timeout(1500)
        assert button.inner_text() == "1 new comment — show"
        button.click()
        item = tab.locator(f"#comment-{comment.pk}")
        item.wait_for(state="visible")
        assert tab.locator(f'[data-comment-id="{comment.pk}"]').count() == 1
        assert "Segunda versión" in item.locator("> .comment__card .comment__body").inner_text()
        assert item.locator("> .comment__card .comment__edited").is_visible()
        removed = tab.locator(f"#comment-{reply.pk}")
        tab.wait_for_selector(f'#comment-{reply.pk}[data-status="removed"]', timeout=5_000)
        assert removed.locator(".comment__author").inner_text() == "Removed by moderation"
    finally:
        context.close()
