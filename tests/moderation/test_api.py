"""The moderators' endpoints of the JSON API v1 (DESIGN.md, issue 4): the
review queue, decisions one at a time and in bulk. Every status code, bad
input, CSRF, constant query counts, the OpenAPI schema, and hidden text that
reaches moderators but never the public API."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import get_random_string

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from moderation import actions
from moderation.models import Decision, Flag, Review
from moderation.queue import PAGE_SIZE

pytestmark = pytest.mark.usefixtures("no_rate_limits")

QUEUE = "/api/v1/moderation/queue/"
BULK = "/api/v1/moderation/decisions/"
MODERATOR_COMMENT_KEYS = {
    "id",
    "consultation",
    "question",
    "section",
    "parent",
    "root",
    "depth",
    "status",
    "body",
    "body_html",
    "created",
    "edited",
    "reactions",
    "author",
}
ITEM_KEYS = {
    "comment",
    "consultation",
    "kind",
    "hold_reason",
    "hold_detail",
    "flag_count",
    "flags",
    "flag_notes",
    "parent_excerpt",
    "thread_url",
    "author_record",
    "appeal",
    "opened",
}
NON_MODERATORS = ["anonymous", CITIZEN, PLANNER, EDITOR]


def decisions_url(comment_id):
    return f"/api/v1/moderation/comments/{comment_id}/decisions/"


def send(client, url, payload, **extra):
    return client.post(url, json.dumps(payload), content_type="application/json", **extra)


@pytest.fixture
def page(make_consultation):
    return make_consultation(title="Movilidad", questions=["¿Qué cambiarías?"])


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def write(page):
    """write(user, body=..., parent=...): a comment on the page's first question."""

    def make(user, body="Un comentario con sustancia.", parent=None, on=None):
        on = on or page
        anchor = {"parent": parent.pk} if parent else {"question": on.ordered_questions[0].pk}
        return comment_actions.do_post_comment(user, on, body=body, **anchor)

    return make


@pytest.fixture
def flag(make_user):
    """flag(comment, reason, times=1): distinct citizens flag the comment."""

    def make(comment, reason="spam", times=1):
        for _ in range(times):
            actions.do_flag(make_user(CITIZEN), comment, reason=reason)

    return make


def client_for(role_users, role):
    client = Client()
    if role_users[role] is not None:
        client.force_login(role_users[role])
    return client


# --- The queue: who may read it ---------------------------------------------------


@pytest.mark.parametrize("role", NON_MODERATORS)
def test_queue_is_refused_to_everyone_but_moderators(role_users, role, write, author, flag):
    flag(write(author, body="Texto que solo ven moderadores."))
    response = client_for(role_users, role).get(QUEUE)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] in ("forbidden", "not_authenticated")
    assert "Texto que solo" not in response.content.decode()


def test_a_blocked_moderator_is_refused(client, make_user, write, author, flag):
    blocked = make_user(MODERATOR, blocked=True)
    flag(write(author))
    client.force_login(blocked)
    assert client.get(QUEUE).status_code == 403
    comment = Comment.objects.get()
    response = send(client, decisions_url(comment.pk), {"action": "approve"})
    assert response.status_code == 403
    assert send(client, BULK, {"comments": [comment.pk], "action": "approve"}).status_code == 403
    assert Review.objects.get().pending and not Decision.objects.exists()


def test_an_empty_queue(mod_client):
    response = mod_client.get(QUEUE)
    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


# --- The queue: what an item says -------------------------------------------------


