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


def test_the_plain_forms_share_the_apis_write_budget(client, limited, make_user, make_consultation):
    """Issue 14: 200 reactions and edits through the forms were all accepted."""
    page = make_consultation(questions=["¿Qué opinas?"])
    author, flooder = make_user("citizen"), make_user("citizen")
    comment = actions.do_post_comment(
        author, page, body="Algo que decir", question=page.ordered_questions[0].pk
    )
    client.force_login(flooder)
    api = f"/api/v1/comments/{comment.pk}/reactions/"
    assert client.post(api, {"stance": "agree"}, content_type="application/json").status_code == 200
    form = f"/comentarios/{comment.pk}/reaccionar/"
    for stance in ("pass", "agree"):
        assert client.post(form, {"stance": stance}).status_code == 302
    # Three writes spent, by either path: the fourth is refused, by either path.
    refused = client.post(form, {"stance": "disagree"}, follow=True)
    assert "demasiado rápido" in refused.content.decode()
    assert (
        client.post(api, {"stance": "disagree"}, content_type="application/json").status_code == 429
    )
    assert Reaction.objects.get(comment=comment, user=flooder).stance == "agree"


def test_a_refused_form_post_keeps_its_text(client, limited, make_user, make_consultation):
    page = make_consultation(questions=["¿Qué opinas?"])
    client.force_login(make_user("citizen"))
    url = f"/comentarios/consultas/{page.pk}/comentar/"
    question = page.ordered_questions[0].pk
    for n in range(3):
        client.post(url, {"body": f"Comentario número {n}", "question": question})
    response = client.post(
        url, {"body": "El texto que no se pierde", "question": question}, follow=True
    )
    html = response.content.decode()
    assert "El texto que no se pierde" in html
    from comments.models import Comment

    assert Comment.objects.count() == 3


def test_a_flood_of_reports_shows_the_form_again(client, limited, make_user, make_consultation):
    page = make_consultation(questions=["¿Qué opinas?"])
    author, reporter = make_user("citizen"), make_user("citizen")
    comments = [
        actions.do_post_comment(
            author, page, body=f"Texto {n}", question=page.ordered_questions[0].pk
        )
        for n in range(4)
    ]
    client.force_login(reporter)
    for comment in comments[:3]:
        client.post(f"/moderacion/comentarios/{comment.pk}/reportar/", {"reason": "spam"})
    response = client.post(
        f"/moderacion/comentarios/{comments[3].pk}/reportar/",
        {"reason": "other", "note": "Mi nota"},
    )
    assert response.status_code == 200 and "Mi nota" in response.content.decode()
    from moderation.models import Flag

    assert Flag.objects.filter(user=reporter).count() == 3
