"""Issue 14, row 12: someone else's held comment does not exist for anyone
but its author and the moderators, on every endpoint (404, never a 403 that
confirms it)."""

import pytest

from accounts.roles import CITIZEN, MODERATOR
from comments import actions
from comments.models import Comment, CommentStatus


@pytest.fixture
def held(make_consultation, make_user, no_rate_limits):
    page = make_consultation(questions=["¿Qué opinas?"])
    author = make_user(CITIZEN)
    comment = actions.do_post_comment(
        author, page, body="Un comentario en espera.", question=page.ordered_questions[0].pk
    )
    Comment.objects.filter(pk=comment.pk).update(status=CommentStatus.HELD)
    return author, Comment.objects.get(pk=comment.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/v1/comments/{id}/", {"body": "Otro texto"}),
        ("delete", "/api/v1/comments/{id}/", None),
        ("post", "/api/v1/comments/{id}/reactions/", {"stance": "agree"}),
        ("post", "/api/v1/comments/{id}/flags/", {"reason": "spam"}),
    ],
)
def test_another_citizen_gets_404_from_the_api(client, held, make_user, method, path, body):
    _, comment = held
    client.force_login(make_user(CITIZEN))
    response = getattr(client, method)(
        path.format(id=comment.pk), body, content_type="application/json"
    )
    assert response.status_code == 404, response.content
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.HELD


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/comentarios/{id}/reaccionar/", "/comentarios/{id}/editar/", "/comentarios/{id}/borrar/"],
)
def test_another_citizen_gets_404_from_the_forms(client, held, make_user, path):
    _, comment = held
    client.force_login(make_user(CITIZEN))
    assert (
        client.post(path.format(id=comment.pk), {"stance": "agree", "body": "x"}).status_code == 404
    )
    assert Comment.objects.filter(pk=comment.pk).exists()


@pytest.mark.django_db
def test_the_author_and_the_moderators_still_reach_it(client, held, make_user):
    author, comment = held
    url = f"/api/v1/comments/{comment.pk}/"
    for person in (author, make_user(MODERATOR)):
        client.force_login(person)
        # Refused for what it is (held comments cannot be edited), not hidden.
        response = client.patch(url, {"body": "Otro"}, content_type="application/json")
        assert response.status_code == 403
