"""A person's notifications in the JSON API v1: `GET /api/v1/notifications/`
(paged, newest first, in the request's language, never a hidden or held
comment's words), `POST /api/v1/notifications/read/` {ids?} (only one's own;
others' ids are ignored) and `GET /api/v1/notifications/unread/`. Session
auth with CSRF; 403 for anyone not signed in; the error envelope for bad
input; a constant number of queries."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from moderation import actions as moderation_actions
from notifications import reading
from notifications.models import Notice
from tests.moderation.conftest import url_of

pytestmark = pytest.mark.usefixtures("no_rate_limits")

LIST = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"
UNREAD = "/api/v1/notifications/unread/"
JSON = {"content_type": "application/json"}
EN = "/en"


@pytest.fixture
def page(make_consultation):
    return make_consultation(title="Parque Central", questions=["¿Qué cambiarías?"])


@pytest.fixture
def ana(make_user):
    """Ana reads the site in English (the new strings' msgids)."""
    return make_user(CITIZEN, display_name="Ana Autora", language="en")


@pytest.fixture
def beto(make_user):
    return make_user(CITIZEN, display_name="Beto Respondón")


def say(user, page, body, **anchor):
    anchor = anchor or {"question": page.ordered_questions[0].pk}
    return comment_actions.do_post_comment(user, page, body=body, **anchor)


@pytest.fixture
def replied(page, ana, beto):
    mine = say(ana, page, "Quiero más árboles en el parque.")
    reply = say(beto, page, "Y bancas a la sombra, por favor.", question=None, parent=mine.pk)
    told = Notice.objects.create(
        user=ana,
        kind="reply",
        comment=reply,
        thread=mine,
        consultation=page,
        created=timezone.now(),
    )
    return told, reply


def notice(user, kind="unblock", minutes_ago=0, **fields):
    return Notice.objects.create(
        user=user, kind=kind, created=timezone.now() - timedelta(minutes=minutes_ago), **fields
    )


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


# Reading the list ----------------------------------------------------------------


def test_the_list_in_the_requests_language(page, ana, replied):
    told, reply = replied
    client = signed_in(ana)
    data = client.get(LIST).json()
    assert data["count"] == 1 and data["next"] is None
    [item] = data["results"]
    assert item == {
        "id": told.pk,
        "kind": "reply",
        "created": item["created"],
        "read": False,
        "count": 1,
        "text": "Beto Respondón replied to your comment in “Parque Central”.",
        "url": f"{EN}/c/{reply.pk}/",
        "comment": {
            "id": reply.pk,
            "body": "Y bancas a la sombra, por favor.",
            "author": "Beto Respondón",
        },
    }
    # Plain text: nothing escaped.
    Comment.objects.filter(pk=reply.pk).update(body="Tom & Jerry <3")
    item = client.get(LIST).json()["results"][0]
    assert item["comment"]["body"] == "Tom & Jerry <3"
    # Reading the list marks nothing.
    assert Notice.objects.get(pk=told.pk).read is False


def test_the_text_is_in_the_persons_language(ana, make_user):
    """The API's addresses have no language prefix: each person reads their
    notices in the language kept on their account, as their e-mails."""
    john = make_user(CITIZEN, language="en")
    ana.language = "es-mx"
    ana.save(update_fields=["language"])
    notice(ana, "unblock")
    notice(john, "unblock")
    es = signed_in(ana).get(LIST).json()["results"][0]["text"]
    en = signed_in(john).get(LIST, HTTP_ACCEPT_LANGUAGE="es").json()["results"][0]["text"]
    assert en == "The moderators unblocked your account: you can take part again."
    assert es == "La moderación desbloqueó tu cuenta: puedes participar de nuevo."


@pytest.mark.parametrize("status", [CommentStatus.HIDDEN, CommentStatus.HELD, "removed"])
def test_a_reply_no_longer_shown_has_no_comment_author_or_anchor(page, ana, replied, status):
    _told, reply = replied
    Comment.objects.filter(pk=reply.pk).update(status=status)
    item = signed_in(ana).get(LIST).json()["results"][0]
    assert item["comment"] is None
    assert "Beto" not in item["text"] and "bancas" not in item["text"]
    assert item["url"] == url_of(page, EN)


def test_the_author_sees_their_own_hidden_comment(page, ana, make_user):
    moderator = make_user(MODERATOR)
    mine = say(ana, page, "Mi texto que ocultarán.")
    moderation_actions.do_decide(moderator, mine, action="hide", reason="spam")
    item = signed_in(ana).get(LIST).json()["results"][0]
    assert item["kind"] == "hide"
    assert item["comment"] == {
        "id": mine.pk,
        "body": "Mi texto que ocultarán.",
        "author": "Ana Autora",
    }


def test_only_my_notices_newest_first_and_paged(ana, beto):
    for i in range(reading.PER_PAGE + 2):
        notice(ana, minutes_ago=i)
    notice(beto)
    client = signed_in(ana)
    first = client.get(LIST).json()
    assert first["count"] == reading.PER_PAGE + 2 and len(first["results"]) == reading.PER_PAGE
    mine = list(Notice.objects.filter(user=ana).order_by("-created").values_list("pk", flat=True))
    assert [item["id"] for item in first["results"]] == mine[: reading.PER_PAGE]
    second = client.get(first["next"]).json()
    assert [item["id"] for item in second["results"]] == mine[reading.PER_PAGE :]
    assert client.get(LIST, {"page": 3}).status_code == 404
    for bad in ("0", "x", "-1", "1.0"):
        response = client.get(LIST, {"page": bad})
        assert response.status_code == 400 and response.json()["code"] == "invalid", bad
    assert client.get(LIST + "?page=1&page=2").status_code == 400


def test_the_list_takes_a_constant_number_of_queries(
    page, make_user, django_assert_max_num_queries
):
    author = make_user(CITIZEN)
    counted = []
    for n in (1, 10):
        person = make_user(CITIZEN)
        for i in range(n):
            mine = say(person, page, f"Comentario {i}.")
            reply = say(author, page, f"Respuesta {i}.", question=None, parent=mine.pk)
            notice(person, "reply", comment=reply, thread=mine, consultation=page)
            notice(person, "thread", comment=reply, thread=mine, consultation=page, count=2)
            notice(person, "opened", consultation=page)
            notice(person, "response", comment=mine)
            notice(person, "export")
        client = signed_in(person)
        client.get(LIST)  # warm the site's caches
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(LIST).json()["results"]) == 5 * n
        counted.append(len(queries))
    assert counted[0] == counted[1], counted
    with django_assert_max_num_queries(counted[0]):
        client.get(LIST)


