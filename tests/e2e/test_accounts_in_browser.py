"""Accounts in a real browser against a real server, in Spanish and in
English: from a consultation page, sign in (a failed try moves focus to
the error summary) → create an account → the confirmation e-mail (the
outbox row the server wrote) → confirm → signed in on the consultation
page. axe-core finds nothing serious on the sign-in (before and after the
error), sign-up and confirm pages."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.models import User
from core.models import OutgoingEmail
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "una-contraseña-larga-9"


@pytest.fixture
def site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page(), title="Consultas", slug="consultas")
    page = ConsultationPageFactory(
        parent=index, title="Parque central", slug="parque-central", questions=["¿Qué le falta?"]
    )
    verified_user("ana@example.com", "Ana")
    return {"server": asgi_server, "page": page}


def confirmation_link(address):
    row = OutgoingEmail.objects.filter(to=address).latest("created")
    (link,) = [u for u in re.findall(r"https?://\S+", row.body) if "/confirm-email/" in u]
    parts = urlsplit(link)
    return row, parts.path + "?" + parts.query


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_sign_up_from_a_consultation_page_and_come_back_signed_in(site, browser, prefix):
    base = site["server"].url
    page_path = prefix + site["page"].url
    address = f"lucia{prefix.strip('/')}@example.com"
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(base + page_path)
        tab.locator('main a[href*="/accounts/login/?next="]').first.click()
        tab.wait_for_url(re.compile(r"/accounts/login/\?next="))
        assert axe_violations(tab) == []

        # A failed sign-in: the summary at the top of the form has the focus.
        tab.fill("#id_login", "ana@example.com")
        tab.fill("#id_password", "no-es-la-contraseña")
        tab.locator("main form button[type=submit]").click()
        summary = tab.locator("#error-summary")
        expect(summary).to_be_focused()
        assert summary.get_attribute("role") == "alert"
        assert tab.title().startswith("Error:")
        assert tab.locator("#id_login").input_value() == "ana@example.com"
        assert axe_violations(tab) == []

        # No account yet: create one, still on the way back to the page.
        tab.locator(f'main a[href^="{prefix}/accounts/signup/?next="]').click()
        tab.wait_for_url(re.compile(r"/accounts/signup/\?next="))
        assert axe_violations(tab) == []
        password = tab.locator("#id_password1")
        assert password.get_attribute("aria-describedby") == "id_password1_helptext"
        assert tab.locator("#id_password1_helptext").inner_text().strip()
        tab.fill("#id_email", address)
        tab.fill("#id_display_name", "Lucía Robles")
        password.fill(NEW_PASSWORD)
        tab.fill("#id_password2", NEW_PASSWORD)
        tab.locator("main form button[type=submit]").click()
        tab.wait_for_url(f"{base}{prefix}/accounts/confirm-email/")
        assert "_auth_user_id" not in str(context.cookies())

        row, link = confirmation_link(address)
        assert "127.0.0.1" not in row.subject and "Puente" in row.subject
        tab.goto(base + link)
        assert axe_violations(tab) == []
        tab.locator("main form button[type=submit]").click()
        tab.wait_for_url(lambda url: urlsplit(url).path == page_path)
        # "You are signed in as Lucía Robles.", where the page's messages are.
        assert "Lucía Robles" in tab.locator(".messages").inner_text()
        assert tab.locator("header form[action$='/accounts/logout/']").count() == 1
        assert User.objects.get(email=address).emailaddress_set.get().verified
    finally:
        context.close()
