"""The Content-Security-Policy in Chromium (core/headers.py): an injected
inline script or handler does not run on a public page, and the watch every
browser test has (tests/e2e/conftest.py) sees it; staff's Wagtail userbar on
public pages and the admin's editor with its preview panel break nothing."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import EDITOR, ensure_role_groups
from tests.e2e.helpers import sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e

INJECT = """() => {
  const script = document.createElement('script');
  script.textContent = 'window.__ran = "script"';
  document.body.append(script);
  const holder = document.createElement('div');
  holder.innerHTML = '<img src="/static/css/puente.css" onerror="window.__ran = \\'handler\\'">';
  document.body.append(holder);
  const styled = document.createElement('p');
  styled.setAttribute('style', 'color: rgb(1, 2, 3)');
  document.body.append(styled);
  return getComputedStyle(styled).color;
}"""


@pytest.fixture
def consultation(asgi_server):
    index = ConsultationIndexPageFactory(parent=home_page())
    return ConsultationPageFactory(parent=index, questions=["¿Qué cambiarías?"])


def test_injected_inline_script_handler_and_style_are_blocked_and_seen(
    asgi_server, consultation, browser
):
    page = browser.new_page()
    try:
        page.goto(asgi_server.url + consultation.url)
        color = page.evaluate(INJECT)
        expect(page.locator("img[onerror]")).to_have_js_property("complete", True)
        assert page.evaluate("window.__ran") is None
        assert color != "rgb(1, 2, 3)"
    finally:
        page.close()
    seen = "\n".join(browser.violations)
    assert "enforce script-src-elem inline" in seen
    assert "enforce script-src-attr inline" in seen
    assert "enforce style-src-attr inline" in seen
    # Provoked on purpose: not a failure of this test.
    browser.violations.clear()


def test_staff_userbar_and_the_editor_preview_enforce_nothing(asgi_server, consultation, browser):
    # The editors' page permissions hang on the page tree, which the flush
    # after an earlier browser test took with it: granted again.
    ensure_role_groups()
    verified_user("editora@example.com", "Editora", EDITOR)
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, asgi_server.url, "editora@example.com")
        # A public page, with Wagtail's userbar (its own scripts and styles).
        tab.goto(asgi_server.url + consultation.url)
        tab.locator("#wagtail-userbar-trigger").click()
        tab.get_by_role("menuitem").first.wait_for()

        # The editor, and the preview panel framing the page from /admin/.
        tab.goto(asgi_server.url + reverse("wagtailadmin_pages:edit", args=[consultation.pk]))
        tab.locator("[data-side-panel-toggle='preview']").click()
        preview = tab.frame_locator("#w-preview-iframe")
        preview.get_by_role("heading", level=1, name=consultation.title).wait_for()
    finally:
        context.close()
    # The admin's report-only policy names Wagtail's inline scripts and
    # styles (expected: why the admin enforces a looser one); nothing was
    # blocked anywhere.
    blocked = [v for v in browser.violations if not v.startswith("report ")]
    assert blocked == []
    browser.violations.clear()
