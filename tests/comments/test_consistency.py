"""Consistency of the live feed (CONVENTIONS, Channels; issue 3): what a live
client builds from an initial fetch plus the events it receives equals a fresh
fetch, after a random sequence of posts, replies, edits, deletes and reactions
by three people, refused attempts included (Zulip's `verify_action`).

The events are the real ones: each write goes through the JSON API, its
on-commit callbacks run, and the broadcast is read back from a channel added to
the consultation's group on the in-memory channel layer, and decoded from the
JSON text that the consumer sends to each client.

Two clients are modelled:
- one that receives every event: it loads the thread (page by page, writes may
  land between pages), then applies every event newer than the cursor of its
  fetch, by comment id;
- one that loses a random subset of events: cursors are consecutive, so it
  notices a gap and asks `?after=<last cursor>` for what it missed; at the end
  it reconnects and asks once more (events lost at the tail leave no gap).
"""

import json
from datetime import datetime

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import event as note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import comments.api
import comments.threads
from comments.events import consultation_group
from comments.models import Comment, CommentRevision, ConsultationActivity, Reaction
from comments.text import MIN_LENGTH, clean_body

# Small pages so the initial fetch follows `next` and catch-up needs several calls.
PAGE_SIZE = 3
CHANGES_LIMIT = 3

VALID_TEXTS = [
    "Más transparencia en el presupuesto.",
    "De acuerdo, pero con plazos claros.",
    "Ver https://example.org/informe para las cifras.",
    "<b>Negritas</b> quitadas <script>alert(1)</script> y texto.",
    "Primer párrafo.\n\nSegundo párrafo.",
]
INVALID_TEXTS = ["x", "<p> </p>"]  # too short / empty once cleaned: refused
TEXTS = st.sampled_from(VALID_TEXTS * 4 + INVALID_TEXTS)
USERS = st.integers(0, 2)
TARGETS = st.integers(0, 10_000)  # taken modulo the number of comments
POST = st.tuples(st.just("post"), USERS, st.sampled_from(["q0", "q1", "s0"]), TEXTS)
REPLY = st.tuples(st.just("reply"), USERS, TARGETS, TEXTS)
# Edit and delete: by the target's author (own=True) or by one of the two others.
OWN = st.sampled_from([True, True, False])
EDIT = st.tuples(st.just("edit"), USERS, TARGETS, OWN, TEXTS)
DELETE = st.tuples(st.just("delete"), USERS, TARGETS, OWN)
REACT = st.tuples(st.just("react"), USERS, TARGETS, st.sampled_from(["agree", "disagree", "pass"]))
# Writes that add comments come more often, so that the others find targets.
STEPS = st.one_of(POST, POST, POST, REPLY, REPLY, EDIT, EDIT, DELETE, REACT, REACT)
PROPERTY = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def live(db, memory_layer, no_rate_limits, monkeypatch):
    """The in-memory channel layer (tests/comments/conftest.py), no rate
    limits, small pages."""
    monkeypatch.setattr(comments.api, "PAGE_SIZE", PAGE_SIZE)
    monkeypatch.setattr(comments.threads, "CHANGES_LIMIT", CHANGES_LIMIT)
    return memory_layer


@pytest.fixture
def people(make_user):
    """Three signed-in citizens, each with their own browser."""
    clients = []
    for _ in range(3):
        user = make_user("citizen")
        browser = Client()
        browser.force_login(user)
        clients.append((user, browser))
    return clients


def comments_url(consultation):
    return f"/api/v1/consultations/{consultation.pk}/comments/"


