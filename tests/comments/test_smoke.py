"""A first pass through post, reply, edit, react, delete over the API."""

import pytest


@pytest.fixture
def open_consultation(make_consultation):
    return make_consultation(sections=[("Uno", "Texto")], questions=["¿Qué opinas?"])


def test_post_reply_edit_react_delete(client, make_user, open_consultation, no_rate_limits):
    ana, beto = make_user("citizen"), make_user("citizen")
    question = open_consultation.ordered_questions[0]
    url = f"/api/v1/consultations/{open_consultation.pk}/comments/"
    client.force_login(ana)
    created = client.post(
        url, {"body": "Más transparencia", "question": question.pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    comment = created.json()
    assert comment["question"] == question.pk and comment["author"] == ana.display_name
    client.force_login(beto)
    reply = client.post(
        url, {"body": "De acuerdo", "parent": comment["id"]}, content_type="application/json"
    )
    assert reply.status_code == 201
    assert reply.json()["question"] == question.pk and reply.json()["depth"] == 1
    react = client.post(
        f"/api/v1/comments/{comment['id']}/reactions/",
        {"stance": "agree"},
        content_type="application/json",
    )
    assert react.status_code == 200 and react.json()["comment"]["reactions"]["agree"] == 1
    assert (
        client.patch(
            f"/api/v1/comments/{comment['id']}/",
            {"body": "x" * 10},
            content_type="application/json",
        ).status_code
        == 403
    )
    client.force_login(ana)
    assert (
        client.patch(
            f"/api/v1/comments/{comment['id']}/",
            {"body": "Mucha más transparencia"},
            content_type="application/json",
        ).status_code
        == 200
    )
    listing = client.get(url).json()
    assert [c["id"] for c in listing["results"]] == [comment["id"], reply.json()["id"]]
    cursor = listing["next_cursor"]
    assert client.delete(f"/api/v1/comments/{comment['id']}/").status_code == 204
    changes = client.get(url, {"after": cursor}).json()
    assert [(c["id"], c["status"], c["body"]) for c in changes["results"]] == [
        (comment["id"], "deleted", "")
    ]
    assert changes["next_cursor"] == cursor + 1
