"""The consultation lookup of a live socket's handshake, kept in memory
(comments/live_access.py, consultations/socket_access.py): the same answer
as the database's, no query and no sync-thread trip when known, forgotten
when the consultation changes, bounded whatever ids clients try."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone
from wagtail.models import PageViewRestriction

from comments import actions, live_access
from comments.live_access import live_consultation
from consultations import socket_access
from consultations.models import ConsultationPage
from consultations.socket_access import CONTROL_GROUP, AccessCache, LiveConsultation
from consultations.status import Status
from core.errors import NotFound
from core.parse import MAX_ID
from tests.factories import ConsultationIndexPageFactory, home_page

UNKNOWN = 987_654_321


@pytest.fixture(autouse=True)
def fresh_cache():
    socket_access.invalidate(None)
    yield
    socket_access.invalidate(None)


@pytest.fixture(autouse=True)
def trips(monkeypatch):
    """How many times the lookup went to the sync thread. The trip is
    asgiref's own (thread-sensitive: the test's thread, inside its
    transaction) without Channels' closing of old connections around it,
    which would close the test's connection."""
    count = {"n": 0}

    def counting(function):
        count["n"] += 1
        return sync_to_async(function, thread_sensitive=True)

    monkeypatch.setattr(live_access, "database_sync_to_async", counting)
    return count


def ask(consultation_id):
    """live_consultation's answer: the value, or the NotFound it raised."""

    async def call():
        try:
            return await live_consultation(consultation_id)
        except NotFound as error:
            return error

    return async_to_sync(call)()


def uncached(consultation_id):
    try:
        return LiveConsultation.of(actions.access_public_consultation(consultation_id))
    except NotFound as error:
        return error


def same_answer(cached, fresh):
    if isinstance(fresh, NotFound):
        return isinstance(cached, NotFound) and str(cached.message) == str(fresh.message)
    return cached == fresh


def draft(make_consultation):
    return make_consultation(publish=False)


def unpublished(make_consultation):
    consultation = make_consultation()
    consultation.unpublish()
    return consultation


def restricted(make_consultation):
    consultation = make_consultation()
    PageViewRestriction.objects.create(page=consultation, restriction_type="login")
    return consultation


def restricted_ancestor(make_consultation):
    index = ConsultationIndexPageFactory(parent=home_page())
    PageViewRestriction.objects.create(page=index, restriction_type="password", password="x")
    return make_consultation(parent=index)


def open_now(make_consultation):
    return make_consultation()


def closed(make_consultation):
    now = timezone.now()
    return make_consultation(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))


def upcoming(make_consultation):
    now = timezone.now()
    return make_consultation(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9))


KINDS = [open_now, closed, upcoming, draft, unpublished, restricted, restricted_ancestor]


@pytest.mark.parametrize("kind", KINDS, ids=[k.__name__ for k in KINDS])
def test_the_cached_answer_is_the_databases(make_consultation, kind, trips):
    consultation = kind(make_consultation)
    fresh = uncached(consultation.pk)
    first, second = ask(consultation.pk), ask(str(consultation.pk))
    assert same_answer(first, fresh), (first, fresh)
    assert same_answer(second, fresh), (second, fresh)
    assert trips["n"] == 1  # the second answer came from memory
    readable = kind in (open_now, closed, upcoming)
    assert isinstance(fresh, LiveConsultation) is readable


@pytest.mark.parametrize(
    "consultation_id",
    ["0", "00", str(MAX_ID + 1), "9" * 40, str(2**64), -1, True, None, "1e3", "٣"],
)
def test_ids_out_of_range_are_not_found_without_a_lookup_or_memory(db, consultation_id, trips):
    answer = ask(consultation_id)
    assert isinstance(answer, NotFound)
    assert same_answer(answer, uncached(consultation_id))
    assert trips["n"] == 0
    assert len(socket_access.cache) == 0


@pytest.mark.parametrize("consultation_id", [UNKNOWN, MAX_ID])
def test_an_unknown_id_is_remembered_as_not_found(db, consultation_id, trips):
    assert isinstance(ask(consultation_id), NotFound)
    assert isinstance(ask(consultation_id), NotFound)
    assert trips["n"] == 1


