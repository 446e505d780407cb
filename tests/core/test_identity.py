"""The site's identity (core/identity.py): name, logo and accent colour from
the SiteIdentity setting, with fallbacks, in the header and the social tags."""

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from core.identity import (
    BLACK,
    DEFAULT_ACCENT,
    WHITE,
    contrast,
    current_identity,
    readable_on,
)
from core.models import SiteIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(home):
    return Site.objects.get(is_default_site=True)


def set_identity(site, **fields):
    identity, _ = SiteIdentity.objects.update_or_create(site=site, defaults=fields)
    return identity


def test_without_a_setting_the_name_comes_from_settings_then_puente(site, settings, rf):
    assert current_identity(rf.get("/")).name == "Puente"
    settings.PUENTE_SITE_NAME = "Municipio de Ejemplo"
    identity = current_identity(rf.get("/"))
    assert identity.name == "Municipio de Ejemplo"
    assert identity.logo is None
    assert identity.accent == DEFAULT_ACCENT
    assert identity.is_default_accent


def test_the_setting_wins_and_is_read_once_per_request(site, django_assert_num_queries):
    set_identity(site, name="  Ciudad Nube ", accent="#FFD400")
    request = RequestFactory().get("/")
    with django_assert_num_queries(2):  # the site, the setting
        first = current_identity(request)
    with django_assert_num_queries(0):
        assert current_identity(request) is first
    assert first.name == "Ciudad Nube"
    assert first.accent == "#ffd400"
    # Without a request (e-mails, tasks): the default site's.
    assert current_identity().name == "Ciudad Nube"


@pytest.mark.parametrize(
    ("accent", "text"),
    [("#083f78", WHITE), ("#ffd400", BLACK), ("#777777", BLACK), ("#0b5cad", WHITE)],
)
def test_text_on_the_accent_always_reads(accent, text):
    assert readable_on(accent) == text
    assert contrast(accent, text) >= 4.5


def test_every_accent_keeps_at_least_4_5_to_1():
    for value in range(0, 256, 5):
        grey = f"#{value:02x}{value:02x}{value:02x}"
        assert contrast(grey, readable_on(grey)) >= 4.5, grey


@pytest.mark.parametrize("accent", ["blue", "#12345", "#1234567", "#ggg000", "0b5cad"])
def test_an_accent_that_is_not_hex_is_refused(site, accent):
    with pytest.raises(ValidationError) as error:
        SiteIdentity(site=site, accent=accent).full_clean()
    assert "accent" in error.value.message_dict


def test_header_and_social_tags_use_the_identity(site, client):
    set_identity(site, name="Ciudad Nube", accent="#ffd400")
    html = client.get("/en/").content.decode()
    assert re.search(r'<a class="site-name" href="/en/">\s*<span>Ciudad Nube</span>', html)
    assert '<meta property="og:site_name" content="Ciudad Nube">' in html
    assert "· Ciudad Nube</title>" in html
    assert re.search(
        r'<meta property="og:image" content="http://testserver/static/img/social-card.png">', html
    )
    css = re.search(r'<link rel="stylesheet" href="(/identidad\.css\?v=\w+)">', html)
    assert css, "the accent's stylesheet is linked"
    response = client.get(css.group(1))
    assert response["Content-Type"].startswith("text/css")
    assert response.content.decode() == ":root{--accent:#ffd400;--on-accent:#000000}\n"
    assert "immutable" in response["Cache-Control"]
    # Asked without the current digest (an old page): not kept long.
    assert "max-age=60" in client.get("/identidad.css?v=old")["Cache-Control"]


def test_the_default_accent_needs_no_stylesheet(site, client):
    html = client.get("/").content.decode()
    assert "/identidad.css" not in html
    assert '<meta property="og:site_name" content="Puente">' in html


def test_a_new_colour_gets_a_new_address(site):
    set_identity(site, accent="#ffd400")
    first = current_identity(RequestFactory().get("/")).css_version
    set_identity(site, accent="#0b5cad")
    assert current_identity(RequestFactory().get("/")).css_version != first


def queries_of(client, path):
    with CaptureQueriesContext(connection) as captured:
        html = client.get(path).content.decode()
    return html, [query["sql"] for query in captured.captured_queries]


def test_the_identity_costs_one_query_per_page(site, client):
    """The setting with its logo in one query, once per page, whatever reads
    it (header, title, social tags, accent): the SEO tags and the logo's
    renditions (in the cache once made) add none."""
    client.get("/en/")  # warm: the site's root paths, the content types
    _html, without = queries_of(client, "/en/")
    assert sum("core_siteidentity" in sql for sql in without) == 1
    image = Image.objects.create(title="Escudo", file=get_test_image_file(size=(400, 400)))
    set_identity(site, name="Ciudad Nube", logo=image, accent="#ffd400")
    client.get("/en/")  # makes the renditions
    html, with_logo = queries_of(client, "/en/")
    assert "max-1200x630" in html and 'class="site-logo"' in html
    assert sum("core_siteidentity" in sql for sql in with_logo) == 1
    assert len(with_logo) == len(without)


def test_the_logo_is_in_the_header_and_the_social_card(site, client):
    image = Image.objects.create(title="Escudo", file=get_test_image_file(size=(400, 400)))
    set_identity(site, name="Ciudad Nube", logo=image)
    client.get("/")  # makes the renditions
    html = client.get("/").content.decode()
    logo = re.search(r'<a class="site-name" href="/">\s*<img [^>]*class="site-logo"[^>]*>', html)
    assert logo and 'alt=""' in logo.group(0) and 'height="96"' in logo.group(0)
    og_image = re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1)
    assert og_image.startswith("http://testserver/") and "max-1200x630" in og_image


def test_a_logo_without_its_file_falls_back_to_the_default_card(site, client):
    cache.clear()  # no renditions of an earlier test's image with the same id
    image = Image.objects.create(title="Perdido", file=get_test_image_file())
    set_identity(site, logo=image)
    image.file.storage.delete(image.file.name)
    response = client.get("/")
    assert response.status_code == 200
    assert "static/img/social-card.png" in response.content.decode()
