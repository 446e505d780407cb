"""Privacy in a real browser against a real server: the footer links the
legal pages, which read in Spanish and in English; sign-up without
JavaScript asks for consent with boxes nobody ticked; a person downloads
their data, deletes their account and accepts a new version of the terms.
axe-core passes on each page."""

import io
import json
import zipfile

import pytest
from wagtail.models import Site

from accounts import consent
from accounts.models import Consent, PolicyKind, User
from accounts.roles import CITIZEN
from comments import actions as comment_actions
from pages.models import ContentPage, LegalPages
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import PASSWORD, in_thread, sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page
from tests.privacy.conftest import publish_policy

pytestmark = pytest.mark.e2e

PRIVACY_ES = "Aviso de privacidad"
PRIVACY_EN = "Privacy notice of Puente"


def content_page(home, *, title, slug, **fields):
    page = ContentPage(
        title=title, slug=slug, body=[{"type": "paragraph", "value": f"<p>{title}.</p>"}], **fields
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def site(asgi_server, no_rate_limits):
    """The four legal and help pages linked in the settings (the privacy
    notice with an English version), a consultation, and Ana, who accepted
    the terms and wrote two comments there."""
    home = home_page()
    privacy = ContentPage(
        title=PRIVACY_ES,
        slug="aviso-de-privacidad",
        body=[{"type": "paragraph", "value": "<p>Tratamos tus datos con cuidado.</p>"}],
        title_en=PRIVACY_EN,
        body_en=[{"type": "paragraph", "value": "<p>We handle your data with care.</p>"}],
        requires_acceptance=True,
    )
    home.add_child(instance=privacy)
    legal = LegalPages.for_site(Site.objects.get(is_default_site=True))
    legal.privacy_page = privacy
    legal.accessibility_page = content_page(home, title="Accesibilidad", slug="accesibilidad")
    legal.faq_page = content_page(home, title="Preguntas frecuentes", slug="preguntas")
    legal.save()
    # Published as an editor would: version 1 of each.
    publish_policy(home, "privacy", title=PRIVACY_ES, slug="aviso-de-privacidad")
    publish_policy(home, "terms", title="Términos de uso", slug="terminos")

    index = ConsultationIndexPageFactory(parent=home)
    page = ConsultationPageFactory(parent=index, questions=["¿Qué opinas?"])
    ana = verified_user("ana@example.com", "Ana Quetzal", CITIZEN)
    consent.record(ana, consent.current_versions())
    question = page.ordered_questions[0].pk
    said = [
        in_thread(comment_actions.do_post_comment, ana, page, body=body, question=question)
        for body in ("Ciclovías seguras en el centro.", "Y más árboles en las banquetas.")
    ]
    return {"server": asgi_server, "home": home, "page": page, "ana": ana, "said": said}


def test_the_footer_links_the_legal_pages_in_both_languages(site, browser):
    base = site["server"].url
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(base + "/")
        footer = tab.get_by_role("navigation", name="Acerca de este sitio")
        links = footer.locator("ul.footer-links a")
        assert links.all_inner_texts()[:4] == [
            "Aviso de privacidad",
            "Términos de uso",
            "Accesibilidad",
            "Preguntas frecuentes",
        ]
        assert [links.nth(i).get_attribute("href") for i in range(4)] == [
            "/aviso-de-privacidad/",
            "/terminos/",
            "/accesibilidad/",
            "/preguntas/",
        ]

        footer.get_by_role("link", name="Aviso de privacidad").click()
        tab.wait_for_url(base + "/aviso-de-privacidad/")
        assert tab.locator("html").get_attribute("lang") == "es-mx"
        assert tab.get_by_role("heading", level=1).inner_text() == PRIVACY_ES
        assert "Tratamos tus datos con cuidado." in tab.locator("main").inner_text()
        assert axe_violations(tab) == []

        response = tab.goto(base + "/en/aviso-de-privacidad/")
        assert response.status == 200
        assert tab.locator("html").get_attribute("lang") == "en"
        assert tab.get_by_role("heading", level=1).inner_text() == PRIVACY_EN
        assert tab.title().startswith(PRIVACY_EN)
        main = tab.locator("main").inner_text()
        assert "We handle your data with care." in main
        assert "Tratamos tus datos" not in main
        english_footer = tab.get_by_role("navigation", name="About this site")
        assert english_footer.locator("a").all_inner_texts()[:4] == [
            "Privacy notice",
            "Terms of use",
            "Accessibility",
            "Frequently asked questions",
        ]
        assert english_footer.locator("a").first.get_attribute("href") == (
            "/en/aviso-de-privacidad/"
        )
        assert axe_violations(tab) == []
    finally:
        context.close()


def test_signup_without_javascript_asks_for_consent_never_given_for_you(site, browser):
    base = site["server"].url
    people = User.objects.count()
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(base + "/accounts/signup/")
        terms, privacy = tab.locator("#id_accept_terms"), tab.locator("#id_acknowledge_privacy")
        assert not terms.is_checked() and not privacy.is_checked()
        assert tab.locator("label[for=id_accept_terms] a").get_attribute("href") == "/terminos/"
        assert (
            tab.locator("label[for=id_acknowledge_privacy] a").get_attribute("href")
            == "/aviso-de-privacidad/"
        )
        assert tab.locator("input[type=hidden][name=policies]").count() == 1

        def fill_in():
            tab.fill("input[name=email]", "lucia@example.com")
            tab.fill("input[name=display_name]", "Lucía Robles")
            tab.fill("input[name=password1]", "una-contraseña-larga-9")
            tab.fill("input[name=password2]", "una-contraseña-larga-9")

        submit = tab.locator("main form button[type=submit]")
        fill_in()
        # The browser itself stops the form: the boxes are required.
        submit.click()
        assert tab.url == base + "/accounts/signup/"
        assert terms.evaluate("box => box.validity.valueMissing")
        # A browser that does not check sends it: the server refuses it too.
        tab.locator("main form").evaluate("form => form.setAttribute('novalidate', '')")
        with tab.expect_navigation():
            submit.click()
        main = tab.locator("main").inner_text()
        assert "Acepta los términos de uso para continuar." in main
        assert "Confirma que leíste el aviso de privacidad." in main
        assert terms.get_attribute("aria-invalid") == "true"
        assert not terms.is_checked() and not privacy.is_checked()
        assert User.objects.count() == people
        assert not User.objects.filter(email="lucia@example.com").exists()

        fill_in()
        terms.check()
        privacy.check()
        submit.click()
        tab.wait_for_url(lambda url: "/accounts/signup/" not in url)
        lucia = User.objects.get(email="lucia@example.com")
        assert lucia.display_name == "Lucía Robles"
        given = Consent.objects.filter(user=lucia).select_related("version")
        assert sorted((c.version.kind, c.version.number) for c in given) == sorted(
            [(PolicyKind.TERMS, 1), (PolicyKind.PRIVACY, 1)]
        )
    finally:
        context.close()


def test_my_data_and_downloading_it(site, browser):
    base = site["server"].url
    context = browser.new_context(accept_downloads=True)
    try:
        tab = context.new_page()
        sign_in(tab, base, "ana@example.com")
        tab.get_by_role("link", name="Mi cuenta").click()
        tab.wait_for_url(base + "/cuenta/mis-datos/")
        for section in ("account", "access", "rectification", "opposition", "cancellation"):
            assert tab.locator(f"section#{section}").count() == 1, section
        assert axe_violations(tab) == []

        access = tab.locator("#access")
        access.get_by_role("button", name="Preparar mi archivo").click()
        tab.wait_for_url(base + "/cuenta/mis-datos/#access")
        link = access.get_by_role("link", name="Descargar tu archivo")
        assert link.is_visible()
        assert tab.locator(".messages").count() == 1
        assert axe_violations(tab) == []
        with tab.expect_download() as started:
            link.click()
        download = started.value
        assert download.failure() is None
        assert download.suggested_filename.startswith("puente-mis-datos-")
        with open(download.path(), "rb") as file:
            archive = zipfile.ZipFile(io.BytesIO(file.read()))
        profile = json.loads(archive.read("profile.json"))
        assert profile["email"] == "ana@example.com"
        assert profile["display_name"] == "Ana Quetzal"

        tab.goto(base + "/en/cuenta/mis-datos/")
        assert tab.locator("html").get_attribute("lang") == "en"
        assert tab.get_by_role("heading", level=1).inner_text() == "My data"
        assert tab.locator("#access").get_by_role("link", name="Download your file").count() == 1
        assert axe_violations(tab) == []
    finally:
        context.close()


def test_deleting_the_account_keeps_comments_anonymised(site, browser):
    base, ana = site["server"].url, site["ana"]
    first = site["said"][0]
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "ana@example.com")
        tab.goto(base + "/cuenta/mis-datos/")
        tab.locator("#cancellation a[href='/cuenta/eliminar/']").click()
        tab.wait_for_url(base + "/cuenta/eliminar/")
        assert "2 comentarios" in tab.locator("main").inner_text()
        assert axe_violations(tab) == []

        tab.get_by_label("Conservarlos de forma anónima").check()
        submit = tab.get_by_role("button", name="Eliminar mi cuenta para siempre")
        submit.click()  # no password: the browser stops it
        assert tab.url == base + "/cuenta/eliminar/"
        assert tab.locator("#delete-password").evaluate("field => field.validity.valueMissing")
        # Sent anyway, the server refuses it with an error summary.
        tab.locator("main form").evaluate("form => form.setAttribute('novalidate', '')")
        with tab.expect_navigation():
            submit.click()
        summary = tab.get_by_role("alert")
        assert summary.count() == 1
        assert summary.get_attribute("id") == "error-summary"
        assert summary.get_attribute("tabindex") == "-1"
        assert "Hay un problema" in summary.inner_text()
        assert tab.title().startswith("Error:")
        summary.focus()
        assert tab.evaluate("document.activeElement.id") == "error-summary"
        error = summary.get_by_role("link", name="Escribe tu contraseña para confirmar.")
        assert error.get_attribute("href") == "#delete-password"
        assert tab.locator("#delete-password").get_attribute("aria-invalid") == "true"
        assert tab.locator("#comments-anonymise").is_checked()  # the choice is kept
        assert axe_violations(tab) == []
        ana = User.objects.get(pk=ana.pk)
        assert ana.is_active and ana.erased_at is None and ana.email == "ana@example.com"

        tab.fill("#delete-password", PASSWORD)
        submit.click()
        tab.wait_for_url(base + "/cuenta/eliminada/")
        assert tab.get_by_role("heading", level=1).inner_text() == "Tu cuenta se eliminó"
        assert tab.get_by_role("link", name="Iniciar sesión").count() == 1
        assert tab.get_by_role("link", name="Mi cuenta").count() == 0
        assert axe_violations(tab) == []
        assert User.objects.get(pk=ana.pk).erased_at is not None

        tab.goto(base + site["page"].url)
        comment = tab.locator(f"#comment-{first.pk}")
        assert comment.locator(".comment__author").first.inner_text() == "Participante eliminado"
        assert "Ciclovías seguras en el centro." in comment.inner_text()
        assert "Ana Quetzal" not in tab.locator("main").inner_text()
    finally:
        context.close()