def test_a_known_consultation_costs_no_query(consultation, django_assert_num_queries, trips):
    ask(consultation.pk)
    with django_assert_num_queries(0):
        answer = ask(consultation.pk)
    assert answer == LiveConsultation.of(consultation)
    assert trips["n"] == 1


def test_a_miss_costs_the_uncached_lookups_queries(consultation, django_assert_num_queries):
    with django_assert_num_queries(2):  # the page, its view restrictions
        actions.access_public_consultation(consultation.pk)
    with django_assert_num_queries(2):
        ask(consultation.pk)


def test_simultaneous_handshakes_share_one_lookup(consultation, trips):
    import asyncio

    async def storm():
        return await asyncio.gather(*(live_consultation(consultation.pk) for _ in range(50)))

    answers = async_to_sync(storm)()
    assert set(answers) == {LiveConsultation.of(consultation)}
    assert trips["n"] == 1
    assert live_access._pending == {}


def test_the_status_follows_the_clock_without_a_signal(make_consultation):
    now = timezone.now()
    consultation = make_consultation(
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(hours=1)
    )
    answer = ask(consultation.pk)
    assert answer.status_at(now) == Status.OPEN
    # The same remembered value, asked after the closing date: closed.
    assert ask(consultation.pk) is answer
    assert answer.status_at(now + timedelta(hours=1)) == Status.CLOSED
    assert answer.status_at(now - timedelta(days=2)) == Status.UPCOMING


# --- Forgotten when the consultation changes ------------------------------------


def publish_with(consultation, **fields):
    page = ConsultationPage.objects.get(pk=consultation.pk)
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


def test_unpublishing_takes_effect_at_the_next_handshake(consultation, trips):
    assert isinstance(ask(consultation.pk), LiveConsultation)
    ConsultationPage.objects.get(pk=consultation.pk).unpublish()
    assert isinstance(ask(consultation.pk), NotFound)
    assert trips["n"] == 2


def test_deleting_takes_effect_at_the_next_handshake(consultation):
    assert isinstance(ask(consultation.pk), LiveConsultation)
    ConsultationPage.objects.get(pk=consultation.pk).delete()
    assert isinstance(ask(consultation.pk), NotFound)


def test_publishing_a_draft_takes_effect_at_the_next_handshake(make_consultation):
    consultation = make_consultation(publish=False)
    assert isinstance(ask(consultation.pk), NotFound)
    ConsultationPage.objects.get(pk=consultation.pk).save_revision().publish()
    assert ask(consultation.pk) == LiveConsultation.of(
        ConsultationPage.objects.get(pk=consultation.pk)
    )


def test_closing_early_and_reopening_take_effect_at_the_next_handshake(consultation):
    now = timezone.now()
    assert ask(consultation.pk).status_at(now) == Status.OPEN
    publish_with(consultation, closes_at=now - timedelta(minutes=1))
    assert ask(consultation.pk).status_at(now) == Status.CLOSED
    publish_with(consultation, closes_at=now + timedelta(days=3))
    answer = ask(consultation.pk)
    assert answer.status_at(now) == Status.OPEN
    assert answer.closes_at == now + timedelta(days=3)


def test_a_view_restriction_takes_effect_at_the_next_handshake(consultation, other_consultation):
    assert isinstance(ask(consultation.pk), LiveConsultation)
    assert isinstance(ask(other_consultation.pk), LiveConsultation)
    # On the index above both: the whole subtree is no longer public.
    restriction = PageViewRestriction.objects.create(
        page=consultation.get_parent(), restriction_type="login"
    )
    assert isinstance(ask(consultation.pk), NotFound)
    assert isinstance(ask(other_consultation.pk), NotFound)
    restriction.delete()
    assert isinstance(ask(consultation.pk), LiveConsultation)


def test_moving_under_a_restricted_page_takes_effect_at_the_next_handshake(consultation, home):
    private = ConsultationIndexPageFactory(parent=home)
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    assert isinstance(ask(consultation.pk), LiveConsultation)
    ConsultationPage.objects.get(pk=consultation.pk).move(private, pos="last-child")
    assert isinstance(ask(consultation.pk), NotFound)


