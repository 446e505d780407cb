"""Floods of writes over HTTP get 429 with a retry time, and change nothing."""

import pytest
from django.core.cache import cache

from comments import actions
from comments.models import Reaction


@pytest.fixture
def limited(settings, no_rate_limits):
    settings.PUENTE_COMMENT_WRITE_RATE = "3/min"
    cache.clear()
    yield
    cache.clear()


def test_a_reaction_flood_is_throttled(client, limited, make_user, make_consultation):
    page = make_consultation(questions=["¿Qué opinas?"])
    author, flooder = make_user("citizen"), make_user("citizen")
    comment = actions.do_post_comment(
        author, page, body="Algo que decir", question=page.ordered_questions[0].pk
    )
    client.force_login(flooder)
    url = f"/api/v1/comments/{comment.pk}/reactions/"
    codes = [
        client.post(url, {"stance": "agree"}, content_type="application/json").status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    refused = client.post(url, {"stance": "pass"}, content_type="application/json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Three toggles were applied (agree, withdraw, agree); the refused ones changed nothing.
    assert Reaction.objects.get(comment=comment, user=flooder).stance == "agree"
    # Reading is never throttled.
    assert client.get(f"/api/v1/consultations/{page.pk}/comments/").status_code == 200


def test_the_limit_is_per_person(client, limited, make_user, make_consultation):
    page = make_consultation(questions=["¿Qué opinas?"])
    url = f"/api/v1/consultations/{page.pk}/comments/"
    question = page.ordered_questions[0].pk
    for user in (make_user("citizen"), make_user("citizen")):
        client.force_login(user)
        codes = [
            client.post(
                url,
                {"body": f"Comentario {n}", "question": question},
                content_type="application/json",
            ).status_code
            for n in range(4)
        ]
        assert codes == [201, 201, 201, 429]
