"""Consistency of the live feed (CONVENTIONS, Channels; issue 3): what a live
client builds from an initial fetch plus the events it receives equals a fresh
fetch, after a random sequence of posts, replies, edits, deletes and reactions
by three people, refused attempts included (Zulip's `verify_action`).

The events are the real ones: each write goes through the JSON API, its
on-commit callbacks run, and the broadcast is read back from a channel added to
the consultation's group on the in-memory channel layer, then passed through
JSON as the consumer sends it.

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
from channels.layers import channel_layers, get_channel_layer
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import comments.api
from comments.events import consultation_group
from comments.models import Comment, CommentRevision, ConsultationActivity, Reaction
from comments.text import MIN_LENGTH, clean_body

NO_RATE_LIMITS = {"interval": 0, "new_account_interval": 0, "new_account_days": 0}
# Small pages so the initial fetch follows `next` and catch-up needs several calls.
PAGE_SIZE = 4
CHANGES_LIMIT = 3
# Fields the live feed cannot keep current: see test_reply_count_*_xfail below.
NOT_CARRIED = ("reply_count",)

TEXTS = [
    "Más transparencia en el presupuesto.",
    "De acuerdo, pero con plazos claros.",
    "Ver https://example.org/informe para las cifras.",
    "<b>Negritas</b> quitadas <script>alert(1)</script> y texto.",
    "Primer párrafo.\n\nSegundo párrafo.",
    "x",  # too short once cleaned: refused
    "<p> </p>",  # empty once cleaned: refused
]
USERS = st.integers(0, 2)
TARGETS = st.integers(0, 10_000)
STEPS = st.one_of(
    st.tuples(st.just("post"), USERS, st.sampled_from(["q0", "q1", "s0"]), st.sampled_from(TEXTS)),
    st.tuples(st.just("reply"), USERS, TARGETS, st.sampled_from(TEXTS)),
    # (own: edit one's own comment, or try someone else's)
    st.tuples(st.just("edit"), USERS, TARGETS, st.booleans(), st.sampled_from(TEXTS)),
    st.tuples(st.just("delete"), USERS, TARGETS, st.booleans()),
    st.tuples(st.just("react"), USERS, TARGETS, st.sampled_from(["agree", "disagree", "pass"])),
)
PROPERTY = hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def live(db, settings, monkeypatch):
    """The in-memory channel layer, no rate limits, small pages."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.PUENTE_COMMENT_RATE_LIMITS = NO_RATE_LIMITS
    monkeypatch.setattr(comments.api, "PAGE_SIZE", PAGE_SIZE)
    monkeypatch.setattr(comments.api, "CHANGES_LIMIT", CHANGES_LIMIT)
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


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
        return (parse_time(root["created"]), root["id"], parse_time(comment["created"]), comment["id"])

    return sorted(comments_by_id.values(), key=key)


def comparable(comments_in_order):
    return [{k: v for k, v in c.items() if k not in NOT_CARRIED} for c in comments_in_order]


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
        self.catch_ups = 0

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
                self.catch_up()
                continue  # the catch-up went at least as far as this event
            self.state[event["comment"]["id"]] = event["comment"]
            self.cursor = event["cursor"]

    def catch_up(self):
        self.catch_ups += 1
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
        self.layer = layer
        self.channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(consultation_group(consultation.pk), self.channel)

    def drain(self):
        events = []
        # InMemoryChannelLayer forgets a channel's queue once it is empty.
        while self.channel in self.layer.channels:
            message = async_to_sync(self.layer.receive)(self.channel)
            assert message["type"] == "consultation.event"
            # Through JSON, as the consumer sends it.
            events.append(json.loads(json.dumps(message["event"], default=str)))
        return events


def snapshot(consultation):
    return (
        list(Comment.objects.filter(consultation=consultation).order_by("pk").values()),
        list(Reaction.objects.filter(comment__consultation=consultation).order_by("pk").values()),
        list(
            CommentRevision.objects.filter(comment__consultation=consultation)
            .order_by("pk")
            .values()
        ),
        last_seq(consultation),
    )


