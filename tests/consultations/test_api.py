"""The consultations API is a contract (DESIGN.md): paths, fields, statuses."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction

CONSULTATION_FIELDS = {
    "id",
    "title",
    "url",
    "status",
    "opens_at",
    "closes_at",
    "tags",
    "questions",
    "sections",
}


@pytest.fixture
def three_statuses(make_consultation):
    now = timezone.now()
    return {
        "open": make_consultation(
            title="Abierta",
            sections=[("Uno", "a"), ("Dos", "b")],
            questions=["¿P1?", "¿P2?"],
            tags=["agua", "datos abiertos"],
        ),
        "upcoming": make_consultation(
            title="Próxima", opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=9)
        ),
        "closed": make_consultation(
            title="Cerrada", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=3)
        ),
    }


def test_list_has_every_published_consultation_with_the_contract_fields(client, three_statuses):
    response = client.get("/api/v1/consultations/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["count"] == 3
    by_title = {item["title"]: item for item in body["results"]}
    assert set(by_title) == {"Abierta", "Próxima", "Cerrada"}
    for item in body["results"]:
        assert set(item) == CONSULTATION_FIELDS
    assert {title: item["status"] for title, item in by_title.items()} == {
        "Abierta": "open",
        "Próxima": "upcoming",
        "Cerrada": "closed",
    }


def test_detail_shape(client, three_statuses):
    page = three_statuses["open"]
    response = client.get(f"/api/v1/consultations/{page.pk}/")
    assert response.status_code == 200
    item = response.json()
    assert set(item) == CONSULTATION_FIELDS
    assert item["id"] == page.pk
    assert item["url"] == f"http://testserver{page.url}"
    assert item["tags"] == ["agua", "datos abiertos"]
    assert item["questions"] == [{"id": q.pk, "text": q.text} for q in page.ordered_questions]
    assert item["sections"] == [{"id": s.pk, "heading": s.heading} for s in page.ordered_sections]
    assert [q["text"] for q in item["questions"]] == ["¿P1?", "¿P2?"]
    assert item["opens_at"].startswith(str(page.opens_at.astimezone().year))


def test_reported_status(client, make_consultation):
    page = make_consultation(opens_at=timezone.now() - timedelta(days=20))
    type(page).objects.filter(pk=page.pk).update(
        closes_at=timezone.now() - timedelta(days=5), reported_at=timezone.now()
    )
    assert client.get(f"/api/v1/consultations/{page.pk}/").json()["status"] == "reported"


def test_unpublished_consultation_is_404_and_not_listed(client, make_consultation):
    draft = make_consultation(publish=False)
    assert client.get(f"/api/v1/consultations/{draft.pk}/").status_code == 404
    assert client.get("/api/v1/consultations/").json()["count"] == 0


def test_unpublishing_hides_a_consultation(client, make_consultation):
    page = make_consultation()
    assert client.get(f"/api/v1/consultations/{page.pk}/").status_code == 200
    page.unpublish()
    assert client.get(f"/api/v1/consultations/{page.pk}/").status_code == 404


def test_private_consultation_is_404(client, make_consultation):
    page = make_consultation()
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secreto"
    )
    assert client.get(f"/api/v1/consultations/{page.pk}/").status_code == 404


def test_other_page_types_and_bad_ids_are_404(client, index):
    assert client.get(f"/api/v1/consultations/{index.pk}/").status_code == 404
    assert client.get("/api/v1/consultations/999999/").status_code == 404
    assert client.get("/api/v1/consultations/abc/").status_code == 404


def test_api_is_read_only(client, admin_client, make_consultation):
    page = make_consultation()
    for c in (client, admin_client):
        assert c.post("/api/v1/consultations/", {}).status_code in (403, 405)
        assert c.delete(f"/api/v1/consultations/{page.pk}/").status_code in (403, 405)


@pytest.mark.parametrize("count", [1, 15])
def test_list_query_count_does_not_grow_with_consultations(
    client, make_consultation, django_assert_max_num_queries, count
):
    for n in range(count):
        make_consultation(
            sections=[("S1", "a"), ("S2", "b")], questions=["¿Q?"], tags=[f"tema{n}", "común"]
        )
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/consultations/")
    assert response.json()["count"] == count


def test_openapi_schema_documents_the_consultation_paths(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    content = response.content.decode()
    assert "/api/v1/consultations/" in content
    assert "/api/v1/consultations/{id}/" in content
    assert "upcoming" in content and "reported" in content