def test_a_change_during_a_lookup_is_not_overwritten_by_it(consultation):
    """A lookup that read the row before a change does not store what it read."""
    cache = socket_access.cache
    since = cache.generation
    stale = LiveConsultation.of(consultation)
    ConsultationPage.objects.get(pk=consultation.pk).unpublish()
    cache.put(consultation.pk, stale, since=since)
    assert cache.get(consultation.pk) == (False, None)
    assert isinstance(ask(consultation.pk), NotFound)


def test_a_change_is_told_to_the_other_processes_after_commit(
    consultation, memory_layer, django_capture_on_commit_callbacks
):
    channel = async_to_sync(memory_layer.new_channel)()
    async_to_sync(memory_layer.group_add)(CONTROL_GROUP, channel)
    with django_capture_on_commit_callbacks(execute=True):
        ConsultationPage.objects.get(pk=consultation.pk).unpublish()
        ask(consultation.pk)  # between the write and the commit: read, remembered
    message = async_to_sync(memory_layer.receive)(channel)
    assert message["type"] == "consultation.event"
    assert json.loads(message["text"]) == {"type": "consultation.changed", "id": consultation.pk}
    # Forgotten again after the commit: the answer read before it is gone.
    assert socket_access.cache.get(consultation.pk) == (False, None)


# --- Control events from the other processes -----------------------------------


def test_a_control_event_forgets_the_consultation_it_names(consultation, other_consultation, trips):
    ask(consultation.pk), ask(other_consultation.pk)
    socket_access.on_control({"type": "consultation.changed", "id": consultation.pk})
    assert socket_access.cache.get(consultation.pk) == (False, None)
    assert socket_access.cache.get(other_consultation.pk)[0] is True
    socket_access.on_control('{"type": "consultation.changed", "id": null}')
    assert len(socket_access.cache) == 0


@pytest.mark.parametrize(
    "event",
    [
        "{not json",
        b"\xff",
        '["consultation.changed"]',
        {"type": "consultation.changed", "id": "12"},
        {"type": "consultation.changed", "id": True},
        {"type": "consultation.changed", "id": 1.5},
        {"type": "consultation.changed"},  # no id: possibly any
    ],
    ids=["bad-json", "bad-utf8", "a-list", "id-text", "id-bool", "id-float", "no-id"],
)
def test_a_malformed_control_event_forgets_everything_and_never_raises(consultation, event):
    ask(consultation.pk)
    socket_access.on_control(event)
    assert len(socket_access.cache) == 0


def test_other_control_events_are_ignored(consultation):
    ask(consultation.pk)
    socket_access.on_control({"type": "something.else", "id": consultation.pk})
    socket_access.on_control({"id": consultation.pk})
    assert socket_access.cache.get(consultation.pk)[0] is True


# --- Bounded --------------------------------------------------------------------


def test_unknown_ids_never_grow_memory_past_the_bound(consultation, monkeypatch, trips):
    small = AccessCache(max_found=4, max_missing=8)
    monkeypatch.setattr(live_access, "cache", small)
    ask(consultation.pk)
    for offset in range(40):
        assert isinstance(ask(UNKNOWN + offset), NotFound)
    assert len(small) == 1 + 8
    # Trying ids evicts other unknown ids, never a readable consultation.
    assert small.get(consultation.pk) == (True, LiveConsultation.of(consultation))
    assert small.get(UNKNOWN + 39) == (True, None)
    assert small.get(UNKNOWN) == (False, None)
    assert trips["n"] == 41


def test_readable_consultations_are_bounded_least_recently_used_first(
    make_consultation, monkeypatch
):
    small = AccessCache(max_found=2, max_missing=2)
    monkeypatch.setattr(live_access, "cache", small)
    first, second, third = (make_consultation() for _ in range(3))
    ask(first.pk), ask(second.pk), ask(first.pk), ask(third.pk)
    assert small.get(second.pk) == (False, None)
    assert small.get(first.pk)[0] and small.get(third.pk)[0]


def test_an_expired_answer_is_looked_up_again(consultation, monkeypatch, trips):
    # A TTL of zero: every answer has expired by the time it is asked for.
    monkeypatch.setattr(live_access, "cache", AccessCache(ttl=0))
    ask(consultation.pk)
    ConsultationPage.objects.filter(pk=consultation.pk).update(live=False)  # no signal
    assert isinstance(ask(consultation.pk), NotFound)
    assert trips["n"] == 2
