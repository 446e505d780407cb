"""Content pages: the legal and help texts. Spanish at the root, English
under /en/ when written, linked from every page's footer through the site
settings, in the page search index, and allowed only where they belong."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from consultations.models import ConsultationIndexPage, HomePage
from pages.models import ContentPage, LegalPages

BODY_ES = [
    {"type": "heading", "value": "Aviso de privacidad simplificado"},
    {"type": "paragraph", "value": "<p>Tus derechos ARCO se ejercen en Mis datos.</p>"},
    {
        "type": "callout",
        "value": {"title": "Importante", "text": "<p>No pedimos datos sensibles.</p>"},
    },
]
BODY_EN = [
    {"type": "heading", "value": "Simplified privacy notice"},
    {"type": "paragraph", "value": "<p>You exercise your ARCO rights in My data.</p>"},
]


@pytest.fixture
def privacy_page(home):
    page = ContentPage(
        title="Aviso de privacidad",
        slug="aviso-de-privacidad",
        intro="Cómo tratamos tus datos.",
        body=BODY_ES,
        title_en="Privacy notice",
        intro_en="How we handle your data.",
        body_en=BODY_EN,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    legal = LegalPages.for_site(Site.objects.get(is_default_site=True))
    legal.privacy_page = page
    legal.save()
    return page


@pytest.mark.django_db
def test_the_page_reads_in_spanish_with_anchored_headings(client, privacy_page):
    html = client.get("/aviso-de-privacidad/").content.decode()
    assert "<h1>Aviso de privacidad</h1>" in html
    assert '<h2 id="aviso-de-privacidad-simplificado">Aviso de privacidad simplificado</h2>' in html
    assert "Tus derechos ARCO" in html and 'class="callout"' in html
    assert "My data" not in html


@pytest.mark.django_db
def test_english_readers_get_the_english_version(client, privacy_page):
    html = client.get("/en/aviso-de-privacidad/").content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Privacy notice</h1>" in html and "You exercise your ARCO rights" in html
    assert "Tus derechos" not in html


@pytest.mark.django_db
def test_without_an_english_version_english_readers_get_the_spanish_one_marked_as_such(
    client, home
):
    page = ContentPage(title="Preguntas frecuentes", slug="faq", body=BODY_ES)
    home.add_child(instance=page)
    page.save_revision().publish()
    html = client.get("/en/faq/").content.decode()
    assert 'lang="es-mx"' in html.split("<main", 1)[1] and "Tus derechos ARCO" in html


@pytest.mark.django_db
def test_the_footer_links_the_configured_live_pages_everywhere(client, privacy_page, home):
    for path in ("/", "/en/", "/search/", "/accounts/login/"):
        html = client.get(path).content.decode()
        footer = html.split('class="site-footer"', 1)[1]
        expected = (
            "/en/aviso-de-privacidad/" if path.startswith("/en/") else "/aviso-de-privacidad/"
        )
        assert f'href="{expected}"' in footer, path
    privacy_page.unpublish()
    assert (
        "aviso-de-privacidad"
        not in client.get("/").content.decode().split('class="site-footer"', 1)[1]
    )


@pytest.mark.django_db
def test_the_footer_costs_one_query(rf, privacy_page):
    from pages.templatetags.legal_pages import legal_links

    request = rf.get("/")
    request.user = None
    with CaptureQueriesContext(connection) as queries:
        links = legal_links({"request": request})
    assert [label for label, _ in links] == ["Aviso de privacidad"] or links[0][1].endswith(
        "/aviso-de-privacidad/"
    )
    settings_queries = [q for q in queries.captured_queries if "pages_legalpages" in q["sql"]]
    assert len(settings_queries) == 1
    assert len(queries.captured_queries) <= 2  # the site, cached per request, and the settings


@pytest.mark.django_db
def test_the_pages_are_in_the_search_index(privacy_page):
    found = ContentPage.objects.live().search("privacidad")
    assert privacy_page.pk in [page.pk for page in found]


@pytest.mark.django_db
def test_content_pages_go_under_the_home_page_or_each_other(home):
    assert ContentPage in HomePage.allowed_subpage_models()
    assert ContentPage.can_create_at(home)
    assert ContentPage not in ConsultationIndexPage.allowed_subpage_models()
    assert ContentPage in ContentPage.allowed_subpage_models()
