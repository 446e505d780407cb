"""Home page ordering and the index page's filters and pagination."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import INDEX_PAGE_SIZE


@pytest.fixture
def mixed(make_consultation):
    now = timezone.now()
    return [
        make_consultation(
            title="Cerrada uno",
            opens_at=now - timedelta(days=40),
            closes_at=now - timedelta(days=1),
        ),
        make_consultation(
            title="Próxima uno", opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=9)
        ),
        make_consultation(title="Abierta uno", tags=["agua"]),
        make_consultation(title="Abierta dos", tags=["movilidad"]),
    ]


def test_home_lists_open_then_upcoming_then_closed(client, home, mixed):
    content = client.get(home.url).content.decode()
    positions = [content.index(title) for title in ("Abierta", "Próxima uno", "Cerrada uno")]
    assert positions == sorted(positions)
    assert content.index('id="group-open"') < content.index('id="group-upcoming"')
    assert content.index('id="group-upcoming"') < content.index('id="group-closed"')


def test_home_omits_drafts(client, home, make_consultation):
    make_consultation(title="Borrador secreto", publish=False)
    assert "Borrador secreto" not in client.get(home.url).content.decode()


def titles(response):
    return {page.title for page in response.context["consultations"]}


def test_index_filters_by_status(client, index, mixed):
    assert titles(client.get(index.url, {"status": "open"})) == {"Abierta uno", "Abierta dos"}
    assert titles(client.get(index.url, {"status": "upcoming"})) == {"Próxima uno"}
    assert titles(client.get(index.url, {"status": "closed"})) == {"Cerrada uno"}
    assert titles(client.get(index.url, {"status": "reported"})) == set()


def test_index_filters_by_tag_and_status_together(client, index, mixed):
    assert titles(client.get(index.url, {"tag": "agua"})) == {"Abierta uno"}
    assert titles(client.get(index.url, {"tag": "agua", "status": "closed"})) == set()


def test_index_ignores_unknown_filter_values(client, index, mixed):
    response = client.get(index.url, {"status": "<script>", "page": "abc"})
    assert response.status_code == 200
    assert len(titles(response)) == 4
    assert b"<script>" not in response.content
    assert titles(client.get(index.url, {"tag": "no-existe"})) == set()


def test_index_paginates(client, index, make_consultation, django_assert_max_num_queries):
    for n in range(INDEX_PAGE_SIZE + 3):
        make_consultation(title=f"Consulta número {n}", tags=["común"])
    with django_assert_max_num_queries(20):
        first = client.get(index.url)
    second = client.get(index.url, {"page": 2})
    assert len(first.context["consultations"]) == INDEX_PAGE_SIZE
    assert len(second.context["consultations"]) == 3
    assert titles(first).isdisjoint(titles(second))
    # Past the last page shows the last page rather than an error.
    assert titles(client.get(index.url, {"page": 99})) == titles(second)


def test_page_search_finds_by_section_text(client, make_consultation):
    make_consultation(title="Agua potable", sections=[("Tarifas", "Cobro por consumo de agua")])
    make_consultation(title="Alumbrado")
    response = client.get("/search/", {"q": "tarifas"})
    assert response.status_code == 200
    assert [page.title for page in response.context["results"]] == ["Agua potable"]


def test_page_search_handles_empty_and_huge_queries(client, make_consultation):
    make_consultation(title="Agua potable")
    assert client.get("/search/").status_code == 200
    response = client.get("/search/", {"q": "agua " * 2000})
    assert response.status_code == 200
    assert len(response.context["query"]) <= 200


def test_home_shows_the_newest_few_of_each_group(client, home, make_consultation):
    from consultations.models import HOME_GROUP_SIZE

    now = timezone.now()
    for n in range(HOME_GROUP_SIZE + 2):
        make_consultation(
            title=f"Cerrada {n:02d}",
            opens_at=now - timedelta(days=60 - n),
            closes_at=now - timedelta(days=1),
        )
    closed = dict(client.get(home.url).context["consultation_groups"])["closed"]
    assert [page.title for page in closed] == [
        f"Cerrada {n:02d}" for n in reversed(range(2, HOME_GROUP_SIZE + 2))
    ]


def test_consultation_page_links_its_documents(
    client, make_consultation, django_assert_max_num_queries
):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from consultations.models import ConsultationDocument

    page = make_consultation()
    document = Document.objects.create(
        title="Borrador completo", file=ContentFile(b"%PDF-1.4", name="borrador.pdf")
    )
    ConsultationDocument.objects.create(page=page, document=document, sort_order=0)
    ConsultationDocument.objects.create(
        page=page, document=document, label="Anexo técnico", sort_order=1
    )
    url = page.url
    # Routing, navigation, one per child table, and the discussion (cursor,
    # counts, threads, replies), the open-data links' view restrictions, the
    # site's identity (core/identity.py: the SiteIdentity row with its logo,
    # once per request), and cold caches when this is the process's first
    # page.
    with django_assert_max_num_queries(21):
        html = client.get(url).content.decode()
    assert html.count(f'href="{document.url}"') == 2
    assert "Borrador completo" in html and "Anexo técnico" in html
    assert "(PDF)" in html


def test_index_offers_only_the_tags_of_public_consultations(client, index, make_consultation):
    from wagtail.models import PageViewRestriction

    make_consultation(tags=["agua"])
    make_consultation(tags=["borrador-secreto"], publish=False)
    private = make_consultation(tags=["tema-privado"])
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    tags = [tag.name for tag in client.get(index.url).context["tags"]]
    assert tags == ["agua"]


def test_navigation_links_the_index_whatever_its_slug(client, home):
    from tests.factories import ConsultationIndexPageFactory

    index = ConsultationIndexPageFactory(parent=home, slug="participa")
    html = client.get(home.url).content.decode()
    assert f'href="{index.url}"' in html
    assert index.url == "/participa/"


def test_english_pages_mark_the_spanish_content(client, make_consultation):
    page = make_consultation(title="Agua para todas", sections=[("Uno", "Texto")])
    html = client.get(f"/en{page.url}").content.decode()
    assert '<html lang="en">' in html
    assert '<h1 lang="es-mx">Agua para todas</h1>' in html
