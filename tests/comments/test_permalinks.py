"""A comment's permalink, /c/<id>/ and /en/c/<id>/: a redirect to the page of
threads that shows it, for whoever the page would show it to."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from wagtail.models import PageViewRestriction

from accounts.roles import CITIZEN, MODERATOR
from comments import actions
from comments.models import Comment, CommentStatus
from comments.threads import THREADS_PER_PAGE

EN = "/en"


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(
        sections=[("Objeto", "Qué regula.")], questions=["¿Qué cambiarías?", "¿Qué falta?"]
    )


@pytest.fixture
def ana(make_user):
    return make_user(CITIZEN, display_name="Ana")


@pytest.fixture
def beto(make_user):
    return make_user(CITIZEN, display_name="Beto")


def url_of(page, prefix=""):
    with translation.override(settings.LANGUAGE_CODE):
        return f"{prefix}{page.url}"


def question(page, n=0):
    return page.ordered_questions[n].pk


def post(user, page, when, **anchor):
    if not anchor:
        anchor = {"question": question(page)}
    return actions.do_post_comment(
        user, page, body="Un comentario con sustancia.", now=when, **anchor
    )


def many(user, page, count, **anchor):
    """`count` top-level comments, a second apart, oldest first."""
    start = timezone.now() - timedelta(hours=2)
    return [post(user, page, start + timedelta(seconds=i), **anchor) for i in range(count)]


def reply(user, parent):
    return actions.do_post_comment(
        user, parent.consultation, body="Una respuesta.", parent=parent.pk
    )


def set_status(comment, status):
    Comment.objects.filter(pk=comment.pk).update(status=status)


def location(client, comment, prefix=""):
    response = client.get(f"{prefix}/c/{comment.pk}/")
    assert response.status_code == 302, response.status_code
    return response["Location"]


def shows(client, url, comment):
    """The page the permalink leads to has the comment."""
    response = client.get(url.split("#")[0])
    assert response.status_code == 200
    return f'id="comment-{comment.pk}"' in response.content.decode()


@pytest.mark.parametrize("prefix", ["", EN])
def test_a_comment_on_its_threads_first_page_leads_to_the_page_and_anchor(
    client, page, ana, prefix
):
    comment = many(ana, page, 1)[0]
    assert location(client, comment, prefix) == f"{url_of(page, prefix)}#comment-{comment.pk}"


@pytest.mark.parametrize("prefix", ["", EN])
def test_a_thread_on_a_later_page_leads_to_that_page(client, page, ana, prefix):
    comments = many(ana, page, 2 * THREADS_PER_PAGE + 3)
    last = comments[-1]
    key = f"question-{question(page)}"
    url = location(client, last, prefix)
    assert url == f"{url_of(page, prefix)}?thread={key}&page=3#comment-{last.pk}"
    assert shows(client, url, last)
    # the last one of page 1 and the first of page 2
    assert "?" not in location(client, comments[THREADS_PER_PAGE - 1])
    second = location(client, comments[THREADS_PER_PAGE])
    assert f"?thread={key}&page=2#" in second and shows(client, second, comments[THREADS_PER_PAGE])


def test_other_questions_and_sections_do_not_move_a_thread(client, page, ana):
    many(ana, page, THREADS_PER_PAGE + 5, question=question(page, 1))
    many(ana, page, THREADS_PER_PAGE + 5, section=page.ordered_sections[0].pk)
    mine = many(ana, page, 1)[0]
    assert location(client, mine) == f"{url_of(page)}#comment-{mine.pk}"


def test_replies_lead_to_their_threads_page_at_any_depth(client, page, ana, beto):
    roots = many(ana, page, THREADS_PER_PAGE + 2)
    first = reply(beto, roots[THREADS_PER_PAGE + 1])
    chain = [first]
    for _ in range(4):  # past the display depth: shown flat in the thread
        chain.append(reply(ana if len(chain) % 2 else beto, chain[-1]))
    key = f"question-{question(page)}"
    for comment in (first, chain[-1]):
        url = location(client, comment)
        assert url == f"{url_of(page)}?thread={key}&page=2#comment-{comment.pk}"
        assert shows(client, url, comment)


def test_section_threads_are_paged_by_their_section(client, page, ana):
    section = page.ordered_sections[0].pk
    comments = many(ana, page, THREADS_PER_PAGE + 1, section=section)
    url = location(client, comments[-1])
    assert url == f"{url_of(page)}?thread=section-{section}&page=2#comment-{comments[-1].pk}"
    assert shows(client, url, comments[-1])


def test_a_held_comment_is_its_authors_and_the_moderators(page, ana, beto, make_user):
    comment = many(ana, page, 1)[0]
    set_status(comment, CommentStatus.HELD)
    assert Client().get(f"/c/{comment.pk}/").status_code == 404
    other = Client()
    other.force_login(beto)
    assert other.get(f"/c/{comment.pk}/").status_code == 404
    author = Client()
    author.force_login(ana)
    url = location(author, comment)
    assert url.endswith(f"#comment-{comment.pk}") and shows(author, url, comment)
    moderator = Client()
    moderator.force_login(make_user(MODERATOR))
    assert location(moderator, comment).endswith(f"#comment-{comment.pk}")


def test_held_comments_of_others_do_not_count_in_the_page_number(client, page, ana, beto):
    others = many(beto, page, THREADS_PER_PAGE)
    for comment in others:
        set_status(comment, CommentStatus.HELD)
    mine = post(ana, page, timezone.now())
    assert location(client, mine) == f"{url_of(page)}#comment-{mine.pk}"
    author = Client()
    author.force_login(beto)
    assert "page=2" in location(author, mine)


def test_a_reply_in_a_thread_nobody_else_sees_is_not_found(client, page, ana, beto):
    root = many(ana, page, 1)[0]
    answer = reply(beto, root)
    set_status(root, CommentStatus.HELD)
    assert client.get(f"/c/{answer.pk}/").status_code == 404


@pytest.mark.parametrize(
    "status", [CommentStatus.DELETED, CommentStatus.HIDDEN, CommentStatus.REMOVED]
)
def test_tombstones_lead_to_their_place_in_the_thread(client, page, ana, status):
    comment = many(ana, page, 1)[0]
    set_status(comment, status)
    url = location(client, comment)
    assert url == f"{url_of(page)}#comment-{comment.pk}"
    assert shows(client, url, comment)


def test_an_unpublished_consultation_hides_its_comments(client, page, ana, make_user):
    comment = many(ana, page, 1)[0]
    page.unpublish()
    assert client.get(f"/c/{comment.pk}/").status_code == 404
    moderator = Client()
    moderator.force_login(make_user(MODERATOR))
    assert moderator.get(f"/c/{comment.pk}/").status_code == 404


def test_a_restricted_consultation_hides_its_comments(client, page, ana):
    comment = many(ana, page, 1)[0]
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(f"/c/{comment.pk}/").status_code == 404
    ana_client = Client()
    ana_client.force_login(ana)
    assert ana_client.get(f"/c/{comment.pk}/").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/c/0/", "/c/999999/", f"/c/{2**63}/", "/c/99999999999999999999/", "/en/c/-1/", "/c/1x/"],
)
def test_ids_that_name_no_comment_are_not_found(client, page, path):
    assert client.get(path).status_code == 404


def test_the_redirect_takes_a_constant_number_of_queries(
    client, page, ana, beto, django_assert_max_num_queries
):
    roots = many(ana, page, 2 * THREADS_PER_PAGE + 1)
    deep = reply(beto, roots[-1])
    signed_in = Client()
    signed_in.force_login(beto)
    for who in (client, signed_in):
        for comment in (roots[0], roots[-1], deep):
            with django_assert_max_num_queries(7):
                who.get(f"/c/{comment.pk}/")