def parse_time(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def thread_order(comments_by_id):
    """The API's order: threads by when they started, replies as they came."""

    def key(comment):
        root = comments_by_id[comment["root"]]
        return (
            parse_time(root["created"]),
            root["id"],
            parse_time(comment["created"]),
            comment["id"],
        )

    return sorted(comments_by_id.values(), key=key)


def full_fetch(reader, url):
    """Every page of the thread, then the cursor of the first page."""
    response = reader.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    results, cursor = list(body["results"]), body["next_cursor"]
    while body["next"]:
        body = reader.get(body["next"]).json()
        results.extend(body["results"])
    return results, cursor


def changes_after(reader, url, cursor):
    """`?after=<cursor>` until nothing more: (comments in change order, cursor)."""
    changed = []
    while True:
        response = reader.get(url, {"after": cursor})
        assert response.status_code == 200, response.content
        body = response.json()
        if not body["results"]:
            assert body["next_cursor"] == cursor
            return changed, cursor
        assert body["next_cursor"] > cursor
        changed.extend(body["results"])
        cursor = body["next_cursor"]


class LiveClient:
    """A page with its websocket: subscribe, load the thread page by page
    (one page between two writes), then keep it current from events.

    With `drop`, the socket loses the events for which drop() is true; the
    client catches up through `?after` when the cursors show a gap and when it
    reconnects at the end."""

    def __init__(self, url, drop=None):
        self.url, self.drop = url, drop
        self.reader = Client()  # anonymous: anyone may read
        self.subscribed = False
        self.state = {}
        self.cursor = None
        self.next_page = None
        self.buffer = []
        self.gaps = 0

    @property
    def loading(self):
        return self.next_page is not None

    def start(self):
        self.subscribed = True
        body = self.reader.get(self.url).json()
        self.cursor = body["next_cursor"]
        self.state = {c["id"]: c for c in body["results"]}
        self.next_page = body["next"]
        self.flush()

    def tick(self):
        """Between two writes: load one more page if still loading."""
        if self.loading:
            body = self.reader.get(self.next_page).json()
            # Offsets may shift when comments arrive between pages; keyed by id,
            # a comment seen twice is harmless, and none can be skipped (comments
            # never leave the list).
            self.state.update({c["id"]: c for c in body["results"]})
            self.next_page = body["next"]
            note("thread loaded over several steps")
            self.flush()

    def receive(self, event):
        if not self.subscribed or (self.drop is not None and self.drop()):
            return
        self.buffer.append(event)
        self.flush()

    def flush(self):
        if self.loading:
            return
        events, self.buffer = self.buffer, []
        for event in events:
            if event["cursor"] <= self.cursor:
                continue  # already in what was fetched
            if event["cursor"] != self.cursor + 1:
                assert self.drop is not None, (
                    f"a client that lost nothing saw cursor {event['cursor']} after {self.cursor}"
                )
                self.gaps += 1
                self.catch_up()
                assert self.cursor >= event["cursor"], "the catch-up stopped short of an event"
                continue
            self.state[event["comment"]["id"]] = event["comment"]
            self.cursor = event["cursor"]

    def catch_up(self):
        changed, self.cursor = changes_after(self.reader, self.url, self.cursor)
        self.state.update({c["id"]: c for c in changed})

    def finish(self):
        while self.loading:
            self.tick()
        if self.drop is not None:
            self.catch_up()  # reconnect: the last events may have been lost
        else:
            changed, _ = changes_after(self.reader, self.url, self.cursor)
            assert changed == [], "the live client missed a change the cursor knows about"


class Feed:
    """The consultation's broadcasts, read from a channel in its group."""

    def __init__(self, layer, consultation):
        self.layer, self.consultation_id = layer, consultation.pk
        self.channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(consultation_group(consultation.pk), self.channel)

    def drain(self):
        events = []
        # InMemoryChannelLayer forgets a channel's queue once it is empty.
        while self.channel in self.layer.channels:
            message = async_to_sync(self.layer.receive)(self.channel)
            assert message["type"] == "consultation.event"
            # The JSON text the consumer sends to every client as it is.
            events.append(json.loads(message["text"]))
        return events

    def close(self):
        async_to_sync(self.layer.group_discard)(
            consultation_group(self.consultation_id), self.channel
        )
        self.drain()


def snapshot(consultation):
    """Everything a refused write must leave as it was."""
    return (
        list(Comment.objects.filter(consultation=consultation).order_by("pk").values()),
        list(Reaction.objects.filter(comment__consultation=consultation).order_by("pk").values()),
        list(
            CommentRevision.objects.filter(comment__consultation=consultation)
            .order_by("pk")
            .values()
        ),
        ConsultationActivity.objects.filter(pk=consultation.pk).values_list("last_seq").first(),
    )


class Write:
    """One step as a request, with what it should do, predicted from the
    state before it: `status`; `event` = (type, comment id, None for a new
    comment) or None when nothing changes; `mine` for reactions."""

    def __init__(self, label, browser, method, path, payload, status, event=None, mine=None):
        self.label, self.browser, self.method, self.path = label, browser, method, path
        self.payload, self.status, self.event, self.mine = payload, status, event, mine

    @property
    def refused(self):
        return self.status >= 400

    def send(self):
        request = getattr(self.browser, self.method)
        if self.payload is None:
            return request(self.path)
        return request(self.path, self.payload, content_type="application/json")


def plan(step, consultation, people):
    """The request for a drawn step, or None when it has nothing to act on yet."""
    kind, who = step[0], step[1]
    user, browser = people[who]
    existing = list(Comment.objects.filter(consultation=consultation).order_by("pk"))
    if kind == "post":
        anchor, body = step[2], step[3]
        if anchor == "s0":
            payload = {"section": consultation.ordered_sections[0].pk}
        else:
            payload = {"question": consultation.ordered_questions[int(anchor[1])].pk}
        if len(clean_body(body)) < MIN_LENGTH:
            return Write(
                "post refused",
                browser,
                "post",
                comments_url(consultation),
                {"body": body, **payload},
                400,
            )
        return Write(
            "post done",
            browser,
            "post",
            comments_url(consultation),
            {"body": body, **payload},
            201,
            ("comment.created", None),
        )
    if not existing:
        return None
    target = existing[step[2] % len(existing)]
    if kind == "reply":
        body = step[3]
        ok = not target.is_deleted and len(clean_body(body)) >= MIN_LENGTH
        return Write(
            f"reply {'done' if ok else 'refused'}",
            browser,
            "post",
            comments_url(consultation),
            {"body": body, "parent": target.pk},
            201 if ok else 400,
            ("comment.created", None) if ok else None,
        )
    detail = f"/api/v1/comments/{target.pk}/"
    if kind in ("edit", "delete"):
        own = step[3]
        author = next(i for i, (person, _) in enumerate(people) if person.pk == target.author_id)
        # The author, or one of the two others (chosen by `who`).
        user, browser = people[author if own else (author + 1 + who % 2) % len(people)]
        if not own or (kind == "edit" and target.is_deleted):
            return Write(
                f"{kind} refused",
                browser,
                kind.replace("edit", "patch"),
                detail,
                None if kind == "delete" else {"body": step[4]},
                403,
            )
        if kind == "delete":
            if target.is_deleted:
                return Write("delete unchanged", browser, "delete", detail, None, 204)
            return Write(
                "delete done", browser, "delete", detail, None, 204, ("comment.removed", target.pk)
            )
        body = clean_body(step[4])
        if len(body) < MIN_LENGTH:
            return Write("edit refused", browser, "patch", detail, {"body": step[4]}, 400)
        if body == target.body:
            return Write("edit unchanged", browser, "patch", detail, {"body": step[4]}, 200)
        return Write(
            "edit done",
            browser,
            "patch",
            detail,
            {"body": step[4]},
            200,
            ("comment.updated", target.pk),
        )
    assert kind == "react"
    stance = step[3]
    reactions = f"{detail}reactions/"
    if target.author_id == user.pk or target.is_deleted:
        return Write("react refused", browser, "post", reactions, {"stance": stance}, 403)
    previous = (
        Reaction.objects.filter(comment=target, user=user).values_list("stance", flat=True).first()
    )
    label = (
        "react set"
        if previous is None
        else "react withdrawn"
        if previous == stance
        else "react changed"
    )
    return Write(
        label,
        browser,
        "post",
        reactions,
        {"stance": stance},
        200,
        ("reactions.updated", target.pk),
        mine=None if previous == stance else stance,
    )


def play(data, consultation, layer, people, capture, clients, *, start_by=1.0):
    """Run a drawn sequence with live clients (made by the `clients` factories,
    each starting at a drawn step, no later than `start_by` of the way), then
    compare each with a fresh fetch. Runs in a savepoint rolled back at the
    end, so every example starts from a consultation without comments."""
    with transaction.atomic():
        feed = Feed(layer, consultation)
        try:
            play_in(data, consultation, feed, people, capture, clients, start_by)
        finally:
            feed.close()
            transaction.set_rollback(True)


def play_in(data, consultation, feed, people, capture, clients, start_by):
    url = comments_url(consultation)
    steps = data.draw(st.lists(STEPS, min_size=8, max_size=25), label="steps")
    latest = int(len(steps) * start_by)
    starts = [data.draw(st.integers(0, latest), label="fetch at") for _ in clients]
    clients = [make(url) for make in clients]
    all_events = []
    for index in range(len(steps) + 1):
        for client, start in zip(clients, starts, strict=True):
            if index == start:
                client.start()
            else:
                client.tick()
        if index == len(steps):
            break
        write = plan(steps[index], consultation, people)
        if write is None:  # nothing to act on yet
            continue
        note(write.label)
        before = snapshot(consultation) if write.refused else None
        with capture(execute=True):
            response = write.send()
        assert response.status_code == write.status, (steps[index], response.content)
        events = feed.drain()
        if write.refused:
            assert events == [], f"refused {steps[index]} announced {events}"
            assert snapshot(consultation) == before, f"refused {steps[index]} changed data"
            continue
        if write.event is None:
            assert events == [], f"{steps[index]} changed nothing but announced {events}"
            continue
        kind, comment_id = write.event
        if comment_id is None:
            comment_id = response.json()["id"]
        assert [(e["type"], e["comment"]["id"]) for e in events] == [(kind, comment_id)]
        assert events[0]["cursor"] == len(all_events) + 1, "cursors are consecutive"
        if write.label.startswith("react"):
            assert response.json()["mine"] == write.mine
        all_events.extend(events)
        for event in events:
            for client in clients:
                client.receive(event)
    for client in clients:
        client.finish()
        if client.drop is not None:
            note(f"gaps caught up mid-way: {min(client.gaps, 3)}{'+' if client.gaps > 3 else ''}")

    fresh, cursor = full_fetch(Client(), url)
    assert cursor == len(all_events)
    assert len(fresh) == Comment.objects.filter(consultation=consultation).count()
    fresh_by_id = {c["id"]: c for c in fresh}
    assert len(fresh_by_id) == len(fresh), "a comment listed twice"
    assert [c["id"] for c in fresh] == [c["id"] for c in thread_order(fresh_by_id)]
    for client in clients:
        assert list(thread_order(client.state)) == list(fresh)


@pytest.fixture
def discussion(make_consultation):
    """One open consultation with two questions and one section; each example
    adds its comments in a savepoint."""
    consultation = make_consultation(
        sections=[("Uno", "Texto de la sección.")],
        questions=["¿Qué opinas?", "¿Qué cambiarías?"],
    )
    assert consultation.ordered_sections and consultation.ordered_questions  # cached now
    return consultation


@PROPERTY
@given(data=st.data())
def test_live_client_matches_fresh_fetch(
    data, discussion, live, people, django_capture_on_commit_callbacks
):
    play(data, discussion, live, people, django_capture_on_commit_callbacks, [LiveClient])


@PROPERTY
@given(data=st.data())
def test_client_that_loses_events_catches_up_by_cursor(
    data, discussion, live, people, django_capture_on_commit_callbacks
):
    def drop():
        return data.draw(st.booleans(), label="lost")

    def lossy(url):
        return LiveClient(url, drop=drop)

    # Starts in the first half of the sequence, so that it has events to lose.
    play(data, discussion, live, people, django_capture_on_commit_callbacks, [lossy], start_by=0.5)
