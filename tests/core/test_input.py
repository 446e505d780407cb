"""core/input.py and where it is wired: JSON nested too deep, NUL bytes and
lone surrogates, and ids past the database's integer range answer 400 or
404 (never 500), on PostgreSQL and SQLite, with nothing stored."""

import pytest

from accounts.roles import CITIZEN, MODERATOR
from comments.models import Comment
from core.input import MAX_JSON_DEPTH, BadInput, load_json

HUGE = "99999999999999999999"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "text",
    [
        DEEP,
        '{"body": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "[" * (MAX_JSON_DEPTH + 2) + "]" * (MAX_JSON_DEPTH + 2),
        '{"body": "a\\u0000b"}',
        '{"a\\u0000": 1}',
        '{"body": "\\ud800"}',
        b'{"body": "\xff"}',
        "{",
        '"\\',
    ],
)
def test_load_json_refuses_with_a_reason(text):
    with pytest.raises(BadInput):
        load_json(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"body": "Hola, ¿qué tal? \\u00e1 [no es] {anidado}"}',
        "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH,
    ],
)
def test_load_json_accepts_ordinary_bodies(text):
    load_json(text)


@pytest.fixture
def open_consultation(make_consultation):
    return make_consultation(questions=["¿Qué opinas?"])


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize(
    "body", [DEEP, '{"body": "con \\u0000 nulo", "question": 1}', '{"body": "\\udfff"}']
)
def test_api_writes_answer_400_to_deep_or_bad_json(
    client, open_consultation, make_user, no_rate_limits, signed_in, body
):
    if signed_in:
        client.force_login(make_user(CITIZEN))
    response = client.post(
        f"/api/v1/consultations/{open_consultation.pk}/comments/",
        body,
        content_type="application/json",
    )
    assert response.status_code in (400, 403)
    assert response.status_code == 400 or not signed_in
    assert not Comment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/moderation/decisions/",
        "/api/v1/comments/1/flags/",
        "/api/v1/comments/1/",
    ],
)
def test_every_json_write_refuses_deep_nesting(client, make_user, path):
    client.force_login(make_user(MODERATOR))
    for method in (client.post, client.patch):
        response = method(path, DEEP, content_type="application/json")
        assert response.status_code in (400, 404, 405), (path, response.status_code)
        assert response.status_code != 500


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/consultas/?tag=%00",
        "/en/consultas/?tag=%00",
        "/search/?q=a%00b",
        "/search/?q%00=a",
        "/api/v1/consultations/?page=%00",
    ],
)
def test_a_nul_in_the_query_string_is_a_400(client, index, url):
    response = client.get(url)
    assert response.status_code == 400
    assert b"NUL" in response.content


@pytest.mark.django_db
def test_a_nul_in_a_plain_form_is_a_400_and_stores_nothing(client, open_consultation, make_user):
    client.force_login(make_user(CITIZEN))
    response = client.post(
        f"/comentarios/consultas/{open_consultation.pk}/comentar/",
        {"body": "Con\x00nulo", "question": open_consultation.ordered_questions[0].pk},
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/consultations/{HUGE}/",
        f"/api/v1/consultations/{HUGE}/comments/",
        f"/api/v1/comments/{HUGE}/",
        f"/consultations/{HUGE}/export.csv",
        f"/consultations/{HUGE}/export.json",
        f"/comentarios/{HUGE}/editar/",
        f"/moderacion/comentarios/{HUGE}/reportar/",
        f"/api/v1/consultations/{2**63}/",
    ],
)
def test_ids_past_the_database_range_are_not_found(client, make_user, url):
    client.force_login(make_user(CITIZEN))
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_largest_id_still_routes(client):
    assert client.get(f"/api/v1/consultations/{2**63 - 1}/").status_code == 404
    from django.urls import reverse

    assert reverse("api-consultation-detail", args=[2**63 - 1]).endswith(f"/{2**63 - 1}/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q", ['"', '""', 'agua "potable', '"agua"', "a'b", "(", "*", "NEAR(", "a AND"]
)
def test_page_search_takes_any_punctuation(client, make_consultation, q):
    make_consultation(title="Agua potable para todos")
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["until=9999-12-31", "since=0001-01-01", "until=1900-01-01", "since=3000-01-01"],
)
def test_dates_out_of_range_are_a_400_with_the_range(client, make_consultation, make_user, query):
    from accounts.roles import PLANNER

    page = make_consultation(questions=["¿Qué opinas?"])
    client.force_login(make_user(PLANNER, MODERATOR))
    summary = client.get(f"/api/v1/consultations/{page.pk}/summary/?{query}")
    assert summary.status_code == 400, summary.content
    assert "2000-01-01" in summary.content.decode()
    search = client.get(f"/api/v1/moderation/search/?{query}")
    assert search.status_code == 400, search.content


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["question", "section", "author"])
def test_search_filters_past_the_id_range_are_a_400(client, make_user, field):
    client.force_login(make_user(MODERATOR))
    response = client.get(f"/api/v1/moderation/search/?{field}={HUGE}")
    assert response.status_code == 400
    assert field in response.json().get("errors", {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/consultations/{HUGE}/",
        f"/api/v1/comments/{HUGE}/",
        "/api/v1/nada/",
        "/api/v1/x/y/",
    ],
)
def test_api_addresses_nothing_answers_get_the_envelopes_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "No encontrado.", "code": "not_found"}


@pytest.mark.django_db
def test_a_refused_body_names_its_field_in_the_envelope(client, make_consultation, make_user):
    page = make_consultation(questions=["¿Qué opinas?"])
    client.force_login(make_user(CITIZEN))
    response = client.post(
        f"/api/v1/consultations/{page.pk}/comments/",
        '{"body": "hola \\u0000", "question": 1}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "El texto no puede contener el carácter NUL.",
        "code": "invalid",
        "errors": {"body": ["El texto no puede contener el carácter NUL."]},
    }
