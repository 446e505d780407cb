"""A citizen on a consultation page, in a real browser, in Spanish and
English. With JavaScript: posting, a refused post, replying, reacting,
editing, deleting and reporting all happen in place (the page never
reloads), focus lands on the new comment or the error, and what happened is
said next to the form in a polite status region; axe finds nothing serious.
Without JavaScript: a post and a refused post come back at the form's or
comment's anchor with the message or the error summary there."""

from datetime import timedelta

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from comments import actions
from comments.models import Comment
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import in_thread, sign_in, verified_user, wait_live
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(asgi_server):
    from tests.factories import home_page

    index = ConsultationIndexPageFactory(parent=home_page())
    consultation = ConsultationPageFactory(parent=index, questions=["¿Qué opinas del parque?"])
    ana = verified_user("ana@example.com", "Ana")
    verified_user("beto@example.com", "Beto")
    # Ana spoke two minutes ago: her account is new (60 s between posts).
    first = actions.do_post_comment(
        ana,
        consultation,
        body="Faltan bancas a la sombra.",
        question=consultation.ordered_questions[0].pk,
        now=timezone.now() - timedelta(minutes=2),
    )
    return asgi_server, consultation, first


def in_viewport(locator):
    box = locator.bounding_box()
    height = locator.page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + 10 <= height


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_journey_with_javascript_happens_in_place(site, browser, prefix):
    server, consultation, first = site
    english = prefix == "/en"
    with translation.override("en" if english else "es-mx"):
        url = server.url + consultation.get_url()
    key = f"question-{consultation.ordered_questions[0].pk}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())
        errors = []
        tab.on("pageerror", lambda error: errors.append(str(error)))

        # Ana: post, a refused post, edit, delete. -----------------------------
        sign_in(tab, server.url, "ana@example.com")
        tab.goto(url)
        wait_live(tab)
        tab.evaluate("window.__notReloaded = true")
        form = tab.locator(f"#form-{key}")
        expect(tab.locator(f"#interval-{key}")).to_be_visible()  # told before it bites
        form.locator("textarea").fill("Y más árboles en la entrada norte.")
        form.locator("button[type=submit]").click()
        new = tab.locator(f"#discussion-{key} li.comment", has_text="árboles en la entrada")
        expect(new).to_have_count(1)
        new_id = new.get_attribute("id")
        expect(tab.locator(f"#{new_id} > .comment__card")).to_be_focused()
        status = tab.locator(f"#status-{key}")
        assert status.get_attribute("role") == "status"
        expect(status).to_have_text("Your comment was published." if english else _any())
        # The same date text as the server writes (the card came from the server).
        comment = Comment.objects.get(pk=int(new_id.split("-")[1]))
        with translation.override("en" if english else "es-mx"):
            written = formats.date_format(timezone.localtime(comment.created), "DATETIME_FORMAT")
        assert new.locator("time").first.inner_text() == written
        assert tab.locator(f"#discussion-{key} .discussion__title").inner_text().startswith("2")

        # Too soon for a new account: the error at the form, focused, the text kept.
        form.locator("textarea").fill("Otra idea enseguida.")
        form.locator("button[type=submit]").click()
        summary = tab.locator(f"#form-{key} .error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        assert tab.locator(f"#form-{key} textarea").input_value() == "Otra idea enseguida."
        expect(tab.locator(f"#form-{key} button[type=submit]")).to_be_disabled()
        if english:
            expect(summary).to_contain_text("Try again in")
        expect(status).to_have_text(_any())

        # Edit the older comment in place.
        card = tab.locator(f"#comment-{first.pk} > .comment__card")
        card.locator("details > summary").click()
        card.locator("textarea").fill("Faltan bancas a la sombra y bebederos.")
        card.locator("form.comment-form button[type=submit]").click()
        expect(card.locator(".comment__body")).to_contain_text("bebederos")
        expect(card).to_be_focused()
        comment_status = tab.locator(f"#status-comment-{first.pk}")
        expect(comment_status).to_have_text("Your comment was updated." if english else _any())

        # Delete the new one: a tombstone, said next to it.
        tab.locator(f"#{new_id} > .comment__card .comment__own form.inline-form button").click()
        expect(tab.locator(f"#{new_id}")).to_have_attribute("data-status", "deleted")
        expect(tab.locator(f"#{new_id} > .comment__card")).to_be_focused()
        expect(tab.locator(f"#status-{new_id}")).to_have_text(_any())
        assert tab.evaluate("window.__notReloaded") is True
        assert axe_violations(tab) == []

        # Beto: reply, react, report. ------------------------------------------
        context.clear_cookies()
        sign_in(tab, server.url, "beto@example.com")
        tab.goto(url)
        wait_live(tab)
        tab.evaluate("window.__notReloaded = true")

        # A comment arriving live reads like the server's, and says where.
        late = in_thread(
            actions.do_post_comment,
            first.author,
            consultation,
            body="Llega en vivo.",
            question=consultation.ordered_questions[0].pk,
            now=timezone.now() - timedelta(minutes=5),
        )
        show = tab.locator(f"#discussion-{key} .discussion__show-new")
        expect(show).to_be_visible(timeout=10_000)
        expect(tab.locator("#live-announcer")).to_contain_text("¿Qué opinas del parque?")
        show.click()
        expect(show).to_be_hidden()
        assert show.inner_text() == ""  # no stale counter left behind
        with translation.override("en" if english else "es-mx"):
            written = formats.date_format(timezone.localtime(late.created), "DATETIME_FORMAT")
        expect(tab.locator(f"#comment-{late.pk} time")).to_have_text(written)

        parent = tab.locator(f"#comment-{first.pk}")
        parent.locator("> .comment__card .comment__reply-link").click()
        reply_form = tab.locator(f"#form-reply-{first.pk}")
        expect(reply_form).to_be_visible()
        label = reply_form.locator("label").inner_text()
        assert label == ("Your reply to Ana" if english else label) and "Ana" in label
        # One form only, the comment answered in view just above it.
        expect(tab.locator(f"#form-{key}")).to_be_hidden()
        assert in_viewport(parent.locator("> .comment__card .comment__meta"))
        expect(reply_form.locator("textarea")).to_be_focused()
        # Cancel returns the thread's own form; replying again opens it anew.
        reply_form.locator("[data-cancel-reply]").click()
        expect(tab.locator(f"#form-{key}")).to_be_visible()
        parent.locator("> .comment__card .comment__reply-link").click()
        reply_form.locator("textarea").fill("De acuerdo, y con sombra de árboles.")
        reply_form.locator("button[type=submit]").click()
        reply = parent.locator(f'[data-replies-of="{first.pk}"] > li.comment')
        expect(reply).to_have_count(1)
        expect(reply.locator("> .comment__card")).to_be_focused()
        expect(tab.locator(f"#form-{key}")).to_be_visible()
        expect(tab.locator(f"#status-comment-{first.pk}")).to_have_text(_any())

        # React: the button pressed keeps focus, the count changes.
        agree = parent.locator("> .comment__card button[data-stance=agree]")
        agree.click()
        expect(agree).to_have_attribute("aria-pressed", "true")
        expect(agree).to_be_focused()
        expect(tab.locator(f"#status-comment-{first.pk}")).to_have_text(
            "Your reaction was saved." if english else _any()
        )

        # Report: the form opens under the comment and is sent in place.
        parent.locator("> .comment__card .comment__report-link").click()
        panel = tab.locator(f"#flag-{first.pk}")
        expect(panel).to_be_visible()
        expect(panel.locator(".flag-panel__title")).to_be_focused()
        assert axe_violations(tab) == []
        panel.locator("input[value=spam]").check()
        panel.locator("button[type=submit]").click()
        expect(panel).to_have_count(0)
        expect(tab.locator(f"#status-comment-{first.pk}")).to_have_text(
            "Thank you: the moderators will review it." if english else _any()
        )
        expect(parent.locator("> .comment__card")).to_be_focused()
        assert tab.evaluate("window.__notReloaded") is True
        assert prefix + "/" in tab.url and "#" not in tab.url
        assert errors == []
    finally:
        context.close()


def test_without_javascript_messages_are_at_the_form(site, browser):
    server, consultation, _first = site
    verified_user("carla@example.com", "Carla")
    key = f"question-{consultation.ordered_questions[0].pk}"
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        sign_in(tab, server.url, "carla@example.com")
        with translation.override("en"):
            tab.goto(server.url + consultation.get_url())
        tab.locator(f"#form-{key} textarea").fill("Sin JavaScript también se puede.")
        tab.locator(f"#form-{key} button[type=submit]").click()
        tab.wait_for_url(lambda url: "#comment-" in url)
        anchor = tab.url.split("#")[1]
        notice = tab.locator(f"#{anchor} > .comment__card .comment__notice")
        expect(notice).to_have_text("Your comment was published.")

        # Only spaces: refused, the summary at the form it comes back to.
        tab.locator(f"#form-{key} textarea").fill("   ")
        tab.locator(f"#form-{key} button[type=submit]").click()
        tab.wait_for_url(lambda url: url.endswith(f"#form-{key}"))
        summary = tab.locator(f"#form-{key} .error-summary")
        expect(summary).to_contain_text("Write at least 2 characters.")
        assert summary.get_attribute("role") == "alert"
        link = summary.locator("a")
        assert link.get_attribute("href") == f"#body-{key}"
    finally:
        context.close()


def _any():
    import re

    return re.compile(r"\S")
