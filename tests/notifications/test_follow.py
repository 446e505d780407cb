"""Following a consultation or a thread, through the forms (without
JavaScript) and the JSON API: follow, stop, idempotent; 404 for what one
may not see; anonymous refused; floods limited; nobody follows for
someone else; a stop one chose is not undone by posting again.

New strings are not in the Spanish catalog until the lead regenerates it,
so wording is asserted on English addresses (/en/)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.crypto import get_random_string
from django.utils.translation import override
from wagtail.models import PageViewRestriction

from comments import actions
from notifications import follows
from notifications.models import Follow

EN = "/en"


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué cambiarías?"])


@pytest.fixture
def ana(make_user):
    return make_user("citizen", display_name="Ana Autora")


@pytest.fixture
def beto(make_user):
    return make_user("citizen", display_name="Beto Lector")


def post(user, page, body="Un comentario con sustancia.", **anchor):
    anchor = anchor or {"question": page.ordered_questions[0].pk}
    return actions.do_post_comment(user, page, body=body, **anchor)


@pytest.fixture
def thread(page, beto):
    return post(beto, page, body="Un hilo para seguir.")


def url_of(page):
    with override("en"):
        return page.get_url()


def consultation_form(page_or_id):
    return f"{EN}/avisos/seguir/consultas/{getattr(page_or_id, 'pk', page_or_id)}/"


def thread_form(comment_or_id):
    return f"{EN}/avisos/seguir/hilos/{getattr(comment_or_id, 'pk', comment_or_id)}/"


def consultation_api(page_or_id):
    return f"/api/v1/consultations/{getattr(page_or_id, 'pk', page_or_id)}/follow/"


def thread_api(comment_or_id):
    return f"/api/v1/comments/{getattr(comment_or_id, 'pk', comment_or_id)}/follow/"


def as_user(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def send(client, method, url, data=None, **extra):
    kwargs = {"content_type": "application/json"} if data is not None else {}
    return getattr(client, method)(url, data, **kwargs, **extra)


def states(user):
    """{("consultation"|"thread", id): active} of every follow row of `user`."""
    return {
        ("consultation", c) if c else ("thread", t): active
        for c, t, active in Follow.objects.filter(user=user).values_list(
            "consultation_id", "thread_id", "active"
        )
    }


def shown_messages(client, page):
    response = client.get(url_of(page))
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


# --- Forms --------------------------------------------------------------------


def test_the_form_follows_and_stops_following_a_consultation(page, ana):
    client = as_user(ana)
    back = f"{url_of(page)}?sort=newest#follow-consultation"
    response = client.post(consultation_form(page), {"following": "1", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert states(ana) == {("consultation", page.pk): True}
    assert shown_messages(client, page) == [
        "You follow this consultation. You will be told when it opens, is about to close, "
        "closes and publishes its response."
    ]
    # Twice: still one row, still followed.
    client.post(consultation_form(page), {"following": "1", "next": back})
    assert states(ana) == {("consultation", page.pk): True}
    assert len(shown_messages(client, page)) == 1

    response = client.post(consultation_form(page), {"following": "0", "next": back})
    assert response["Location"] == back
    assert states(ana) == {("consultation", page.pk): False}
    assert shown_messages(client, page) == ["You no longer follow this consultation."]
    client.post(consultation_form(page), {"following": "0"})
    assert states(ana) == {("consultation", page.pk): False}


def test_the_form_follows_a_thread_by_any_of_its_comments(page, ana, beto, thread):
    reply = post(ana, page, body="Una respuesta.", question=None, parent=thread.pk)
    deeper = post(beto, page, body="Otra más abajo.", question=None, parent=reply.pk)
    Follow.objects.all().delete()
    client = as_user(ana)
    # Without `next`, back to the thread on its page (its permalink).
    response = client.post(thread_form(deeper), {"following": "1"})
    assert response["Location"] == f"{EN}/c/{thread.pk}/"
    assert states(ana) == {("thread", thread.pk): True}
    assert shown_messages(client, page) == [
        "You follow this thread. You will be told of new comments."
    ]
    client.post(thread_form(reply), {"following": "0"})
    assert states(ana) == {("thread", thread.pk): False}
    assert shown_messages(client, page) == ["You no longer follow this thread."]


def test_the_forms_answer_post_only(page, ana, thread):
    client = as_user(ana)
    for url in (consultation_form(page), thread_form(thread)):
        assert client.get(url).status_code == 405
    assert not Follow.objects.filter(user=ana).exists()


def test_anonymous_people_are_sent_to_sign_in(client, page, thread):
    back = f"{url_of(page)}#follow-consultation"
    for url in (consultation_form(page), thread_form(thread)):
        response = client.post(url, {"following": "1", "next": back})
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert "follow-consultation" in response["Location"]
    # Only the thread's author's own, from posting.
    assert set(Follow.objects.values_list("user", flat=True)) == {thread.author_id}


def test_next_goes_back_only_to_this_site(page, ana, thread):
    client = as_user(ana)
    for unsafe in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
        response = client.post(consultation_form(page), {"following": "1", "next": unsafe})
        assert response["Location"] == url_of(page)
        response = client.post(thread_form(thread), {"following": "1", "next": unsafe})
        assert response["Location"] == f"{EN}/c/{thread.pk}/"


def test_a_following_value_other_than_1_or_0_changes_nothing(page, ana):
    client = as_user(ana)
    for value in ("", "yes", "2", "true"):
        response = client.post(consultation_form(page), {"following": value})
        assert response["Location"] == url_of(page)
    client.post(consultation_form(page), {"next": url_of(page)})
    assert not Follow.objects.filter(user=ana).exists()
    assert set(shown_messages(client, page)) == {"Choose to follow or to stop following."}


# --- What cannot be followed: 404 ----------------------------------------------


def unseeable(make_consultation, page, ana, beto):
    """(consultations, comments) `ana` may not follow, each with a name."""
    draft = make_consultation(questions=["¿?"], publish=False)
    private = make_consultation(questions=["¿?"])
    private_thread = post(beto, private, body="En una consulta privada.")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secreto"
    )
    unpublished = make_consultation(questions=["¿?"])
    unpublished_thread = post(beto, unpublished, body="En una consulta que se retira.")
    unpublished.unpublish()
    held_page = make_consultation(questions=["¿?"], moderation_mode="pre")
    held = post(beto, held_page, body="Espera revisión.")
    assert held.status == "held"
    consultations = {
        "unknown": 10**9,
        "the largest id": 2**63 - 1,
        "past the database's range": 2**63,
        "draft": draft.pk,
        "private": private.pk,
        "unpublished": unpublished.pk,
        "not a consultation": page.get_parent().pk,
    }
    comments = {
        "unknown": 10**9,
        "the largest id": 2**63 - 1,
        "past the database's range": 2**63,
        "in a private consultation": private_thread.pk,
        "in an unpublished consultation": unpublished_thread.pk,
        "someone else's held comment": held.pk,
    }
    return consultations, comments


def test_what_one_may_not_see_is_404_to_the_forms(make_consultation, page, ana, beto):
    consultations, comments = unseeable(make_consultation, page, ana, beto)
    client = as_user(ana)
    for name, pk in consultations.items():
        for following in ("1", "0"):
            response = client.post(consultation_form(pk), {"following": following})
            assert response.status_code == 404, name
    for name, pk in comments.items():
        response = client.post(thread_form(pk), {"following": "1"})
        assert response.status_code == 404, name
    assert not Follow.objects.filter(user=ana).exists()


def test_what_one_may_not_see_is_404_to_the_api(make_consultation, page, ana, beto):
    consultations, comments = unseeable(make_consultation, page, ana, beto)
    client = as_user(ana)
    for method in ("get", "put", "delete"):
        for name, pk in consultations.items():
            response = send(client, method, consultation_api(pk))
            assert response.status_code == 404, (method, name)
            assert response.json()["code"] == "not_found"
        for name, pk in comments.items():
            response = send(client, method, thread_api(pk))
            assert response.status_code == 404, (method, name)
            assert response.json()["code"] == "not_found"
    assert not Follow.objects.filter(user=ana).exists()


def test_the_author_of_a_held_comment_may_follow_its_thread(make_consultation, ana, beto):
    held_page = make_consultation(questions=["¿?"], moderation_mode="pre")
    held = post(ana, held_page, body="Espera revisión.")
    # Posting followed it; the author may stop and follow again.
    assert states(ana) == {("thread", held.pk): True, ("consultation", held_page.pk): True}
    client = as_user(ana)
    assert send(client, "delete", thread_api(held)).json() == {"following": False}
    assert client.post(thread_form(held), {"following": "1"}).status_code == 302
    assert states(ana)[("thread", held.pk)] is True
    # A moderator is the only other person who knows it exists.
    assert send(as_user(beto), "put", thread_api(held)).status_code == 404


# --- API ------------------------------------------------------------------------


def test_the_api_follows_and_stops_following_a_consultation(page, ana):
    client = as_user(ana)
    assert send(client, "get", consultation_api(page)).json() == {"following": False}
    for _ in range(2):  # idempotent
        response = send(client, "put", consultation_api(page))
        assert response.status_code == 200 and response.json() == {"following": True}
    assert send(client, "get", consultation_api(page)).json() == {"following": True}
    assert states(ana) == {("consultation", page.pk): True}
    for _ in range(2):
        response = send(client, "delete", consultation_api(page))
        assert response.status_code == 200 and response.json() == {"following": False}
    assert send(client, "get", consultation_api(page)).json() == {"following": False}
    assert states(ana) == {("consultation", page.pk): False}


def test_the_api_follows_the_thread_of_a_reply(page, ana, beto, thread):
    reply = post(beto, page, body="Respuesta del mismo autor.", question=None, parent=thread.pk)
    client = as_user(ana)
    assert send(client, "put", thread_api(reply)).json() == {"following": True}
    assert states(ana) == {("thread", thread.pk): True}
    for comment in (thread, reply):
        assert send(client, "get", thread_api(comment)).json() == {"following": True}
    assert send(client, "delete", thread_api(thread)).json() == {"following": False}
    assert send(client, "get", thread_api(reply)).json() == {"following": False}


def test_the_api_refuses_anonymous_people(page, thread):
    client = Client()
    for url in (consultation_api(page), thread_api(thread)):
        for method in ("get", "put", "delete"):
            response = send(client, method, url)
            assert response.status_code == 403, (method, url)
            assert response.json()["code"] == "forbidden"
    # Only the thread's author's own, from posting.
    assert set(Follow.objects.values_list("user", flat=True)) == {thread.author_id}


def test_the_api_needs_the_csrf_token(page, ana, thread):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    for url in (consultation_api(page), thread_api(thread)):
        for method in ("put", "delete"):
            refused = send(client, method, url)
            assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not Follow.objects.filter(user=ana).exists()
    accepted = send(client, "put", consultation_api(page), HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert states(ana) == {("consultation", page.pk): True}


def test_nobody_follows_or_stops_for_someone_else(page, ana, beto, thread):
    """Whatever the body names, the person is the one signed in."""
    beto_before = states(beto)
    assert beto_before == {("thread", thread.pk): True, ("consultation", page.pk): True}
    client = as_user(ana)
    for body in ({"user": beto.pk}, {"user_id": beto.pk, "following": False}, [beto.pk]):
        assert send(client, "delete", consultation_api(page), body).status_code == 200
        assert send(client, "delete", thread_api(thread), body).status_code == 200
    assert states(beto) == beto_before
    # The forms take no person either.
    client.post(consultation_form(page), {"following": "0", "user": beto.pk})
    client.post(thread_form(thread), {"following": "0", "user": beto.pk})
    assert states(beto) == beto_before
    assert states(ana) == {("consultation", page.pk): False, ("thread", thread.pk): False}
    # And following, for ana only.
    assert send(client, "put", thread_api(thread), {"user": beto.pk}).status_code == 200
    assert states(ana)[("thread", thread.pk)] is True
    assert states(beto) == beto_before


# --- Floods -----------------------------------------------------------------------


@pytest.fixture
def limited(settings, no_rate_limits):
    settings.PUENTE_FOLLOW_RATE = "3/min"
    cache.clear()
    yield
    cache.clear()


def test_a_follow_flood_is_limited_and_changes_nothing(limited, page, ana, thread):
    client = as_user(ana)
    codes = [send(client, "put", thread_api(thread)).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    refused = send(client, "delete", thread_api(thread))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    body = refused.json()
    assert body["code"] == "rate_limited" and body["retry_after"] > 0
    assert "siguiendo y dejando de seguir demasiado rápido" in body["detail"]
    assert states(ana) == {("thread", thread.pk): True}
    # Reading is not a write: still answered.
    assert send(client, "get", thread_api(thread)).json() == {"following": True}


def test_the_forms_share_the_apis_follow_budget(limited, page, ana, beto, thread):
    client = as_user(ana)
    assert send(client, "put", consultation_api(page)).status_code == 200
    for following in ("0", "1"):
        assert client.post(consultation_form(page), {"following": following}).status_code == 302
    # Three follows spent, by either path: the fourth is refused by either path.
    response = client.post(consultation_form(page), {"following": "0", "next": url_of(page)})
    assert response.status_code == 302 and response["Location"] == url_of(page)
    message = shown_messages(client, page)[-1]
    assert message.startswith("You are following and unfollowing too fast. Try again in ")
    assert send(client, "delete", consultation_api(page)).status_code == 429
    assert client.post(thread_form(thread), {"following": "1"}).status_code == 302
    assert states(ana) == {("consultation", page.pk): True}
    # The budget is per person, and apart from the comments' own.
    other = as_user(beto)
    assert send(other, "delete", consultation_api(page)).status_code == 200
    post(ana, page, body="Comentar sigue permitido.")


# --- Posting follows, once ----------------------------------------------------------


def test_posting_follows_the_thread_and_the_consultation(page, ana, beto, thread):
    assert states(ana) == {}
    reply = post(ana, page, body="Mi primera respuesta.", question=None, parent=thread.pk)
    assert states(ana) == {("thread", thread.pk): True, ("consultation", page.pk): True}
    assert follows.following(ana, consultation=page, threads=[thread.pk, reply.pk]) == {
        ("consultation", page.pk),
        ("thread", thread.pk),
    }


def test_a_stop_is_not_undone_by_posting_again(page, ana, beto, thread):
    post(ana, page, body="Primera respuesta.", question=None, parent=thread.pk)
    client = as_user(ana)
    send(client, "delete", thread_api(thread))
    client.post(consultation_form(page), {"following": "0"})
    rows_before = Follow.objects.count()
    post(ana, page, body="Segunda respuesta.", question=None, parent=thread.pk)
    post(ana, page, body="Un hilo nuevo mío.")
    assert states(ana)[("thread", thread.pk)] is False
    assert states(ana)[("consultation", page.pk)] is False
    # Only the new thread was followed.
    assert Follow.objects.count() == rows_before + 1
    # Following again by choice still works.
    assert send(client, "put", thread_api(thread)).json() == {"following": True}
