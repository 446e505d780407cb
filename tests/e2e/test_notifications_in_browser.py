"""Notifications in real browsers: Beto watches any page while Ana replies
to his comment through the form; the count in Beto's header rises without
a reload and his polite live region says so; he opens his notifications
and follows the notice to the reply. In Spanish and in English; axe finds
nothing serious on the page with the risen count or on the notifications
page; the page's policies are kept (no inline script, no eval)."""

import re

import pytest
from playwright.sync_api import expect

from comments import actions as comment_actions
from comments.models import Comment
from notifications.models import Notice
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e

REPLY = "Coincido: y que las bancas tengan sombra."


@pytest.fixture
def site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    page = ConsultationPageFactory(
        parent=index, title="Parque Central", questions=["¿Qué cambiarías?"]
    )
    ana = verified_user("ana@example.com", "Ana Respondona", "citizen")
    beto = verified_user("beto@example.com", "Beto Comentarista", "citizen")
    comment = comment_actions.do_post_comment(
        beto, page, body="Quiero más árboles en el parque.", question=page.ordered_questions[0].pk
    )
    return {"server": asgi_server, "page": page, "ana": ana, "beto": beto, "comment": comment}


@pytest.mark.parametrize("prefix", ["", "/en"], ids=["es", "en"])
def test_a_reply_raises_the_count_live_and_leads_to_it(site, browser, prefix):
    base, page, comment = site["server"].url, site["page"], site["comment"]
    ana_context, beto_context = browser.new_context(), browser.new_context()
    try:
        beto, ana = beto_context.new_page(), ana_context.new_page()
        sign_in(beto, base, "beto@example.com")
        beto.goto(f"{base}{prefix}/")
        link = beto.locator("a[data-notifications-socket]")
        expect(link).to_have_attribute("data-state", "open", timeout=10_000)
        expect(link.locator("[data-unread]")).to_be_hidden()
        beto.evaluate("window.__notReloaded = true")

        # Ana replies through the form (the server publishes the count); the
        # reply appears in place under Beto's comment.
        sign_in(ana, base, "ana@example.com")
        ana.goto(f"{base}{prefix}{page.url}?reply={comment.pk}#form-reply-{comment.pk}")
        ana.fill(f"#body-reply-{comment.pk}", REPLY)
        ana.locator(f"#form-reply-{comment.pk} button[type=submit]").click()
        expect(ana.locator(f"#comment-{comment.pk} li.comment", has_text=REPLY)).to_have_count(
            1, timeout=10_000
        )
        reply = Comment.objects.get(parent=comment)

        # Beto's header counts it, without a reload, and says so politely.
        expect(link.locator("[data-unread-count]")).to_have_text("1", timeout=10_000)
        expect(link.locator("[data-unread]")).to_be_visible()
        announcer = beto.locator("#notifications-announcer")
        assert announcer.get_attribute("aria-live") == "polite"
        assert announcer.get_attribute("role") == "status"
        expect(announcer).to_have_text(announcer.get_attribute("data-one"), timeout=5_000)
        # The link names the count for everyone: "Notifications (1 unread)".
        expect(link).to_have_text(re.compile(r"\(1\s+\S.*\)"))
        if prefix == "/en":
            expect(link).to_have_text("Notifications (1 unread)")
            expect(announcer).to_have_text("You have 1 unread notification.")
        assert beto.evaluate("window.__notReloaded") is True
        assert axe_violations(beto) == []

        # He opens his notifications: the reply, new, with its text.
        link.click()
        beto.wait_for_url(f"{base}{prefix}/avisos/")
        item = beto.locator(f"#notice-{Notice.objects.get(user=site['beto']).pk}")
        expect(item).to_have_attribute("data-kind", "reply")
        expect(item).to_have_class(re.compile(r"notice-item--new"))
        expect(item.locator("blockquote")).to_contain_text(REPLY)
        expect(item).to_contain_text("Ana Respondona")
        if prefix == "/en":
            expect(item).to_contain_text(
                "Ana Respondona replied to your comment in “Parque Central”."
            )
        # Read now: the header's count is gone.
        expect(beto.locator("a[data-notifications-socket] [data-unread]")).to_be_hidden()
        assert axe_violations(beto) == []

        # The notice leads to the reply in its thread.
        item.locator(".notice-item__link a").click()
        beto.wait_for_url(lambda url: url.endswith(f"#comment-{reply.pk}"))
        expect(beto.locator(f"#comment-{reply.pk}")).to_contain_text(REPLY)
    finally:
        ana_context.close()
        beto_context.close()


def test_the_notifications_page_works_without_javascript(site, browser):
    """No script at all: the page lists, pages and marks all read by forms."""
    Notice.objects.bulk_create(
        Notice(user=site["beto"], kind="unblock", created=site["comment"].created)
        for _ in range(55)
    )
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        sign_in(tab, site["server"].url, "beto@example.com")
        tab.goto(site["server"].url + "/en/avisos/")
        expect(tab.locator(".notice-item")).to_have_count(50)
        expect(tab.locator("a[data-notifications-socket] [data-unread-count]")).to_have_text("5")
        tab.locator(".notifications__read-all button").click()
        tab.wait_for_url(lambda url: url.endswith("/en/avisos/"))
        expect(tab.locator(".messages")).to_contain_text(
            "All your notifications are marked as read."
        )
        expect(tab.locator("a[data-notifications-socket] [data-unread]")).to_be_hidden()
        assert not Notice.objects.filter(user=site["beto"], read=False).exists()
    finally:
        context.close()