def test_a_new_version_of_the_terms_is_accepted_from_the_banner(site, browser):
    base = site["server"].url
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "ana@example.com")
        tab.goto(base + site["page"].url)
        banner = tab.get_by_role("region", name="Nuevos términos")
        new_comment = tab.locator(".discussion > form.comment-form")
        assert banner.count() == 0
        assert new_comment.count() == 1

        in_thread(publish_policy, site["home"], "terms", title="Términos de uso (2)")
        tab.reload()
        assert banner.count() == 1
        # No taking part meanwhile: the form gives way to the reason and its remedy.
        assert new_comment.count() == 0
        refusal = tab.locator(".discussion > p.muted")
        assert (
            refusal.get_by_role("link").get_attribute("href").startswith("/cuenta/terminos/?next=")
        )
        assert axe_violations(tab) == []
        banner.get_by_role("link", name="Leer y aceptar").click()
        tab.wait_for_url(lambda url: "/cuenta/terminos/?next=" in url)
        terms, privacy = tab.locator("#id_accept_terms"), tab.locator("#id_acknowledge_privacy")
        assert not terms.is_checked() and not privacy.is_checked()
        assert "(versión 2)" in tab.locator("label[for=id_accept_terms]").inner_text()
        assert axe_violations(tab) == []

        terms.check()
        privacy.check()
        tab.get_by_role("button", name="Aceptar").click()
        # The banner's link carries the page it was on: accepting leads back there.
        tab.wait_for_url(base + site["page"].url)
        assert "Gracias: ya puedes volver a participar." in tab.locator(".messages").inner_text()
        assert banner.count() == 0
        assert new_comment.count() == 1
        ana = User.objects.get(pk=site["ana"].pk)
        assert not consent.is_pending(ana)
        assert ana.consents.filter(version__kind=PolicyKind.TERMS, version__number=2).exists()
    finally:
        context.close()
