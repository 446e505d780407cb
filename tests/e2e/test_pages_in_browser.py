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