def test_a_flagged_reply_in_context(mod_client, page, write, author, make_user, flag):
    parent_author = make_user(CITIZEN)
    parent = write(parent_author, body="P" * 150 + " " + "Q" * 100)
    reply = write(author, body="Respuesta\n\ncon https://example.org enlace", parent=parent)
    flag(reply, "abusive", times=2)
    flag(reply, "spam")  # the third flag hides it pending review
    earlier = write(author, body="Una anterior que se ocultó.")
    actions.do_decide(make_user(MODERATOR), earlier, action="hide", reason="spam")

    response = mod_client.get(QUEUE)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1 and data["next"] is None and data["previous"] is None
    [item] = data["results"]
    assert set(item) == ITEM_KEYS
    comment = item["comment"]
    assert set(comment) == MODERATOR_COMMENT_KEYS
    assert comment["id"] == reply.pk and comment["status"] == "hidden"
    # Moderators read the text of a hidden comment, and who wrote it.
    assert comment["body"] == "Respuesta\n\ncon https://example.org enlace"
    assert '<a href="https://example.org"' in comment["body_html"]
    assert comment["body_html"].count("<p>") == 2
    assert comment["author"] == {"id": author.pk, "display_name": "Ana Autora", "blocked": False}
    assert comment["parent"] == parent.pk and comment["root"] == parent.pk
    assert comment["depth"] == 1 and comment["consultation"] == page.pk
    assert comment["question"] == page.ordered_questions[0].pk and comment["section"] is None
    assert comment["reactions"] == {"agree": 0, "disagree": 0, "pass": 0}
    assert item["consultation"]["id"] == page.pk
    assert item["consultation"]["title"] == "Movilidad"
    assert item["consultation"]["url"].startswith("http://testserver/")
    assert item["consultation"]["url"].endswith(page.url)
    assert item["thread_url"] == f"{item['consultation']['url']}#comment-{reply.pk}"
    assert item["kind"] == "flagged" and item["hold_reason"] == "" and item["hold_detail"] == ""
    assert item["flag_count"] == 3
    assert item["flags"] == {"abusive": 2, "spam": 1}
    assert item["parent_excerpt"] == ("P" * 150 + " " + "Q" * 100)[:200]
    assert item["author_record"] == {
        "comments": 2,
        "approve": 0,
        "hide": 2,  # the site's hide after three flags, and the moderator's
        "remove": 0,
        "restore": 0,
    }
    assert item["appeal"] is None
    assert item["opened"]


def test_a_held_comment_with_its_hold(mod_client, make_consultation, make_user):
    page = make_consultation(questions=["¿Y?"], moderation_mode="pre")
    comment = comment_actions.do_post_comment(
        make_user(CITIZEN), page, body="Espera revisión.", question=page.ordered_questions[0].pk
    )
    [item] = mod_client.get(QUEUE).json()["results"]
    assert item["comment"]["id"] == comment.pk and item["comment"]["status"] == "held"
    assert item["comment"]["body"] == "Espera revisión."
    assert item["kind"] == "held" and item["hold_reason"] == "premoderation"
    assert item["flags"] == {} and item["flag_count"] == 0 and item["parent_excerpt"] is None


def test_an_appealed_removal_with_the_appeal(mod_client, moderator, write, author):
    comment = write(author, body="Mi texto con datos.")
    actions.do_decide(moderator, comment, action="remove", reason="personal_data")
    actions.do_appeal(author, comment, note="No eran datos de nadie.")
    [item] = mod_client.get(QUEUE).json()["results"]
    assert item["kind"] == "appealed"
    assert item["comment"]["status"] == "removed"
    assert item["comment"]["body"] == "Mi texto con datos."
    assert item["appeal"]["note"] == "No eran datos de nadie."
    assert item["appeal"]["created"]
    assert item["author_record"]["remove"] == 1


# --- The queue: filters, sorting, pages ---------------------------------------------


@pytest.fixture
def mixed_queue(make_consultation, page, write, make_user, flag, author):
    """Two flagged comments on `page` (1 and 2 spam flags), one held by a
    filtered word on another consultation."""
    from moderation.models import FilteredWord

    one = write(author, body="Primero, poco reportado.")
    flag(one, "off_topic")
    two = write(make_user(CITIZEN), body="Segundo, más reportado.")
    flag(two, "spam", times=2)
    other = make_consultation(questions=["¿Otra?"])
    FilteredWord.objects.create(word="cáspita", language="es")
    held = write(make_user(CITIZEN), body="CASPITA qué idea.", on=other)
    return one, two, held, other


def ids(response):
    assert response.status_code == 200, response.content
    return [item["comment"]["id"] for item in response.json()["results"]]