def last_seq(consultation):
    return (
        ConsultationActivity.objects.filter(pk=consultation.pk)
        .values_list("last_seq", flat=True)
        .first()
    ) or 0


def run_step(step, consultation, people, capture):
    """Do one step through the API. Returns (expected events as (type, id) or
    None for "none", whether it was refused), or None when the step has no
    target yet."""
    kind, who = step[0], step[1]
    user, browser = people[who]
    url = comments_url(consultation)
    existing = list(Comment.objects.filter(consultation=consultation).order_by("pk"))
    if kind == "post":
        anchor = step[2]
        if anchor == "s0":
            payload = {"section": consultation.ordered_sections[0].pk}
        else:
            payload = {"question": consultation.ordered_questions[int(anchor[1])].pk}
        body = step[3]
        with capture(execute=True):
            response = browser.post(url, {"body": body, **payload}, content_type="application/json")
        if len(clean_body(body)) < MIN_LENGTH:
            assert response.status_code == 400, response.content
            return None, True
        assert response.status_code == 201, response.content
        return ("comment.created", response.json()["id"]), False
    if not existing:
        return None
    if kind == "reply":
        parent, body = existing[step[2] % len(existing)], step[3]
        with capture(execute=True):
            response = browser.post(
                url, {"body": body, "parent": parent.pk}, content_type="application/json"
            )
        if parent.is_deleted or len(clean_body(body)) < MIN_LENGTH:
            assert response.status_code == 400, response.content
            return None, True
        assert response.status_code == 201, response.content
        assert response.json()["parent"] == parent.pk
        return ("comment.created", response.json()["id"]), False
    if kind in ("edit", "delete"):
        own = step[3]
        pool = [c for c in existing if (c.author_id == user.pk) == own]
        if not pool:
            return None
        target = pool[step[2] % len(pool)]
        detail = f"/api/v1/comments/{target.pk}/"
        if kind == "edit":
            body = step[4]
            with capture(execute=True):
                response = browser.patch(detail, {"body": body}, content_type="application/json")
            if not own or target.is_deleted:
                assert response.status_code == 403, response.content
                return None, True
            if len(clean_body(body)) < MIN_LENGTH:
                assert response.status_code == 400, response.content
                return None, True
            assert response.status_code == 200, response.content
            if clean_body(body) == target.body:
                return "none", False  # nothing changed: nothing to announce
            return ("comment.updated", target.pk), False
        with capture(execute=True):
            response = browser.delete(detail)
        if not own:
            assert response.status_code == 403, response.content
            return None, True
        assert response.status_code == 204, response.content
        if target.is_deleted:
            return "none", False  # already gone
        return ("comment.removed", target.pk), False
    assert kind == "react"
    target = existing[step[2] % len(existing)]
    with capture(execute=True):
        response = browser.post(
            f"/api/v1/comments/{target.pk}/reactions/",
            {"stance": step[3]},
            content_type="application/json",
        )
    if target.author_id == user.pk or target.is_deleted:
        assert response.status_code == 403, response.content
        return None, True
    assert response.status_code == 200, response.content
    return ("reactions.updated", target.pk), False


