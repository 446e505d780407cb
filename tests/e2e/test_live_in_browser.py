"""Two people on one consultation in real browsers: one posts and reacts,
the other sees it without reloading; the page with comments passes axe."""

import re

import pytest
from playwright.sync_api import expect

from consultations.models import ConsultationPage
from demo.loader import load_demo
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import sign_in, verified_user, wait_live

pytestmark = pytest.mark.e2e
EMAIL = "vecina@example.com"


@pytest.fixture
def live_site(asgi_server):
    load_demo()
    verified_user(EMAIL, "Vecina Activa")
    return asgi_server


def test_a_comment_appears_for_another_reader_without_reload(live_site, browser):
    consultation = ConsultationPage.objects.get(slug="puentes-digitales")
    question = consultation.ordered_questions[1]
    key = f"question-{question.pk}"
    writer_context, reader_context = browser.new_context(), browser.new_context()
    try:
        writer, reader = writer_context.new_page(), reader_context.new_page()
        sign_in(writer, live_site.url, EMAIL)
        reader.goto(live_site.url + consultation.url)
        wait_live(reader)
        reader.evaluate("window.__notReloaded = true")

        writer.goto(live_site.url + consultation.url)
        wait_live(writer)
        writer.fill(f"#body-{key}", "Quiero ver los contratos cada semana.")
        writer.locator(f"#form-{key} button[type=submit]").click()
        # The writer's comment appears in place (forms.js), once, although
        # the writer's own live connection brings it too.
        posted = writer.locator(f"#discussion-{key} li.comment", has_text="contratos cada semana")
        expect(posted).to_have_count(1, timeout=10_000)
        expect(posted.locator("> .comment__card")).to_be_focused()

        # The reader is not in that discussion: a button waits, announced politely.
        button = reader.locator(f"#discussion-{key} .discussion__show-new")
        button.wait_for(state="visible", timeout=10_000)
        assert button.inner_text() == "1 comentario nuevo — mostrar"
        # Locator assertions, not wait_for_function: its polling evaluates a
        # string with eval(), which the page's Content-Security-Policy refuses.
        expect(reader.locator("#live-announcer")).to_have_text(re.compile(r"\S"), timeout=5_000)
        assert reader.locator("#live-announcer").get_attribute("aria-live") == "polite"
        button.click()
        new_comment = reader.locator(
            f"#discussion-{key} .comment", has_text="contratos cada semana"
        )
        new_comment.wait_for(state="visible")
        assert new_comment.locator(".comment__author").inner_text() == "Vecina Activa"

        # A reaction by the writer updates the reader's counts in place.
        first = consultation.comments.order_by("pk").first()
        agree_count = f"#comment-{first.pk} > .comment__card [data-count=agree]"
        counter = reader.locator(agree_count)
        before = int(counter.inner_text())
        writer.locator(f"#comment-{first.pk} > .comment__card button[data-stance=agree]").click()
        expect(reader.locator(agree_count)).to_have_text(str(before + 1), timeout=10_000)
        assert reader.evaluate("window.__notReloaded") is True
        assert axe_violations(reader) == []
    finally:
        writer_context.close()
        reader_context.close()


def test_page_with_comments_passes_axe_signed_in_in_english(live_site, browser):
    consultation = ConsultationPage.objects.get(slug="puentes-digitales")
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, live_site.url, EMAIL)
        page.goto(f"{live_site.url}/en{consultation.url}")
        wait_live(page)
        assert page.locator(".comment").count() >= 6
        assert page.locator("textarea[name=body]").count() >= 1
        assert axe_violations(page) == []
    finally:
        context.close()