# Marking read ----------------------------------------------------------------------


def test_mark_some_read_ignores_other_peoples_and_unknown_ids(ana, beto):
    a1, a2, a3 = notice(ana), notice(ana), notice(ana)
    theirs = notice(beto)
    client = signed_in(ana)
    response = client.post(READ, {"ids": [a1.pk, a2.pk, theirs.pk, 999_999]}, **JSON)
    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread": 1}
    assert set(Notice.objects.filter(read=True).values_list("pk", flat=True)) == {a1.pk, a2.pk}
    assert Notice.objects.get(pk=theirs.pk).read is False
    assert client.get(UNREAD).json() == {"unread": 1}
    assert client.post(READ, {"ids": []}, **JSON).json() == {"marked": 0, "unread": 1}
    assert client.post(READ, {}, **JSON).json() == {"marked": 1, "unread": 0}
    assert Notice.objects.get(pk=a3.pk).read and not Notice.objects.get(pk=theirs.pk).read


def test_mark_all_read_without_a_body(ana):
    notice(ana)
    response = signed_in(ana).post(READ, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 0}


@pytest.mark.parametrize(
    "body",
    [
        {"ids": "1"},
        {"ids": [0]},
        {"ids": ["uno"]},
        {"ids": [1.5]},
        {"ids": [True]},
        {"ids": [2**63]},
        {"ids": None},
        {"ids": list(range(1, reading.MAX_IDS + 2))},
        [1, 2],
    ],
)
def test_bad_ids_are_refused_with_field_errors(ana, body):
    notice(ana)
    response = signed_in(ana).post(READ, body, **JSON)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["errors"]
    assert Notice.objects.filter(read=False).count() == 1


def test_marking_read_needs_csrf_and_json(ana):
    notice(ana)
    strict = signed_in(ana, enforce_csrf_checks=True)
    response = strict.post(READ, {}, **JSON)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    response = signed_in(ana).post(READ, "ids=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert Notice.objects.filter(read=False).count() == 1


def own_cache(settings):
    """A cache of the test's own, so that no other test's requests count."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"notifications-{uuid.uuid4().hex}",
        }
    }


def test_marking_read_is_rate_limited(ana, settings):
    own_cache(settings)
    settings.PUENTE_COMMENT_WRITE_RATE = "2/min"
    client = signed_in(ana)
    assert client.post(READ, {}, **JSON).status_code == 200
    assert client.post(READ, {}, **JSON).status_code == 200
    response = client.post(READ, {}, **JSON)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


# Anonymous --------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("get", LIST), ("get", UNREAD), ("post", READ)])
def test_anonymous_is_refused(client, ana, method, path):
    notice(ana)
    response = getattr(client, method)(path, **({"data": {}, **JSON} if method == "post" else {}))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Notice.objects.filter(read=False).count() == 1


def test_other_methods_are_refused(ana):
    client = signed_in(ana)
    assert client.post(LIST, {}, **JSON).status_code == 405
    assert client.get(READ).status_code == 405
    assert client.delete(UNREAD).status_code == 405


def test_the_unread_count(ana, beto, replied):
    notice(ana, read=True)
    notice(beto)
    assert signed_in(ana).get(UNREAD).json() == {"unread": 1}
    assert signed_in(beto).get(UNREAD).json() == {"unread": 1}
