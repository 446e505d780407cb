"""The summary kept by its consultation's state (summaries/summary_cache.py):
a repeat view reads one row of state and the cache; a reaction, a flag, a
theme or an index sync computes it again; other filters, languages, hosts
and days never share an entry."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import PLANNER
from comments.actions import do_react
from comments.models import ConsultationActivity, Stance
from moderation.models import Flag, FlagReason
from search.backends import get_backend
from search.models import IndexState
from summaries.summary import Scope
from summaries.summary_cache import cached_summary
from tests.search.conftest import drop_index, index_ids
from tests.summaries.conftest import SPECS, local

pytestmark = pytest.mark.django_db
NOW = local(20, 12)


@pytest.fixture
def terms_backend(data):
    """The database backend only: what is cached does not depend on which
    backend answered the terms (test_summary.py runs both)."""
    with override_settings(PUENTE_SEARCH_INDEX=f"puente-cache-{uuid.uuid4().hex[:12]}"):
        backend = get_backend("database")
        backend.clear()
        index_ids(backend, [comment.pk for comment in data.comments.values()])
        try:
            yield backend
        finally:
            drop_index(backend)


@pytest.fixture
def cursor(data):
    """The data set's consultation as the actions leave it: with its cursor."""
    return ConsultationActivity.objects.create(consultation=data.consultation, last_seq=len(SPECS))


def view(data, backend, request=None, now=NOW, **scope):
    return cached_summary(
        Scope(data.consultation, **scope), request=request, now=now, terms_backend=backend
    )


def figures(summary):
    p, s = summary.participation, summary.stance
    return (
        p.comments,
        p.replies,
        p.participants,
        (s.agree, s.disagree, s.passes),
        [ref.id for ref in summary.most_agreed],
        [(term.key, term.count) for term in summary.terms],
        [(theme.name, theme.count) for theme in summary.themes],
        summary.moderation.flags,
    )


def test_a_repeat_view_reads_the_state_and_the_cache_only(
    data, cursor, terms_backend, django_assert_num_queries
):
    first = view(data, terms_backend)
    with django_assert_num_queries(1):
        again = view(data, terms_backend)
    assert figures(again) == figures(first)
    assert again.generated == first.generated
    # The scope is the caller's, with its page.
    assert again.scope.consultation is data.consultation


def test_a_reaction_moves_the_cursor_and_the_next_view_counts_it(
    data, cursor, terms_backend, django_assert_max_num_queries
):
    before = view(data, terms_backend)
    do_react(data.users["gil"], data.comments["c4"], Stance.AGREE, now=local(4, 12))
    with django_assert_max_num_queries(40) as captured:
        after = view(data, terms_backend)
    assert len(captured) > 1  # computed again
    assert after.stance.agree == before.stance.agree + 1
    assert after.participation.participants == before.participation.participants + 1


def test_a_flag_or_a_theme_which_do_not_move_the_cursor_are_seen(data, cursor, terms_backend):
    before = view(data, terms_backend)
    Flag.objects.create(comment=data.comments["c1"], user=data.users["r8"], reason=FlagReason.SPAM)
    flagged = view(data, terms_backend)
    assert flagged.moderation.flags == before.moderation.flags + 1
    data.comments["c4"].tags.add("Transporte")
    tagged = view(data, terms_backend)
    assert ("Transporte", 1) in [(theme.name, theme.count) for theme in tagged.themes]
    data.comments["c4"].tags.remove("Transporte")
    untagged = view(data, terms_backend)
    assert "Transporte" not in [theme.name for theme in untagged.themes]


def test_an_index_sync_computes_the_terms_again(
    data, cursor, terms_backend, django_assert_max_num_queries
):
    view(data, terms_backend)
    IndexState.objects.update_or_create(pk=1, defaults={"last_sync": timezone.now()})
    with django_assert_max_num_queries(40) as captured:
        view(data, terms_backend)
    assert len(captured) > 1


def variants(data):
    question = data.anchors["q2"]["question"].pk
    section = data.anchors["s1"]["section"].pk
    return {
        "whole": {},
        "question": {"question": question},
        "section": {"section": section},
        "theme": {"tag": "Agua"},
        "theme in other capitals": {"tag": "AGUA"},
        "days": {"since": local(2, 0), "until": local(3, 0)},
    }


def test_filters_do_not_share_entries(data, cursor, terms_backend, django_assert_num_queries):
    computed = {
        name: figures(view(data, terms_backend, **scope)) for name, scope in variants(data).items()
    }
    # Each is its own summary, not the whole consultation's.
    assert computed["question"] != computed["whole"]
    assert computed["section"] != computed["whole"]
    assert computed["days"] != computed["whole"]
    assert computed["theme"] != computed["whole"]
    for name, scope in variants(data).items():
        with django_assert_num_queries(1):
            assert figures(view(data, terms_backend, **scope)) == computed[name], name


def test_languages_hosts_and_days_do_not_share_entries(
    data, cursor, terms_backend, django_assert_num_queries, django_assert_max_num_queries
):
    factory = RequestFactory()
    one = factory.get("/", HTTP_HOST="localhost")
    other = factory.get("/", HTTP_HOST="127.0.0.1:8443", secure=True)

    def computes(**kwargs):
        with django_assert_max_num_queries(40) as captured:
            summary = view(data, terms_backend, **kwargs)
        return len(captured) > 1, summary

    with translation.override("es"):
        assert computes(request=one)[0]
    with translation.override("en"):
        assert computes(request=one)[0]
    with translation.override("es"):
        computed, summary = computes(request=other)
        assert computed
        assert summary.most_agreed[0].url.startswith("https://127.0.0.1:8443/")
        assert not computes(request=other)[0]
        # Without a request the links go to SITE_URL: another entry.
        assert computes()[0]
    # An open consultation's days run to today: tomorrow is another summary.
    open_now = local(3, 12)
    assert computes(now=open_now)[0]
    assert not computes(now=open_now.replace(hour=20))[0]
    assert computes(now=local(4, 1))[0]


def test_a_consultation_without_a_cursor_is_computed_every_time(
    data, terms_backend, django_assert_max_num_queries
):
    # Comments written in bulk, not through the actions: no change would
    # reach the cache.
    view(data, terms_backend)
    with django_assert_max_num_queries(40) as captured:
        view(data, terms_backend)
    assert len(captured) > 1


def test_the_api_answers_a_repeat_request_from_the_cache(
    client, make_user, data, cursor, django_assert_max_num_queries
):
    client.force_login(make_user(PLANNER))
    url = reverse("api-consultation-summary", args=[data.consultation.pk])
    with django_assert_max_num_queries(60) as first:
        computed = client.get(url)
    with django_assert_max_num_queries(60) as again:
        kept = client.get(url)
    assert computed.status_code == kept.status_code == 200
    assert kept.json() == computed.json()
    # The summary's twenty-odd queries become the one state query.
    assert len(again) <= len(first) - 15


def test_forget_kept_computes_it_again(data, cursor, terms_backend, django_assert_max_num_queries):
    """A restore takes the cursor back: `manage.py forget_kept` (run by
    deploy/entrypoint.sh release) starts a new generation of entries."""
    first = view(data, terms_backend)
    call_command("forget_kept", stdout=io.StringIO())
    with django_assert_max_num_queries(40) as captured:
        again = view(data, terms_backend)
    assert len(captured) > 1  # computed again
    assert again.generated >= first.generated and figures(again) == figures(first)
