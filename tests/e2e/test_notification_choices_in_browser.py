"""Notification choices and the unsubscribe link in a real browser: plain
forms, so they work with JavaScript switched off. A person chooses a
weekly e-mail for thread activity with the keyboard, saves, and sees the
choice kept; a refused form names the problem at the top and next to its
group; a link from an e-mail stops one kind of e-mail without signing in.
With JavaScript on, axe finds nothing serious on any of these pages, in
Spanish and in English (axe itself needs JavaScript)."""

import pytest
from playwright.sync_api import expect

from notifications import preferences, unsubscribe
from notifications.models import Topic
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import sign_in, verified_user

pytestmark = pytest.mark.e2e

JAVASCRIPT = pytest.mark.parametrize(
    "javascript", [False, True], ids=["without-javascript", "with-javascript-and-axe"]
)
LANGUAGES = pytest.mark.parametrize("prefix", ["", "/en"], ids=["es", "en"])


@pytest.fixture
def site(asgi_server):
    ana = verified_user("ana.avisos@example.com", "Ana Avisada", "citizen")
    return {"server": asgi_server, "ana": ana}


def accessible(tab, javascript):
    if javascript:
        assert axe_violations(tab) == []


@JAVASCRIPT
@LANGUAGES
def test_choosing_with_the_keyboard(site, browser, prefix, javascript):
    base, ana = site["server"].url, site["ana"]
    context = browser.new_context(java_script_enabled=javascript)
    try:
        tab = context.new_page()
        sign_in(tab, base, ana.email)
        tab.goto(f"{base}{prefix}/avisos/preferencias/")
        accessible(tab, javascript)

        weekly = tab.locator("#thread-weekly")
        weekly.focus()
        tab.keyboard.press("Space")
        expect(weekly).to_be_checked()
        with tab.expect_navigation():
            tab.locator("main form button[type=submit]").press("Enter")

        expect(tab.locator(".message--success")).to_be_visible()
        expect(tab.locator("#thread-weekly")).to_be_checked()
        assert preferences.of(ana)[Topic.THREAD] == "weekly"
        accessible(tab, javascript)
    finally:
        context.close()


@LANGUAGES
def test_a_refused_form_names_the_problem(site, browser, prefix):
    base, ana = site["server"].url, site["ana"]
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, ana.email)
        tab.goto(f"{base}{prefix}/avisos/preferencias/")
        # A value the form never offers, as a stale or tampered form would send.
        tab.locator("#receipt-now").evaluate("radio => { radio.value = 'weekly' }")
        tab.locator("#receipt-now").check()
        with tab.expect_navigation():
            tab.locator("main form button[type=submit]").click()

        summary = tab.locator("#error-summary")
        expect(summary).to_be_visible()
        expect(summary.locator("a[href='#receipt-site']")).to_have_count(1)
        expect(tab.locator("#receipt-errors")).to_be_visible()
        assert axe_violations(tab) == []
        assert preferences.of(ana)[Topic.RECEIPT] == "site"
    finally:
        context.close()


@JAVASCRIPT
@LANGUAGES
def test_the_link_from_an_email_stops_one_kind_without_signing_in(
    site, browser, prefix, javascript
):
    base, ana = site["server"].url, site["ana"]
    path = unsubscribe.url(ana, Topic.REPLY).split("/avisos/", 1)[1]
    context = browser.new_context(java_script_enabled=javascript)
    try:
        tab = context.new_page()
        tab.goto(f"{base}{prefix}/avisos/{path}")
        accessible(tab, javascript)
        with tab.expect_navigation():
            tab.locator("main form button[type=submit]").click()
        expect(tab.locator("main form button[type=submit]")).to_have_count(0)
        accessible(tab, javascript)
        assert preferences.of(ana)[Topic.REPLY] == "site"

        tab.goto(f"{base}{prefix}/avisos/baja/no-es-un-token/")
        expect(tab.locator("main h1")).to_be_visible()
        accessible(tab, javascript)
    finally:
        context.close()
