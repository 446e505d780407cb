"""One error envelope for the whole JSON API, DRF's own errors included,
and the permission checked before the body is read (issue 14, row 14)."""

import pytest

from accounts.roles import CITIZEN, MODERATOR

pytestmark = pytest.mark.django_db

DECISIONS = "/api/v1/moderation/decisions/"


def envelope(response):
    body = response.json()
    assert set(body) <= {"detail", "code", "errors", "retry_after"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_a_citizens_malformed_body_to_a_moderators_endpoint_is_refused_as_forbidden(
    client, make_user
):
    client.force_login(make_user(CITIZEN))
    response = client.post(DECISIONS, "{not json", content_type="application/json")
    assert response.status_code == 403
    assert envelope(response)["code"] == "forbidden"


def test_a_moderators_malformed_body_is_a_400_in_the_envelope(client, make_user):
    client.force_login(make_user(MODERATOR))
    response = client.post(DECISIONS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert envelope(response)["code"] == "invalid"


def test_a_form_body_is_415(client, make_user):
    client.force_login(make_user(MODERATOR))
    response = client.post(DECISIONS, {"action": "approve", "comments": "1"})
    assert response.status_code == 415
    assert envelope(response)["code"] == "unsupported_media_type"


def test_a_method_not_answered_is_405_with_allow(client):
    response = client.delete("/api/v1/consultations/")
    assert response.status_code == 405
    assert envelope(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_serializer_refusal_names_each_field(client, make_user):
    client.force_login(make_user(MODERATOR))
    response = client.post(
        DECISIONS, {"action": "nada", "comments": []}, content_type="application/json"
    )
    assert response.status_code == 400
    body = envelope(response)
    assert body["code"] == "invalid" and set(body["errors"]) == {"action", "comments"}
    assert all(isinstance(m, str) for ms in body["errors"].values() for m in ms)


def test_numbers_are_not_text_and_text_is_not_numbers(client, make_user):
    client.force_login(make_user(MODERATOR))
    response = client.post(
        DECISIONS,
        {"action": "approve", "note": 0, "comments": ["1.0"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(envelope(response)["errors"]) == {"note", "comments"}


@pytest.mark.parametrize("query", ["page=1&page=2", "page=", "page=0", "page=abc"])
def test_the_page_of_the_consultation_list_is_checked(client, query):
    response = client.get(f"/api/v1/consultations/?{query}")
    assert response.status_code == 400
    assert list(envelope(response)["errors"]) == ["page"]


def test_a_page_past_the_last_is_404_in_the_envelope(client):
    response = client.get("/api/v1/consultations/?page=999")
    assert response.status_code == 404
    assert envelope(response)["code"] == "not_found"


def test_a_missing_row_does_not_name_the_model(client):
    response = client.get("/api/v1/consultations/987654321/")
    assert response.status_code == 404
    assert "ConsultationPage" not in envelope(response)["detail"]


@pytest.mark.parametrize("path", ["/api/v1/nada/", "/api/v1/comments/%0A/flags/"])
def test_unknown_addresses_answer_the_envelope_whatever_the_method(client, path):
    for method in (client.get, client.post, client.delete):
        response = method(path)
        assert response.status_code == 404
        assert envelope(response)["code"] == "not_found"


def test_the_throttle_answers_the_envelope_with_retry_after(client, make_user, settings):
    settings.PUENTE_COMMENT_WRITE_RATE = "1/min"
    client.force_login(make_user(CITIZEN))
    url = "/api/v1/comments/987654321/reactions/"
    client.post(url, {"stance": "agree"}, content_type="application/json")
    response = client.post(url, {"stance": "agree"}, content_type="application/json")
    assert response.status_code == 429
    body = envelope(response)
    assert body["code"] == "rate_limited"
    assert body["retry_after"] >= 1 and response["Retry-After"] == str(body["retry_after"])


def test_the_schema_documents_the_shared_errors_and_limits(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/comments/{comment_id}/reactions/"]["post"]
    assert {"400", "403", "404", "405", "415", "429"} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    (path_id,) = [p for p in operation["parameters"] if p["in"] == "path"]
    assert path_id["schema"]["minimum"] == 1 and path_id["schema"]["maximum"] == 2**63 - 1
    listing = schema["paths"]["/api/v1/consultations/{consultation_id}/comments/"]["get"]
    after = next(p for p in listing["parameters"] if p["name"] == "after")
    assert after["schema"]["minimum"] == 0
    body = schema["components"]["schemas"]["CommentInput"]["properties"]["body"]
    assert body["maxLength"] == 5000 and body["pattern"] == "^[^\\u0000]*$"