def test_filters_and_sorts(mod_client, page, mixed_queue):
    one, two, held, other = mixed_queue
    assert ids(mod_client.get(QUEUE)) == [two.pk, one.pk, held.pk]  # most flagged first
    assert ids(mod_client.get(QUEUE, {"sort": "oldest"})) == [one.pk, two.pk, held.pk]
    assert ids(mod_client.get(QUEUE, {"sort": "newest"})) == [held.pk, two.pk, one.pk]
    assert ids(mod_client.get(QUEUE, {"consultation": page.pk})) == [two.pk, one.pk]
    assert ids(mod_client.get(QUEUE, {"consultation": other.pk})) == [held.pk]
    assert ids(mod_client.get(QUEUE, {"kind": "held"})) == [held.pk]
    assert ids(mod_client.get(QUEUE, {"kind": "flagged"})) == [two.pk, one.pk]
    assert ids(mod_client.get(QUEUE, {"kind": "appealed"})) == []
    assert ids(mod_client.get(QUEUE, {"reason": "spam"})) == [two.pk]
    assert ids(mod_client.get(QUEUE, {"reason": "off_topic"})) == [one.pk]
    assert ids(mod_client.get(QUEUE, {"reason": "word"})) == [held.pk]
    item = mod_client.get(QUEUE, {"reason": "word"}).json()["results"][0]
    assert item["hold_reason"] == "word" and item["hold_detail"] == "cáspita"


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "ninguno"},
        {"reason": "aburrido"},
        {"sort": "azar"},
        {"consultation": "abc"},
        {"consultation": "-3"},
        {"consultation": "²"},
        {"kind": ""},
    ],
)
def test_unknown_filter_values_are_refused_naming_the_filter(mod_client, mixed_queue, params):
    # The admin page ignores them (a stale link still shows the queue); the
    # API says what it did not understand rather than answering another question.
    response = mod_client.get(QUEUE, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(params)


def test_a_consultation_without_items_gives_an_empty_page(mod_client, mixed_queue):
    assert ids(mod_client.get(QUEUE, {"consultation": 987654})) == []


def test_pages_of_page_size(mod_client, page, write, author, flag):
    comments = [write(author, body=f"Comentario {n}.") for n in range(PAGE_SIZE + 2)]
    for comment in comments:
        flag(comment)
    first = mod_client.get(QUEUE, {"sort": "oldest", "kind": "flagged"})
    data = first.json()
    assert data["count"] == PAGE_SIZE + 2 and len(data["results"]) == PAGE_SIZE
    assert data["previous"] is None
    assert data["next"].startswith("http://testserver/api/v1/moderation/queue/?")
    assert "sort=oldest" in data["next"] and "kind=flagged" in data["next"]
    assert "page=2" in data["next"]
    second = mod_client.get(data["next"]).json()
    assert [i["comment"]["id"] for i in second["results"]] == [c.pk for c in comments[PAGE_SIZE:]]
    assert second["next"] is None and "page=1" in second["previous"]
    assert "sort=oldest" in second["previous"]
    seen = [i["comment"]["id"] for i in data["results"] + second["results"]]
    assert seen == [c.pk for c in comments]


@pytest.mark.parametrize(
    "value", ["0", "-1", "abc", "1.5", "", " 1", "²", "99999999999999999999999", "3"]
)
def test_a_bad_page_is_refused_with_a_message(mod_client, write, author, flag, value):
    flag(write(author))
    response = mod_client.get(QUEUE, {"page": value})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == ["page"]


def test_the_page_past_the_last_says_how_many_there_are(mod_client, write, author, flag):
    flag(write(author))
    assert mod_client.get(QUEUE, {"page": "1"}).status_code == 200
    response = mod_client.get(QUEUE, {"page": "2"})
    assert response.status_code == 400
    (message,) = response.json()["errors"]["page"]
    assert "2" in message and "1" in message


def test_queue_queries_do_not_grow_with_the_page(
    mod_client, page, write, make_user, flag, moderator
):
    def fill(numbers):
        for i in numbers:
            person = make_user(CITIZEN)
            parent = write(make_user(CITIZEN), body=f"Padre {i}.")
            reply = write(person, body=f"Respuesta {i}.", parent=parent)
            flag(reply, "spam" if i % 2 else "abusive", times=1 + i % 3)
            if i % 3 == 2:  # hidden by three flags: its author appeals
                actions.do_appeal(person, reply, note="Revisad, por favor.")

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = mod_client.get(QUEUE)
        assert response.status_code == 200
        return len(queries), response.json()

    fill(range(1))
    small, data = measure()
    assert data["count"] == 1
    fill(range(1, 30))
    big, data = measure()
    assert data["count"] == 30 and len(data["results"]) == 30
    assert sum(1 for item in data["results"] if item["appeal"]) == 10
    assert all(item["parent_excerpt"].startswith("Padre") for item in data["results"])
    assert big == small, (small, big)
    assert small <= 10


# --- Decisions ----------------------------------------------------------------


def test_hide_with_a_reason(mod_client, moderator, write, author, flag):
    comment = write(author, body="Algo ofensivo.")
    flag(comment, "abusive")
    response = send(
        mod_client,
        decisions_url(comment.pk),
        {"action": "hide", "reason": "abusive", "note": "Insultos."},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == {"comment", "decision"}
    assert set(data["comment"]) == MODERATOR_COMMENT_KEYS
    assert data["comment"]["status"] == "hidden"
    assert data["comment"]["body"] == "Algo ofensivo."
    decision = Decision.objects.get(moderator=moderator)
    assert data["decision"] == {
        "id": decision.pk,
        "action": "hide",
        "reason": "abusive",
        "note": "Insultos.",
        "created": data["decision"]["created"],
        "moderator": {"id": moderator.pk, "display_name": "Mora Moderadora"},
    }
    assert data["decision"]["created"]
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    assert not Review.objects.get(comment=comment).pending
    assert ids(mod_client.get(QUEUE)) == []


def test_approve_clears_the_flags_then_restore_after_remove(mod_client, write, author, flag):
    comment = write(author)
    flag(comment, "spam", times=3)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    approved = send(mod_client, decisions_url(comment.pk), {"action": "approve"})
    assert approved.status_code == 200
    assert approved.json()["comment"]["status"] == "published"
    assert approved.json()["decision"]["reason"] == ""
    assert not Flag.objects.filter(comment=comment, cleared=False).exists()
    removed = send(
        mod_client, decisions_url(comment.pk), {"action": "remove", "reason": "personal_data"}
    )
    assert removed.status_code == 200 and removed.json()["comment"]["status"] == "removed"
    restored = send(mod_client, decisions_url(comment.pk), {"action": "restore"})
    assert restored.status_code == 200 and restored.json()["comment"]["status"] == "published"
    actions_taken = list(
        Decision.objects.filter(comment=comment).order_by("pk").values_list("action", flat=True)
    )
    assert actions_taken == ["hide", "approve", "remove", "restore"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "borrar"}, "action"),
        ({"action": "block", "reason": "spam"}, "action"),
        ({"reason": "spam"}, "action"),
        ({"action": None}, "action"),
        ({"action": ["hide"], "reason": "spam"}, "action"),
        ({"action": "hide"}, "reason"),
        ({"action": "hide", "reason": ""}, "reason"),
        ({"action": "remove", "note": "Sin motivo."}, "reason"),
        ({"action": "hide", "reason": "aburrido"}, "reason"),
        ({"action": "hide", "reason": "spam", "note": "x" * 5000}, "note"),
        ({"action": "hide", "reason": "spam", "note": {"a": 1}}, "note"),
    ],
)
def test_bad_decisions_are_refused_with_field_errors(
    mod_client, write, author, flag, payload, field
):
    comment = write(author)
    flag(comment)
    response = send(mod_client, decisions_url(comment.pk), payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED
    assert Review.objects.get(comment=comment).pending
    assert not Decision.objects.exists()


@pytest.mark.parametrize("body", ["{no json", "[]", '"hide"', ""])
def test_malformed_bodies_are_refused(mod_client, write, author, body):
    comment = write(author)
    response = mod_client.post(decisions_url(comment.pk), body, content_type="application/json")
    assert response.status_code == 400
    assert not Decision.objects.exists()


@pytest.mark.parametrize("role", NON_MODERATORS)
def test_decisions_are_refused_to_non_moderators(role_users, role, write, author, flag):
    comment = write(author)
    flag(comment)
    client = client_for(role_users, role)
    response = send(client, decisions_url(comment.pk), {"action": "hide", "reason": "spam"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    # Whether a comment exists is no business of theirs either.
    assert send(client, decisions_url(999999), {"action": "approve"}).status_code == 403
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED and not Decision.objects.exists()


def test_the_author_cannot_decide_on_their_own_comment(client, write, author, flag):
    comment = write(author)
    flag(comment, times=3)
    client.force_login(author)
    assert send(client, decisions_url(comment.pk), {"action": "approve"}).status_code == 403
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN


@pytest.mark.parametrize("comment_id", ["999999", "9223372036854775807", "99999999999999999999"])
def test_an_unknown_comment_is_not_found(mod_client, comment_id):
    response = send(mod_client, decisions_url(comment_id), {"action": "approve"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_decision_already_taken_is_a_conflict(mod_client, write, author, flag):
    comment = write(author)
    flag(comment)
    payload = {"action": "hide", "reason": "spam"}
    assert send(mod_client, decisions_url(comment.pk), payload).status_code == 200
    again = send(mod_client, decisions_url(comment.pk), payload)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert send(mod_client, decisions_url(comment.pk), {"action": "approve"}).status_code == 409
    published = write(author, body="Nunca reportado.")
    restore = send(mod_client, decisions_url(published.pk), {"action": "restore"})
    assert restore.status_code == 409
    assert Decision.objects.filter(moderator__isnull=False).count() == 1


def test_moderators_decide_on_comments_of_unpublished_consultations(
    mod_client, page, write, author, flag
):
    comment = write(author)
    flag(comment)
    page.unpublish()
    assert ids(mod_client.get(QUEUE)) == [comment.pk]
    response = send(mod_client, decisions_url(comment.pk), {"action": "hide", "reason": "spam"})
    assert response.status_code == 200


# --- Bulk decisions ------------------------------------------------------------------


def test_bulk_hide(mod_client, moderator, write, author, flag):
    first, second = write(author, body="Uno."), write(author, body="Dos.")
    already = write(author, body="Tres.")
    actions.do_decide(moderator, already, action="hide", reason="spam")
    for comment in (first, second):
        flag(comment)
    payload = {
        "comments": [first.pk, second.pk, already.pk, 999999, first.pk],
        "action": "hide",
        "reason": "spam",
        "note": "Campaña.",
    }
    response = send(mod_client, BULK, payload)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert set(results) == {str(first.pk), str(second.pk), str(already.pk), "999999"}
    assert results[str(first.pk)] == "ok" and results[str(second.pk)] == "ok"
    assert results[str(already.pk)] not in ("ok", "") and results["999999"] not in ("ok", "")
    assert set(
        Comment.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {CommentStatus.HIDDEN}
    assert Decision.objects.filter(note="Campaña.").count() == 2
    assert ids(mod_client.get(QUEUE)) == []


def test_bulk_approve_of_string_ids(mod_client, write, author, flag):
    comment = write(author)
    flag(comment, times=3)
    response = send(mod_client, BULK, {"comments": [str(comment.pk)], "action": "approve"})
    assert response.status_code == 200
    assert response.json() == {"results": {str(comment.pk): "ok"}}
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"comments": [], "action": "approve"}, "comments"),
        ({"comments": list(range(1, 102)), "action": "approve"}, "comments"),
        ({"comments": ["abc"], "action": "approve"}, "comments"),
        ({"comments": [1.5], "action": "approve"}, "comments"),
        ({"comments": [None], "action": "approve"}, "comments"),
        ({"comments": [0], "action": "approve"}, "comments"),
        ({"comments": [-4], "action": "approve"}, "comments"),
        ({"comments": [2**64], "action": "approve"}, "comments"),
        ({"comments": "1,2", "action": "approve"}, "comments"),
        ({"comments": {"1": True}, "action": "approve"}, "comments"),
        ({"action": "approve"}, "comments"),
        ({"comments": ["FIRST"], "action": "hide"}, "reason"),
        ({"comments": ["FIRST"], "action": "borrar"}, "action"),
        ({"comments": ["FIRST"], "action": "hide", "reason": "spam", "note": "x" * 5000}, "note"),
    ],
)
def test_bad_bulk_input_is_refused(mod_client, write, author, flag, payload, field):
    comment = write(author)
    flag(comment)
    if payload.get("comments") == ["FIRST"]:
        payload = {**payload, "comments": [comment.pk]}
    response = send(mod_client, BULK, payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Decision.objects.exists()
    assert Review.objects.get(comment=comment).pending


def test_a_hundred_ids_are_accepted(mod_client, write, author, flag):
    comment = write(author)
    flag(comment)
    ids_ = [comment.pk] + [10**9 + n for n in range(99)]
    response = send(mod_client, BULK, {"comments": ids_, "action": "approve"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 100 and results[str(comment.pk)] == "ok"


@pytest.mark.parametrize("role", NON_MODERATORS)
def test_bulk_is_refused_to_non_moderators(role_users, role, write, author, flag):
    comment = write(author)
    flag(comment)
    client = client_for(role_users, role)
    response = send(client, BULK, {"comments": [comment.pk], "action": "hide", "reason": "spam"})
    assert response.status_code == 403
    # Refused before the input is even read.
    assert send(client, BULK, {"comments": []}).status_code == 403
    assert not Decision.objects.exists()


def test_bulk_malformed_json(mod_client):
    response = mod_client.post(BULK, "{no json", content_type="application/json")
    assert response.status_code == 400


# --- CSRF ------------------------------------------------------------------------------


def test_session_decisions_need_the_csrf_token(moderator, write, author, flag):
    comment = write(author)
    flag(comment)
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    payload = {"action": "hide", "reason": "spam"}
    refused = send(client, decisions_url(comment.pk), payload)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    bulk = send(client, BULK, {"comments": [comment.pk], **payload})
    assert bulk.status_code == 403 and "CSRF" in bulk.json()["detail"]
    wrong = send(client, decisions_url(comment.pk), payload, HTTP_X_CSRFTOKEN="x" * 32)
    assert wrong.status_code == 403
    assert not Decision.objects.exists()
    accepted = send(client, decisions_url(comment.pk), payload, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    # Reading the queue needs no token.
    assert client.get(QUEUE).status_code == 200


# --- Hidden text: moderators only ---------------------------------------------------


def test_hidden_text_never_reaches_the_public_api_but_reaches_moderators(
    client, page, write, author, flag, make_user
):
    secret = "Texto ocultado por reportes."
    comment = write(author, body=secret)
    before = client.get(f"/api/v1/consultations/{page.pk}/comments/").json()["next_cursor"]
    flag(comment, "abusive", times=3)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN

    public = [
        client.get(f"/api/v1/consultations/{page.pk}/comments/"),
        client.get(f"/api/v1/consultations/{page.pk}/comments/", {"after": 0}),
        client.get(f"/api/v1/consultations/{page.pk}/comments/", {"after": before}),
    ]
    for reader in (None, make_user(CITIZEN), author, make_user(PLANNER), make_user(EDITOR)):
        if reader is not None:
            client.force_login(reader)
            public.append(client.get(f"/api/v1/consultations/{page.pk}/comments/"))
            public.append(
                client.get(f"/api/v1/consultations/{page.pk}/comments/", {"after": before})
            )
            queue = client.get(QUEUE)
            assert queue.status_code == 403 and secret not in queue.content.decode()
    for response in public:
        assert response.status_code == 200
        assert secret not in response.content.decode()
        [shown] = [c for c in response.json()["results"] if c["id"] == comment.pk]
        assert shown["status"] == "hidden" and shown["body"] == "" and shown["author"] is None

    client.force_login(make_user(MODERATOR))
    [item] = client.get(QUEUE).json()["results"]
    assert item["comment"]["id"] == comment.pk and item["comment"]["body"] == secret
    assert item["comment"]["author"]["id"] == author.pk


def test_held_text_never_reaches_the_public_api(client, make_consultation, make_user):
    page = make_consultation(questions=["¿Y?"], moderation_mode="pre")
    secret = "Retenido hasta revisión."
    comment_actions.do_post_comment(
        make_user(CITIZEN), page, body=secret, question=page.ordered_questions[0].pk
    )
    for params in ({}, {"after": 0}):
        response = client.get(f"/api/v1/consultations/{page.pk}/comments/", params)
        assert response.status_code == 200 and secret not in response.content.decode()
    client.force_login(make_user(MODERATOR))
    assert client.get(QUEUE).json()["results"][0]["comment"]["body"] == secret


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_schema_documents_the_moderation_paths(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        "/api/v1/moderation/queue/": ("get", {"200", "400", "403"}),
        "/api/v1/moderation/comments/{comment_id}/decisions/": (
            "post",
            {"200", "400", "403", "404", "409"},
        ),
        "/api/v1/moderation/decisions/": ("post", {"200", "400", "403"}),
    }
    for path, (method, codes) in expected.items():
        assert path in paths, sorted(paths)
        assert codes <= set(paths[path][method]["responses"]), (path, paths[path][method])
    queue = paths["/api/v1/moderation/queue/"]["get"]
    assert {"consultation", "kind", "reason", "sort", "page"} <= {
        p["name"] for p in queue["parameters"]
    }
    ref = queue["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page_schema = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(page_schema["properties"])
    item = schema["components"]["schemas"]["QueueItem"]
    assert set(item["properties"]) == ITEM_KEYS
    comment = schema["components"]["schemas"]["ModeratorComment"]
    assert set(comment["properties"]) == MODERATOR_COMMENT_KEYS
    decision = schema["components"]["schemas"]["DecisionResult"]
    assert set(decision["properties"]) == {"comment", "decision"}
