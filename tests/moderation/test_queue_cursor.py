"""The review queue's cursor (issue 18): every write to a queue item takes the
queue's next change number (Review.seq), its `queue.changed` event carries
it, and `GET /admin/moderation/queue/changes/?after=N` answers the changes a
moderator's page missed, oldest first, each item once as it is now, paged,
in constant queries. Moderators only; a bad cursor is a 400 that says why."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from comments.models import CommentStatus
from moderation import actions, changes
from moderation.models import FilteredWord, QueueActivity, Review
from tests.moderation.conftest import post, queue_listener

pytestmark = pytest.mark.usefixtures("no_rate_limits")

CHANGES = reverse("moderation_admin:queue_changes")
QUEUE = reverse("moderation_admin:queue")


def queue_events(listener):
    return [event for event in listener.events() if event["type"] == "queue.changed"]


def seq_of(comment):
    return Review.objects.get(comment=comment).seq


@pytest.fixture
def reporters(make_user):
    return [make_user(CITIZEN, display_name=f"Reportera {i}") for i in range(4)]


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def fetch(client, after):
    response = client.get(CHANGES, {"after": after})
    assert response.status_code == 200, response.content
    return response.json()


# --- The counter ----------------------------------------------------------------------


def test_every_queue_write_takes_the_next_number_and_its_event_carries_it(
    page,
    author,
    moderator,
    reporters,
    make_consultation,
    make_user,
    memory_layer,
    django_capture_on_commit_callbacks,
):
    listener = queue_listener(memory_layer)
    held_page = make_consultation(questions=["¿Y aquí?"], moderation_mode="pre")
    FilteredWord.objects.create(word="tonterías", language="es")
    assert changes.current_cursor() == 0
    seen = []

    def step(write, comment, expected_changes=1):
        before = changes.current_cursor()
        with django_capture_on_commit_callbacks(execute=True):
            result = write()
        events = queue_events(listener)
        assert changes.current_cursor() == before + expected_changes
        assert [event["cursor"] for event in events] == list(
            range(before + 1, before + expected_changes + 1)
        )
        if comment is not None:
            assert events[-1]["comment"] == comment.pk
            assert events[-1]["cursor"] == seq_of(comment)
        seen.extend(events)
        return result

    flagged = post(author, page, body="Un comentario que alguien reporta.")
    step(lambda: actions.do_flag(reporters[0], flagged, reason="spam"), flagged)
    step(lambda: actions.do_flag(reporters[1], flagged, reason="abusive"), flagged)
    # The third flag hides it: still one change, one number.
    step(lambda: actions.do_flag(reporters[2], flagged, reason="spam"), flagged)
    assert Review.objects.get(comment=flagged).action == "hide"
    step(lambda: actions.do_appeal(author, flagged, note="No era spam."), flagged)
    step(lambda: actions.do_decide(moderator, flagged, action="restore"), flagged)
    held = step(
        lambda: post(author, held_page, body="Un comentario retenido."),
        None,
    )
    assert held.status == CommentStatus.HELD and seen[-1]["comment"] == held.pk
    edited = post(author, page, body="Un comentario que luego cambia.")
    step(
        lambda: comment_actions.do_edit_comment(author, edited, body="Puras tonterías aquí."),
        edited,
    )
    # The author withdraws it: the item leaves the queue, with a number.
    step(lambda: comment_actions.do_delete_comment(author, edited), edited)
    assert seen[-1]["pending"] is False
    # A block hiding two comments numbers both, in one go at its end.
    person = make_user(CITIZEN, display_name="Persona Bloqueada")
    first, second = (post(person, page, body=f"Comentario {n} de la persona.") for n in (1, 2))
    step(
        lambda: actions.do_block(moderator, person, reason="spam", hide_content=True),
        None,
        expected_changes=2,
    )
    assert [seen[-2]["comment"], seen[-1]["comment"]] == [first.pk, second.pk]
    assert [seq_of(first), seq_of(second)] == [seen[-2]["cursor"], seen[-1]["cursor"]]
    # Deleting an account closes its pending items, each with its own number.
    reported = post(author, page, body="Otro comentario reportado.")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_flag(reporters[3], reported, reason="spam")
    seen.extend(queue_events(listener))
    step(lambda: comment_actions.do_withdraw_all(author), None, expected_changes=2)
    assert {event["comment"] for event in seen[-2:]} == {held.pk, reported.pk}
    assert all(event["pending"] is False for event in seen[-2:])
    # Every number once, in order, none skipped.
    assert [event["cursor"] for event in seen] == list(range(1, len(seen) + 1))
    assert set(seen[0]) == {
        "type",
        "comment",
        "consultation",
        "pending",
        "kind",
        "flag_count",
        "cursor",
    }


def test_a_number_is_taken_only_inside_a_transaction(transactional_db):
    with pytest.raises(TransactionManagementError):
        changes.take()
    with transaction.atomic():
        assert list(changes.take(3)) == [1, 2, 3]
        assert list(changes.take()) == [4]
    assert QueueActivity.objects.get().last_seq == 4


def test_a_write_rolled_back_gives_its_number_back(page, author, reporters):
    comment = post(author, page)
    actions.do_flag(reporters[0], comment, reason="spam")
    before = changes.current_cursor()
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_flag(reporters[1], comment, reason="spam")
        raise RuntimeError("rolled back")
    assert changes.current_cursor() == before
    actions.do_flag(reporters[1], comment, reason="spam")
    assert seq_of(comment) == before + 1


# --- The endpoint: what a page missed --------------------------------------------------


def test_the_changes_after_a_cursor_are_what_the_events_said(
    mod_client, page, author, moderator, reporters, memory_layer, django_capture_on_commit_callbacks
):
    """Zulip's verify_action for the queue: a page at cursor N that applies
    the changes after N knows what one that received every event knows."""
    early = post(author, page, body="Un comentario de antes.")
    actions.do_flag(reporters[0], early, reason="spam")
    cursor = changes.current_cursor()
    listener = queue_listener(memory_layer)
    comments = [post(author, page, body=f"Comentario reportado {n}.") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for comment in comments:
            actions.do_flag(reporters[0], comment, reason="spam")
        actions.do_flag(reporters[1], comments[0], reason="abusive")
        actions.do_decide(moderator, comments[1], action="approve")
        actions.do_decide(moderator, early, action="approve")
    events = queue_events(listener)
    latest = {}
    for event in events:
        latest[event["comment"]] = event
    answer = fetch(mod_client, cursor)
    assert answer["results"] == sorted(latest.values(), key=lambda event: event["cursor"])
    assert answer["next_cursor"] == events[-1]["cursor"] == changes.current_cursor()
    assert answer["more"] is False
    # Each item once, as it is now.
    by_comment = {event["comment"]: event for event in answer["results"]}
    assert by_comment[comments[0].pk]["flag_count"] == 2
    assert by_comment[comments[1].pk]["pending"] is False
    assert by_comment[early.pk]["pending"] is False
    # Caught up: nothing after the end.
    assert fetch(mod_client, answer["next_cursor"]) == {
        "results": [],
        "next_cursor": answer["next_cursor"],
        "more": False,
    }


def test_changes_come_in_pages_without_gap_or_repeat(
    mod_client, page, author, reporters, monkeypatch
):
    monkeypatch.setattr(changes, "CHANGES_LIMIT", 4)
    comments = [post(author, page, body=f"Comentario número {n}.") for n in range(10)]
    for comment in comments:
        actions.do_flag(reporters[0], comment, reason="spam")
    got, cursor, pages = [], 0, 0
    while True:
        answer = fetch(mod_client, cursor)
        pages += 1
        assert len(answer["results"]) <= 4
        got.extend(answer["results"])
        assert answer["next_cursor"] >= cursor
        cursor = answer["next_cursor"]
        if not answer["more"]:
            break
    assert pages == 3
    assert [event["comment"] for event in got] == [comment.pk for comment in comments]
    assert [event["cursor"] for event in got] == list(range(1, 11))
    assert cursor == 10


def test_a_cursor_ahead_of_the_queue_gets_nothing_and_keeps_its_place(mod_client, page, author):
    answer = fetch(mod_client, 500)
    assert answer == {"results": [], "next_cursor": 500, "more": False}


def test_the_endpoint_makes_a_constant_number_of_queries(
    mod_client, page, author, reporters, make_consultation
):
    comment = post(author, page)
    actions.do_flag(reporters[0], comment, reason="spam")
    fetch(mod_client, 0)  # warm the session and the site's caches

    def queries():
        with CaptureQueriesContext(connection) as captured:
            answer = fetch(mod_client, 0)
        queue = [q["sql"] for q in captured if '"moderation_' in q["sql"]]
        # The cursor, then the changes up to it; the rest is the admin's
        # own (session, person, permissions, their profile's language).
        assert len(queue) == 2, queue
        assert "moderation_queueactivity" in queue[0], queue
        return len(captured), answer

    one, answer = queries()
    assert len(answer["results"]) == 1
    others = [make_consultation(questions=["¿Otra?"]) for _ in range(3)]
    for n in range(30):
        other = post(author, others[n % 3], body=f"Comentario en otra consulta {n}.")
        actions.do_flag(reporters[n % 4], other, reason="spam")
    many, answer = queries()
    assert len(answer["results"]) == 31
    assert many == one


def test_the_queue_page_renders_the_cursor_it_was_built_at(mod_client, page, author, reporters):
    comment = post(author, page)
    actions.do_flag(reporters[0], comment, reason="spam")
    actions.do_flag(reporters[1], comment, reason="spam")
    html = mod_client.get(QUEUE).content.decode()
    assert f'data-cursor="{changes.current_cursor()}"' in html
    assert changes.current_cursor() == 2
    assert f'data-changes-url="{CHANGES}"' in html


# --- Bad cursors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "after",
    [
        "",
        "abc",
        "-1",
        "1.0",
        " 1",
        "1e3",
        "0x10",
        "٣",  # an Arabic-Indic digit
        str(2**63),
        "9" * 20,
        "9" * 400,
    ],
)
def test_a_bad_cursor_is_refused_with_a_clear_error(mod_client, page, author, reporters, after):
    comment = post(author, page)
    actions.do_flag(reporters[0], comment, reason="spam")
    response = mod_client.get(CHANGES, {"after": after})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    (message,) = body["errors"]["after"]
    assert "cursor" in message.lower()
    # Nothing changed, and a good cursor still works.
    assert changes.current_cursor() == 1
    assert fetch(mod_client, 0)["results"][0]["comment"] == comment.pk


def test_no_cursor_at_all_is_refused(mod_client):
    response = mod_client.get(CHANGES)
    assert response.status_code == 400
    assert response.json()["errors"]["after"]


def test_the_largest_cursor_is_accepted(mod_client):
    assert fetch(mod_client, 2**63 - 1)["next_cursor"] == 2**63 - 1


def test_only_get_is_answered(mod_client):
    assert mod_client.post(CHANGES, {"after": 0}).status_code == 405


# --- Who may read it --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", CITIZEN, PLANNER, EDITOR, MODERATOR, "superuser"])
def test_only_moderators_read_the_changes(client, page, author, reporters, make_user, role):
    comment = post(author, page)
    actions.do_flag(reporters[0], comment, reason="spam")
    if role == "superuser":
        client.force_login(make_user(is_superuser=True, is_staff=True))
    elif role != "anonymous":
        client.force_login(make_user(role))
    response = client.get(CHANGES, {"after": 0})
    if role in (MODERATOR, "superuser"):
        assert response.status_code == 200
        assert response.json()["results"][0]["comment"] == comment.pk
        return
    if role in ("anonymous", CITIZEN):
        # No admin access at all: the admin's own sign-in redirect.
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403
    assert b'"results"' not in response.content