def play(data, live, people, make_consultation, capture, clients):
    """Run a drawn sequence; `clients` are (LiveClient, step at which it starts)."""
    consultation = make_consultation(
        sections=[("Uno", "Texto de la sección.")],
        questions=["¿Qué opinas?", "¿Qué cambiarías?"],
    )
    url = comments_url(consultation)
    feed = Feed(live, consultation)
    steps = data.draw(st.lists(STEPS, max_size=25), label="steps")
    starts = [data.draw(st.integers(0, len(steps)), label="fetch at") for _ in clients]
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
        before, cursor_before = snapshot(consultation), last_seq(consultation)
        outcome = run_step(steps[index], consultation, people, capture)
        events = feed.drain()
        if outcome is None:  # nothing to act on yet
            assert events == []
            continue
        expected, refused = outcome
        if refused:
            assert events == [], f"refused {steps[index]} announced {events}"
            assert snapshot(consultation) == before, f"refused {steps[index]} changed data"
            continue
        if expected == "none":
            assert events == []
            assert last_seq(consultation) == cursor_before
        else:
            assert [(e["type"], e["comment"]["id"]) for e in events] == [expected]
            assert events[0]["cursor"] == cursor_before + 1 == last_seq(consultation)
        all_events.extend(events)
        for event in events:
            for client in clients:
                client.receive(event)
    assert [e["cursor"] for e in all_events] == list(range(1, len(all_events) + 1))
    for client in clients:
        client.finish()

    fresh, cursor = full_fetch(Client(), url)
    assert cursor == len(all_events)
    assert len(fresh) == Comment.objects.filter(consultation=consultation).count()
    fresh_by_id = {c["id"]: c for c in fresh}
    assert len(fresh_by_id) == len(fresh), "a comment listed twice"
    assert [c["id"] for c in fresh] == [c["id"] for c in thread_order(fresh_by_id)]
    for client in clients:
        assert comparable(thread_order(client.state)) == comparable(fresh)
    return clients


@PROPERTY
@given(data=st.data())
def test_live_client_matches_fresh_fetch(
    data, live, people, make_consultation, django_capture_on_commit_callbacks
):
    play(
        data,
        live,
        people,
        make_consultation,
        django_capture_on_commit_callbacks,
        [LiveClient],
    )


@PROPERTY
@given(data=st.data())
def test_client_that_loses_events_catches_up_by_cursor(
    data, live, people, make_consultation, django_capture_on_commit_callbacks
):
    def drop():
        return data.draw(st.booleans(), label="lost")

    play(
        data,
        live,
        people,
        make_consultation,
        django_capture_on_commit_callbacks,
        [lambda url: LiveClient(url, drop=drop)],
    )


# A reply raises its parent's reply_count (actions.do_post_comment updates the
# parent with .update()), but the parent's seq is not bumped and no event names
# it: the comment.created event carries only the reply, and `?after` returns
# only rows whose seq moved. A live or reconnecting client therefore keeps the
# parent's old reply_count while a fresh fetch shows the new one; the property
# tests above leave reply_count out of the comparison for that reason.


@pytest.fixture
def thread(live, people, make_consultation, django_capture_on_commit_callbacks):
    consultation = make_consultation(questions=["¿Qué opinas?"])
    url = comments_url(consultation)
    (_, ana), (_, beto) = people[:2]
    with django_capture_on_commit_callbacks(execute=True):
        parent = ana.post(
            url,
            {"body": "Más transparencia", "question": consultation.ordered_questions[0].pk},
            content_type="application/json",
        ).json()
    feed = Feed(live, consultation)
    client = LiveClient(url)
    client.start()

    def reply():
        with django_capture_on_commit_callbacks(execute=True):
            response = beto.post(
                url, {"body": "De acuerdo", "parent": parent["id"]}, content_type="application/json"
            )
        assert response.status_code == 201
        for event in feed.drain():
            client.receive(event)

    return url, parent, client, reply


@pytest.mark.xfail(
    strict=True,
    reason="BUG: a reply changes its parent's reply_count without a new seq or an event "
    "for the parent, so live clients keep a stale reply_count",
)
def test_reply_count_reaches_live_clients_xfail(thread):
    url, parent, client, reply = thread
    reply()
    fresh, _ = full_fetch(Client(), url)
    assert client.state[parent["id"]]["reply_count"] == 1 == fresh[0]["reply_count"]


@pytest.mark.xfail(
    strict=True,
    reason="BUG: a reply changes its parent's reply_count without a new seq, so ?after "
    "does not return the parent",
)
def test_reply_count_reaches_reconnecting_clients_xfail(thread):
    url, parent, client, reply = thread
    cursor = client.cursor
    reply()
    changed, _ = changes_after(Client(), url, cursor)
    assert parent["id"] in [c["id"] for c in changed]
