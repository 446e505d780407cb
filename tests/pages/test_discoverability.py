"""What crawlers, browsers and social networks read: the icon, robots.txt,
the sitemap in both languages, and every page's description, canonical
address, Open Graph tags and hreflang alternates."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from pages.models import ContentPage

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
SITE_LINES = (
    "Here the municipality shares its draft plans and rules before deciding on them. "
    "Read them, comment on each part and follow what is done with what people say."
)


def gettext_spanish(text):
    with translation.override("es-mx"):
        return gettext(text)


@pytest.fixture
def content_page(home):
    page = ContentPage(
        title="Preguntas frecuentes",
        slug="preguntas-frecuentes",
        intro="Respuestas cortas.",
        intro_en="Short answers.",
        body_en=[{"type": "paragraph", "value": "<p>Hi.</p>"}],
        search_description="Lo que más nos preguntan sobre las consultas.",
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    assert match, f"{attribute}={name} missing"
    return match.group(1)


def link(html, rel, extra=""):
    return re.findall(rf'<link rel="{rel}"{extra} href="([^"]+)">', html)


def alternates(html):
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_favicon_answers_and_pages_link_it(client, home):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"
    html = client.get("/").content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/img/favicon-32.png" type="image/png"' in html


def test_robots_allows_pages_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for path in ("/admin/", "/api/", "/cuenta/", "/en/cuenta/", "/accounts/", "/en/accounts/"):
        assert f"Disallow: {path}" in lines
    assert not any(line in lines for line in ("Disallow: /", "Disallow: /consultas/"))
    assert lines[-1] == "Sitemap: http://testserver/sitemap.xml"


def test_sitemap_lists_every_public_page_in_both_languages(
    client, make_consultation, content_page, django_assert_max_num_queries
):
    consultation = make_consultation(title="Alumbrado", slug="alumbrado")
    draft = make_consultation(slug="borrador", publish=False)
    for _ in range(3):
        make_consultation()
    with django_assert_max_num_queries(12):
        response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    entries = {
        url.find(f"{SITEMAP}loc").text: {
            alt.get("hreflang"): alt.get("href") for alt in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SITEMAP}url")
    }
    es = "http://testserver" + consultation.url
    en = "http://testserver/en" + consultation.url
    assert es in entries and en in entries
    assert entries[en] == {"es-mx": es, "en": en, "x-default": es}
    assert "http://testserver/" in entries and "http://testserver/en/" in entries
    assert "http://testserver/preguntas-frecuentes/" in entries
    assert not any(draft.slug in loc for loc in entries)


def test_home_page_describes_the_site(client, home):
    for prefix, language in (("", "es-mx"), ("/en", "en")):
        html = client.get(prefix + "/").content.decode()
        with translation.override(language):
            lines = gettext(SITE_LINES)
        description = meta(html, "name", "description")
        assert description == escape(lines)
        assert meta(html, "property", "og:description") == description
    # Spanish is the Spanish text, not the English one.
    assert gettext_spanish(SITE_LINES) != SITE_LINES


def test_consultation_page_is_described_by_its_summary(client, make_consultation):
    page = make_consultation(
        title="Ciclovías <2027>", slug="ciclovias", summary="Proponemos 40 km de ciclovías. " * 20
    )
    path = page.url  # before English is active in this thread
    html = client.get("/en" + path + "?orden=nuevos").content.decode()
    description = meta(html, "name", "description")
    assert description.startswith("Proponemos 40 km de ciclovías.")
    assert len(description) <= 200 and description.endswith("…")
    assert meta(html, "property", "og:title") == "Ciclovías &lt;2027&gt;"
    # The query is not part of the canonical address.
    assert link(html, "canonical") == ["http://testserver/en" + path]
    assert alternates(html)["es-mx"] == "http://testserver" + path
    assert meta(html, "property", "og:locale") == "en_US"


def test_content_page_uses_its_search_description(client, content_page):
    html = client.get("/preguntas-frecuentes/").content.decode()
    assert meta(html, "name", "description") == "Lo que más nos preguntan sobre las consultas."
    content_page.search_description = ""
    content_page.save_revision().publish()
    html = client.get("/en/preguntas-frecuentes/").content.decode()
    assert meta(html, "name", "description") == "Short answers."
    assert alternates(html)["en"] == "http://testserver/en/preguntas-frecuentes/"


def test_pages_outside_the_tree_get_the_site_description(client, home):
    html = client.get("/en/search/").content.decode()
    assert meta(html, "name", "description") == escape(SITE_LINES)
    assert link(html, "canonical") == ["http://testserver/en/search/"]
    assert alternates(html)["es-mx"] == "http://testserver/search/"
