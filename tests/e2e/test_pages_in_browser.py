"""Home and consultation pages in a real browser, in Spanish and in English."""

import pytest

from consultations.models import ConsultationPage
from demo.loader import load_demo
from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_site(asgi_server):
    load_demo()
    return asgi_server


@pytest.mark.parametrize(
    ("prefix", "lang", "skip_link"),
    [("", "es-mx", "Saltar al contenido principal"), ("/en", "en", "Skip to main content")],
)
def test_home_and_consultation_pages_pass_axe(demo_site, browser, prefix, lang, skip_link):
    consultation = ConsultationPage.objects.get(slug="puentes-digitales")
    page = browser.new_page()
    try:
        for path in ("/", "/consultas/", consultation.url):
            response = page.goto(demo_site.url + prefix + path)
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == lang
            assert page.get_by_role("link", name=skip_link).count() == 1
            assert page.get_by_role("main").count() == 1
            assert axe_violations(page) == [], path
        assert page.get_by_role("heading", level=1).inner_text() == consultation.title
        assert page.locator("[data-question-id]").count() == 3
    finally:
        page.close()


def test_skip_link_moves_focus_to_main(demo_site, browser):
    page = browser.new_page()
    try:
        page.goto(demo_site.url + "/")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Saltar al contenido principal"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    finally:
        page.close()


def test_language_switch_and_filters_work_without_javascript(demo_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(demo_site.url + "/consultas/")
        page.get_by_label("Idioma").select_option("en")
        page.get_by_role("button", name="Cambiar").click()
        assert page.url == demo_site.url + "/en/consultas/"
        assert page.locator("html").get_attribute("lang") == "en"

        page.get_by_label("Status").select_option("reported")
        page.get_by_role("button", name="Filter").click()
        titles = page.locator("article h3").all_inner_texts()
        assert titles == ["Presupuesto participativo 2026"]

        page.get_by_label("Language").select_option("es-mx")
        page.get_by_role("button", name="Change").click()
        assert page.url.startswith(demo_site.url + "/consultas/?")
        assert page.locator("html").get_attribute("lang") == "es-mx"
    finally:
        context.close()


# Controls smaller than 24 × 24 px (WCAG 2.2, 2.5.8) on the page, as
# "tag 'text' w×h". Links in running text are exempt: a link whose nearest
# block holds more text than the link itself.
SMALL_TARGETS = """() => {
  const isBlock = (el) => !getComputedStyle(el).display.startsWith('inline');
  const inText = (el) => {
    let block = el.parentElement;
    while (block && !isBlock(block)) block = block.parentElement;
    if (!block) return false;
    const own = (el.innerText || '').trim().length;
    return (block.innerText || '').trim().length > own + 3;
  };
  const out = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, summary, textarea';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .skip-link, [hidden]')) continue;
    if (el.tagName === 'A' && inText(el)) continue;
    if (box.width < 24 || box.height < 24) {
      const text = (el.innerText || el.value || '').trim().slice(0, 30);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      out.push(`${el.tagName.toLowerCase()} '${text}' ${size}`);
    }
  }
  return out;
}"""
HEADER_MAX_PX = 100


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_pages_fit_a_phone(demo_site, browser, prefix):
    """At 390 px: one-row header, no control under 24 × 24 px, nothing wider
    than the screen, and axe clean, on the home, consultation and open-data pages."""
    consultation = ConsultationPage.objects.get(slug="puentes-digitales")
    paths = ["/", consultation.url, f"/consultations/{consultation.pk}/datos-abiertos/"]
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    try:
        for path in paths:
            response = page.goto(demo_site.url + prefix + path)
            assert response.status == 200, path
            header = page.locator(".site-header").bounding_box()
            assert header["height"] <= HEADER_MAX_PX, (path, header["height"])
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
            assert page.evaluate(SMALL_TARGETS) == [], path
            assert axe_violations(page) == [], path
        # The menu opens without JavaScript's help (a <details>), and its
        # links are 44 px tall.
        toggle = page.locator(".site-menu__toggle")
        toggle.click()
        search = page.locator(".site-nav a").nth(1)
        assert search.is_visible()
        assert search.bounding_box()["height"] >= 44
        assert page.evaluate(SMALL_TARGETS) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        page.close()


def test_menu_is_open_on_a_wide_screen(demo_site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(demo_site.url + "/")
        assert not page.locator(".site-menu__toggle").is_visible()
        assert page.get_by_role("link", name="Buscar").is_visible()
        assert page.locator(".site-header").bounding_box()["height"] <= 80
    finally:
        page.close()


def test_signed_in_discussion_fits_a_phone(demo_site, browser):
    """The discussion's own controls (react, reply, report, follow, the
    forms) as a signed-in citizen sees them at 390 px."""
    from accounts.roles import CITIZEN
    from tests.e2e.helpers import sign_in, verified_user

    verified_user("movil@example.com", "Persona Móvil", CITIZEN)
    consultation = ConsultationPage.objects.get(slug="puentes-digitales")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        sign_in(page, demo_site.url, "movil@example.com")
        page.goto(demo_site.url + consultation.url)
        assert page.locator("textarea").count() > 0
        assert page.evaluate(SMALL_TARGETS) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(".site-header").bounding_box()["height"] <= HEADER_MAX_PX
    finally:
        page.close()
