"""The comment endpoints of the public JSON API v1 (DESIGN.md, "Public JSON API
(v1)"): shapes, thread order, pagination, cursor semantics, status codes,
CSRF, privacy of e-mail addresses, query counts, the OpenAPI schema."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.crypto import get_random_string
from wagtail.models import PageViewRestriction

from accounts.roles import CITIZEN
from comments import actions
from comments.api import PAGE_SIZE
from comments.models import Comment, CommentStatus, ConsultationActivity, Reaction
from comments.threads import CHANGES_LIMIT
from consultations.models import ConsultationPage

COMMENT_KEYS = {
    "id",
    "parent",
    "root",
    "depth",
    "question",
    "section",
    "author",
    "body",
    "body_html",
    "created",
    "edited",
    "reactions",
    "status",
}

pytestmark = pytest.mark.usefixtures("no_rate_limits")


def comments_url(consultation_or_id):
    pk = getattr(consultation_or_id, "pk", consultation_or_id)
    return f"/api/v1/consultations/{pk}/comments/"


def comment_url(comment_or_id):
    return f"/api/v1/comments/{getattr(comment_or_id, 'pk', comment_or_id)}/"


def reactions_url(comment_or_id):
    return comment_url(comment_or_id) + "reactions/"


def send(client, method, url, data=None, **extra):
    return getattr(client, method)(
        url,
        json.dumps(data) if data is not None else None,
        content_type="application/json",
        **extra,
    )


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def bulk_threads(consultation, authors, threads, replies):
    """threads × (1 + replies) comments written straight to the table, as the
    actions would have left them."""
    question = consultation.ordered_questions[0]
    start = timezone.now() - timedelta(days=1)
    seq = 0
    tops = []
    for t in range(threads):
        seq += 1
        tops.append(
            Comment(
                consultation=consultation,
                question=question,
                author=authors[t % len(authors)],
                body=f"Hilo número {t}.",
                created=start + timedelta(seconds=t * (replies + 1)),
                seq=seq,
                reply_count=replies,
            )
        )
    Comment.objects.bulk_create(tops)
    Comment.objects.filter(pk__in=[c.pk for c in tops]).update(root_id=F("id"))
    answers = []
    for top in tops:
        for r in range(replies):
            seq += 1
            answers.append(
                Comment(
                    consultation=consultation,
                    question=question,
                    parent=top,
                    root=top,
                    depth=1,
                    author=authors[(r + 1) % len(authors)],
                    body=f"Respuesta {r} al hilo {top.pk}.",
                    created=top.created + timedelta(seconds=r + 1),
                    seq=seq,
                )
            )
    Comment.objects.bulk_create(answers)
    ConsultationActivity.objects.update_or_create(
        consultation=consultation, defaults={"last_seq": seq}
    )
    return seq


# --- GET: shapes and order ------------------------------------------------------


def test_list_shape(client, consultation, post, ana, beto):
    top = post(ana, consultation, body="Primero.\n\nVer https://gob.mx/ley")
    post(beto, consultation, body="Respuesta.", parent=top.pk)
    actions.do_react(beto, top, "agree")
    response = client.get(comments_url(consultation))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == {"results", "next_cursor", "next"}
    assert data["next"] is None
    assert data["next_cursor"] == 3
    first, second = data["results"]
    for item in data["results"]:
        assert set(item) == COMMENT_KEYS
        assert set(item["reactions"]) == {"agree", "disagree", "pass"}
    assert first["id"] == top.pk
    assert (first["parent"], first["root"], first["depth"]) == (None, top.pk, 0)
    assert first["question"] == top.question_id and first["section"] is None
    assert first["author"] == "Ana Pública"
    assert first["body"] == "Primero.\n\nVer https://gob.mx/ley"
    assert first["body_html"] == (
        '<p>Primero.</p><p>Ver <a href="https://gob.mx/ley" '
        'rel="nofollow ugc noopener noreferrer">https://gob.mx/ley</a></p>'
    )
    assert first["reactions"] == {"agree": 1, "disagree": 0, "pass": 0}
    assert "reply_count" not in first  # clients count replies by `parent`
    assert first["status"] == "published" and first["edited"] is None
    assert isinstance(first["created"], str)
    assert (second["parent"], second["root"], second["depth"]) == (top.pk, top.pk, 1)


def test_deleted_comments_show_neither_author_nor_text(client, consultation, post, ana, beto):
    top = post(ana, consultation, body="Me arrepiento.")
    post(beto, consultation, parent=top.pk)
    actions.do_delete_comment(ana, top)
    first, reply = client.get(comments_url(consultation)).json()["results"]
    assert first["status"] == "deleted"
    assert first["author"] is None and first["body"] == "" and first["body_html"] == ""
    assert reply["parent"] == top.pk and reply["status"] == "published"


def test_edited_comments_say_so(client, consultation, post, ana):
    comment = post(ana, consultation, body="Antes.")
    actions.do_edit_comment(ana, comment, body="Después.")
    (item,) = client.get(comments_url(consultation)).json()["results"]
    assert item["body"] == "Después." and item["edited"] is not None


def test_thread_order(client, consultation, post, ana, beto):
    a = post(ana, consultation, body="Hilo A.")
    b = post(beto, consultation, body="Hilo B.", section=consultation.ordered_sections[0].pk)
    a1 = post(beto, consultation, body="A1.", parent=a.pk)
    b1 = post(ana, consultation, body="B1.", parent=b.pk)
    a11 = post(ana, consultation, body="A11.", parent=a1.pk)
    a2 = post(ana, consultation, body="A2.", parent=a.pk)
    ids = [c["id"] for c in client.get(comments_url(consultation)).json()["results"]]
    assert ids == [a.pk, a1.pk, a11.pk, a2.pk, b.pk, b1.pk]


def test_only_this_consultations_comments_are_listed(
    client, consultation, other_consultation, post, ana
):
    mine = post(ana, consultation)
    post(ana, other_consultation)
    results = client.get(comments_url(consultation)).json()["results"]
    assert [c["id"] for c in results] == [mine.pk]


def test_empty_consultation(client, consultation):
    assert client.get(comments_url(consultation)).json() == {
        "results": [],
        "next_cursor": 0,
        "next": None,
    }


# --- GET: offset pagination ---------------------------------------------------


def test_offset_pagination(client, consultation, ana, beto):
    bulk_threads(consultation, [ana, beto], threads=41, replies=4)  # 205 comments
    url = comments_url(consultation)
    first = client.get(url).json()
    assert len(first["results"]) == PAGE_SIZE
    assert first["next"] == f"http://testserver{url}?offset={PAGE_SIZE}"
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    ids = [c["id"] for c in first["results"] + second["results"]]
    assert len(set(ids)) == 205 == Comment.objects.count()
    expected = list(
        Comment.objects.order_by(F("root__created").asc(), "root_id", "created", "pk").values_list(
            "pk", flat=True
        )
    )
    assert ids == expected
    # Every page reports the cursor of the whole listing.
    assert first["next_cursor"] == second["next_cursor"] == 205


def test_offset_past_the_end_is_empty(client, consultation, post, ana):
    post(ana, consultation)
    data = client.get(comments_url(consultation), {"offset": 50}).json()
    assert data["results"] == [] and data["next"] is None


@pytest.mark.parametrize("offset", ["-1", "abc", "1.5", "", "1e3", " 1"])
def test_bad_offset_is_400(client, consultation, offset):
    response = client.get(comments_url(consultation), {"offset": offset})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "offset" in response.json()["errors"]


# --- GET ?after=: cursor semantics ---------------------------------------------


def test_changes_after_a_cursor_come_once_in_change_order(
    client, consultation, post, ana, beto, make_user
):
    carla = make_user(CITIZEN)
    a = post(ana, consultation, body="Uno.")
    b = post(beto, consultation, body="Dos.")
    url = comments_url(consultation)
    cursor = client.get(url).json()["next_cursor"]
    assert cursor == 2

    c = post(carla, consultation, body="Tres.", parent=a.pk)  # 3
    actions.do_react(beto, a, "agree")  # 4 (a)
    actions.do_edit_comment(beto, b, body="Dos, corregido.")  # 5 (b)
    actions.do_react(carla, a, "disagree")  # 6 (a again)
    actions.do_delete_comment(carla, c)  # 7 (c again)

    changes = client.get(url, {"after": cursor}).json()
    assert [(x["id"], x["status"]) for x in changes["results"]] == [
        (b.pk, "published"),
        (a.pk, "published"),
        (c.pk, "deleted"),
    ]
    by_id = {x["id"]: x for x in changes["results"]}
    assert by_id[a.pk]["reactions"] == {"agree": 1, "disagree": 1, "pass": 0}
    assert by_id[b.pk]["body"] == "Dos, corregido." and by_id[b.pk]["edited"]
    assert changes["next_cursor"] == 7 and changes["next"] is None

    again = client.get(url, {"after": changes["next_cursor"]}).json()
    assert again == {"results": [], "next_cursor": 7, "next": None}


def test_after_zero_returns_every_comment_including_deleted(client, consultation, post, ana):
    kept = post(ana, consultation, body="Queda.")
    gone = post(ana, consultation, body="Se va.")
    actions.do_delete_comment(ana, gone)
    data = client.get(comments_url(consultation), {"after": 0}).json()
    assert [(x["id"], x["status"]) for x in data["results"]] == [
        (kept.pk, "published"),
        (gone.pk, "deleted"),
    ]


def test_after_a_future_cursor_returns_nothing_and_keeps_it(client, consultation, post, ana):
    post(ana, consultation)
    data = client.get(comments_url(consultation), {"after": 99}).json()
    assert data == {"results": [], "next_cursor": 99, "next": None}


def test_catching_up_in_pages_gives_every_change_exactly_once(client, consultation, ana, beto):
    last = bulk_threads(consultation, [ana, beto], threads=60, replies=9)  # 600 changes
    assert last > CHANGES_LIMIT
    url, cursor, seen = comments_url(consultation), 0, []
    for _ in range(5):
        page = client.get(url, {"after": cursor}).json()
        if not page["results"]:
            break
        assert len(page["results"]) <= CHANGES_LIMIT
        seen += page["results"]
        assert page["next_cursor"] > cursor
        cursor = page["next_cursor"]
    ids = [x["id"] for x in seen]
    assert len(ids) == len(set(ids)) == 600
    seqs = list(Comment.objects.filter(pk__in=ids).order_by("seq").values_list("pk", flat=True))
    assert ids == seqs
    assert cursor == last


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", "", "0x10", "1e3", " 3", "3 "])
def test_bad_after_is_400(client, consultation, after):
    response = client.get(comments_url(consultation), {"after": after})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "after" in response.json()["errors"]


@pytest.mark.parametrize("param", ["after", "offset"])
def test_superscript_digits_are_400_not_500(consultation, param):
    client = Client(raise_request_exception=False)
    response = client.get(comments_url(consultation), {param: "²"})
    assert response.status_code == 400


def test_a_huge_after_is_not_a_server_error(consultation):
    client = Client(raise_request_exception=False)
    response = client.get(comments_url(consultation), {"after": "9" * 30})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []


def test_a_huge_offset_is_not_a_server_error(consultation):
    client = Client(raise_request_exception=False)
    response = client.get(comments_url(consultation), {"offset": "9" * 30})
    assert response.status_code in (200, 400)


# --- 404s -----------------------------------------------------------------------


def test_unknown_consultation_is_404(client, ana):
    assert client.get(comments_url(999_999)).status_code == 404
    response = send(as_user(ana), "post", comments_url(999_999), {"body": "Hola.", "question": 1})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unpublished_consultation_is_404(client, make_consultation, ana):
    draft = make_consultation(publish=False, questions=["¿Borrador?"])
    assert client.get(comments_url(draft)).status_code == 404
    assert client.get(comments_url(draft), {"after": 0}).status_code == 404
    response = send(
        as_user(ana),
        "post",
        comments_url(draft),
        {"body": "Me colé.", "question": draft.questions.first().pk},
    )
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_unpublishing_hides_existing_comments(client, consultation, post, ana, beto):
    comment = post(ana, consultation)
    consultation.unpublish()
    assert client.get(comments_url(consultation)).status_code == 404
    for method, url, data in [
        ("patch", comment_url(comment), {"body": "Cambio."}),
        ("delete", comment_url(comment), None),
    ]:
        assert send(as_user(ana), method, url, data).status_code == 404
    assert send(as_user(beto), "post", reactions_url(comment), {"stance": "agree"}).status_code == (
        404
    )
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PUBLISHED


def test_a_view_restricted_consultation_is_404(client, consultation, post, ana):
    comment = post(ana, consultation)
    PageViewRestriction.objects.create(
        page=consultation, restriction_type=PageViewRestriction.PASSWORD, password="secreta"
    )
    assert client.get(comments_url(consultation)).status_code == 404
    assert send(as_user(ana), "patch", comment_url(comment), {"body": "Otro."}).status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("patch", "", {"body": "Hola."}),
        ("delete", "", None),
        ("post", "reactions/", {"stance": "agree"}),
    ],
)
def test_unknown_comment_is_404(ana, method, suffix, data):
    response = send(as_user(ana), method, comment_url(999_999) + suffix, data)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_comment_detail_has_no_get(client, consultation, post, ana):
    comment = post(ana, consultation)
    assert client.get(comment_url(comment)).status_code == 405


# --- POST -----------------------------------------------------------------------


def test_post_201_with_the_comment(consultation, ana):
    question = consultation.ordered_questions[1].pk
    response = send(
        as_user(ana),
        "post",
        comments_url(consultation),
        {"body": "<b>Más</b> ciclovías.", "question": question},
    )
    assert response.status_code == 201
    data = response.json()
    # Its author gets its receipt number back too (issue 15).
    assert set(data) == COMMENT_KEYS | {"folio"}
    assert data["folio"] == Comment.objects.get(pk=data["id"]).folio
    assert data["body"] == "Más ciclovías." and data["question"] == question
    assert data["author"] == "Ana Pública" and data["root"] == data["id"]
    assert Comment.objects.get(pk=data["id"]).author == ana


def test_post_a_reply(consultation, post, ana, beto):
    top = post(ana, consultation)
    response = send(
        as_user(beto), "post", comments_url(consultation), {"body": "Coincido.", "parent": top.pk}
    )
    assert response.status_code == 201
    assert (response.json()["parent"], response.json()["depth"]) == (top.pk, 1)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "", "question": "Q"}, "body"),
        ({"body": "a", "question": "Q"}, "body"),
        ({"body": "   ", "question": "Q"}, "body"),
        ({"body": "x" * 5001, "question": "Q"}, "body"),
        ({"body": "<script>alert(1)</script>", "question": "Q"}, "body"),
        ({"question": "Q"}, "body"),
        ({"body": None, "question": "Q"}, "body"),
        ({"body": ["lista"], "question": "Q"}, "body"),
        ({"body": "Sin ancla."}, "question"),
        ({"body": "Dos anclas.", "question": "Q", "section": "S"}, "question"),
        ({"body": "Pregunta rara.", "question": "abc"}, "question"),
        ({"body": "Pregunta ajena.", "question": 999_999}, "question"),
        ({"body": "Sección ajena.", "section": 999_999}, "section"),
        ({"body": "Padre raro.", "parent": "abc"}, "parent"),
        ({"body": "Padre ausente.", "parent": 999_999}, "parent"),
    ],
)
def test_post_400_with_field_errors(consultation, ana, payload, field):
    anchors = {
        "Q": consultation.ordered_questions[0].pk,
        "S": consultation.ordered_sections[0].pk,
    }
    payload = {k: anchors.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    response = send(as_user(ana), "post", comments_url(consultation), payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "raw", ['{"body": "Hola", ', "no es json", "[1, 2]", '"solo texto"', "null", "{"]
)
def test_malformed_json_is_400(consultation, ana, raw):
    response = as_user(ana).post(comments_url(consultation), raw, content_type="application/json")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_a_body_with_a_lone_surrogate_is_400(consultation, ana):
    # JSON allows "\ud800"; it is not text (DRF's CharField refuses it here; the
    # websocket path has no serializer: see test_consumer).
    question = consultation.ordered_questions[0].pk
    raw = f'{{"body": "hola \\ud800 mundo", "question": {question}}}'
    response = as_user(ana).post(comments_url(consultation), raw, content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert not Comment.objects.exists()


def test_post_403_for_anonymous(client, consultation):
    response = send(
        client,
        "post",
        comments_url(consultation),
        {"body": "Sin cuenta.", "question": consultation.ordered_questions[0].pk},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("phase", ["closed_consultation", "upcoming_consultation"])
def test_post_403_outside_the_open_phase(request, phase, ana):
    consultation = request.getfixturevalue(phase)
    response = send(
        as_user(ana),
        "post",
        comments_url(consultation),
        {"body": "Fuera de plazo.", "question": consultation.ordered_questions[0].pk},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Comment.objects.exists()


def test_post_403_for_an_inactive_account(consultation, make_user):
    user = make_user(CITIZEN)
    client = as_user(user)
    user.is_active = False
    user.save()
    response = send(
        client,
        "post",
        comments_url(consultation),
        {"body": "Cuenta cerrada.", "question": consultation.ordered_questions[0].pk},
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_post_429_with_retry_after(consultation, make_user, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 15,
        "new_account_interval": 60,
        "new_account_days": 3,
    }
    client = as_user(make_user(CITIZEN))  # a new account
    payload = {"body": "Primero.", "question": consultation.ordered_questions[0].pk}
    assert send(client, "post", comments_url(consultation), payload).status_code == 201
    response = send(client, "post", comments_url(consultation), {**payload, "body": "Segundo."})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    data = response.json()
    assert data["retry_after"] == 60 and data["code"] == "rate_limited"
    assert Comment.objects.count() == 1


def test_validation_errors_come_before_the_rate_limit(consultation, make_user, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 15,
        "new_account_interval": 60,
        "new_account_days": 3,
    }
    client = as_user(make_user(CITIZEN))
    question = consultation.ordered_questions[0].pk
    send(client, "post", comments_url(consultation), {"body": "Primero.", "question": question})
    response = send(client, "post", comments_url(consultation), {"body": "", "question": question})
    assert response.status_code == 400
    assert "Retry-After" not in response


# --- CSRF -----------------------------------------------------------------------


def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    return client, token


def test_session_posts_need_the_csrf_token(consultation, ana):
    client, token = csrf_client(ana)
    payload = {"body": "Con o sin token.", "question": consultation.ordered_questions[0].pk}
    refused = send(client, "post", comments_url(consultation), payload)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not Comment.objects.exists()
    wrong = send(client, "post", comments_url(consultation), payload, HTTP_X_CSRFTOKEN="x" * 32)
    assert wrong.status_code == 403
    accepted = send(client, "post", comments_url(consultation), payload, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert Comment.objects.count() == 1


def test_edit_delete_and_react_need_the_csrf_token(consultation, post, ana, beto):
    comment = post(ana, consultation, body="Protegido.")
    author, _ = csrf_client(ana)
    reader, _ = csrf_client(beto)
    assert send(author, "patch", comment_url(comment), {"body": "Cambiado."}).status_code == 403
    assert send(author, "delete", comment_url(comment)).status_code == 403
    assert send(reader, "post", reactions_url(comment), {"stance": "agree"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Protegido." and comment.status == CommentStatus.PUBLISHED
    assert not Reaction.objects.exists()


# --- PATCH / DELETE -------------------------------------------------------------


def test_patch_by_the_author(consultation, post, ana):
    comment = post(ana, consultation, body="Versión uno.")
    response = send(as_user(ana), "patch", comment_url(comment), {"body": "Versión dos."})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == COMMENT_KEYS | {"sent_for_review"}
    assert data["sent_for_review"] is False
    assert data["body"] == "Versión dos." and data["edited"] is not None
    assert list(comment.revisions.values_list("body", flat=True)) == ["Versión uno."]


@pytest.mark.parametrize(
    ("payload", "status"),
    [({"body": ""}, 400), ({"body": "x" * 5001}, 400), ({}, 400), ({"body": None}, 400)],
)
def test_patch_400(consultation, post, ana, payload, status):
    comment = post(ana, consultation, body="Intacto.")
    response = send(as_user(ana), "patch", comment_url(comment), payload)
    assert response.status_code == status
    assert Comment.objects.get(pk=comment.pk).body == "Intacto."


def test_patch_and_delete_by_another_user_are_403(consultation, post, ana, beto):
    comment = post(ana, consultation, body="De Ana.")
    other = as_user(beto)
    patched = send(other, "patch", comment_url(comment), {"body": "De Beto."})
    assert patched.status_code == 403 and patched.json()["code"] == "forbidden"
    assert send(other, "delete", comment_url(comment)).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "De Ana." and comment.status == CommentStatus.PUBLISHED


def test_patch_and_delete_by_anonymous_are_403(client, consultation, post, ana):
    comment = post(ana, consultation, body="De Ana.")
    assert send(client, "patch", comment_url(comment), {"body": "Anónimo."}).status_code == 403
    assert send(client, "delete", comment_url(comment)).status_code == 403
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PUBLISHED


def test_patch_after_closing_is_403_and_delete_still_works(consultation, post, ana):
    comment = post(ana, consultation)
    now = timezone.now()
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=9), closes_at=now - timedelta(seconds=1)
    )
    client = as_user(ana)
    assert send(client, "patch", comment_url(comment), {"body": "Tarde."}).status_code == 403
    assert send(client, "delete", comment_url(comment)).status_code == 204


def test_delete_by_the_author(client, consultation, post, ana):
    comment = post(ana, consultation)
    response = send(as_user(ana), "delete", comment_url(comment))
    assert response.status_code == 204 and response.content == b""
    (item,) = client.get(comments_url(consultation)).json()["results"]
    assert item["status"] == "deleted" and item["body"] == ""


def test_patch_a_deleted_comment_is_403(consultation, post, ana):
    comment = post(ana, consultation)
    actions.do_delete_comment(ana, comment)
    response = send(as_user(ana), "patch", comment_url(comment), {"body": "Vuelvo."})
    assert response.status_code == 403


# --- Reactions ------------------------------------------------------------------


def test_reactions_endpoint(consultation, post, ana, beto):
    comment = post(ana, consultation)
    client = as_user(beto)
    url = reactions_url(comment)
    first = send(client, "post", url, {"stance": "agree"})
    assert first.status_code == 200
    assert set(first.json()) == {"comment", "mine"}
    assert set(first.json()["comment"]) == COMMENT_KEYS
    assert first.json()["mine"] == "agree"
    assert first.json()["comment"]["reactions"] == {"agree": 1, "disagree": 0, "pass": 0}
    changed = send(client, "post", url, {"stance": "pass"}).json()
    assert changed["mine"] == "pass"
    assert changed["comment"]["reactions"] == {"agree": 0, "disagree": 0, "pass": 1}
    withdrawn = send(client, "post", url, {"stance": "pass"}).json()
    assert withdrawn["mine"] is None
    assert withdrawn["comment"]["reactions"] == {"agree": 0, "disagree": 0, "pass": 0}


@pytest.mark.parametrize("payload", [{"stance": "love"}, {"stance": ""}, {}, {"stance": None}])
def test_reactions_400(consultation, post, ana, beto, payload):
    comment = post(ana, consultation)
    response = send(as_user(beto), "post", reactions_url(comment), payload)
    assert response.status_code == 400
    assert not Reaction.objects.exists()


def test_reacting_to_your_own_or_anonymously_is_403(client, consultation, post, ana):
    comment = post(ana, consultation)
    assert send(as_user(ana), "post", reactions_url(comment), {"stance": "agree"}).status_code == (
        403
    )
    assert send(client, "post", reactions_url(comment), {"stance": "agree"}).status_code == 403
    assert not Reaction.objects.exists()


# --- Privacy --------------------------------------------------------------------


def test_email_addresses_never_appear_in_any_response(client, consultation, make_user, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 15,
        "new_account_interval": 15,
        "new_account_days": 3,
    }
    ana = make_user(CITIZEN, email="ana.secreta@correo.test", display_name="Ana")
    beto = make_user(CITIZEN, email="beto.secreto@correo.test", display_name="")
    question = consultation.ordered_questions[0].pk
    a, b = as_user(ana), as_user(beto)
    url = comments_url(consultation)
    responses = []
    first = send(a, "post", url, {"body": "Un comentario.", "question": question})
    responses.append(first)
    top = first.json()["id"]
    responses += [
        send(b, "post", url, {"body": "Respondo.", "parent": top}),
        send(a, "post", url, {"body": "Muy rápido.", "question": question}),  # 429
        send(b, "post", url, {"body": "", "question": question}),  # 400
        send(b, "patch", comment_url(top), {"body": "Ajeno."}),  # 403
        send(b, "post", reactions_url(top), {"stance": "agree"}),
        send(a, "patch", comment_url(top), {"body": "Corrijo."}),
        client.get(url),
        client.get(url, {"after": 0}),
        a.get(url),
        send(a, "delete", comment_url(top)),
        client.get(url, {"after": 0}),
    ]
    assert [r.status_code for r in responses] == [
        201,
        201,
        429,
        400,
        403,
        200,
        200,
        200,
        200,
        200,
        204,
        200,
    ]
    for response in responses:
        for needle in (b"ana.secreta", b"beto.secreto", b"correo.test", b"@"):
            assert needle not in response.content, response.content


# --- Query counts ---------------------------------------------------------------


def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("params", [{}, {"after": 0}], ids=["thread", "changes"])
def test_query_count_does_not_grow_with_comments(
    client, consultation, other_consultation, make_user, django_assert_max_num_queries, params
):
    authors = [make_user(CITIZEN) for _ in range(7)]
    bulk_threads(consultation, authors, threads=2, replies=4)  # 10
    bulk_threads(other_consultation, authors, threads=100, replies=9)  # 1,000
    small, small_data = count_queries(client, comments_url(consultation), **params)
    assert len(small_data["results"]) == 10
    with django_assert_max_num_queries(small):
        big = client.get(comments_url(other_consultation), params)
    assert big.status_code == 200
    assert len(big.json()["results"]) == (PAGE_SIZE if not params else CHANGES_LIMIT)
    assert small <= 5


# --- OpenAPI ----------------------------------------------------------------------


def test_openapi_schema_lists_the_comment_paths(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/consultations/{consultation_id}/comments/": {"get", "post"},
        "/api/v1/comments/{comment_id}/": {"patch", "delete"},
        "/api/v1/comments/{comment_id}/reactions/": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, sorted(paths)
        assert methods <= set(paths[path]), (path, sorted(paths[path]))
    parameters = {p["name"] for p in paths[next(iter(expected))]["get"].get("parameters", [])}
    assert {"after", "offset"} <= parameters
