"""Moderators look a comment up by its folio (PUE-2026-000123), in the admin
search and through GET /api/v1/moderation/search/: a query that is exactly a
folio finds that comment and nothing else, in any status the person may
find by search (planners: published only), on the database backend and on
Elasticsearch, whose index it never needs."""

import re
import uuid

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings

from accounts.roles import CITIZEN, MODERATOR, PLANNER
from comments.models import parse_folio
from moderation import actions as moderation_actions
from moderation.models import FlagReason
from search.backends import get_backend
from tests.moderation.conftest import post
from tests.search.conftest import drop_index

SEARCH = "/api/v1/moderation/search/"
ADMIN = "/admin/search/comments/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=["database", "elasticsearch"])
def engine(request, settings):
    """Each backend: Elasticsearch on an index of this test's own, when the
    test command started a server for it (tools/services.py)."""
    name = request.param
    if name == "elasticsearch":
        if not django_settings.ELASTICSEARCH_URL:
            pytest.skip("ELASTICSEARCH_URL is not set (run under tools/services.py)")
        settings.PUENTE_SEARCH_BACKEND = "elasticsearch"
        settings.PUENTE_SEARCH_INDEX = f"puente-folio-{uuid.uuid4().hex[:12]}"
    yield name
    if name == "elasticsearch":
        drop_index(get_backend())


@pytest.fixture
def people(make_user):
    return {
        "moderator": make_user(MODERATOR),
        "planner": make_user(PLANNER),
        "author": make_user(CITIZEN, display_name="Ana Autora"),
        "citizen": make_user(CITIZEN),
    }


@pytest.fixture
def found(engine, make_consultation, people, no_rate_limits, django_capture_on_commit_callbacks):
    """A published and a hidden (flagged) comment, indexed through the actions (the
    folio's text also appears in another comment: only the folio's comment
    is found by it)."""
    page = make_consultation(questions=["¿Qué opinas?"])
    with django_capture_on_commit_callbacks(execute=True):
        published = post(people["author"], page, "Más árboles en la avenida central.")
        hidden = post(people["author"], page, "Un comentario que la moderación ocultó.")
        post(
            people["citizen"],
            page,
            f"Cito los folios {published.folio} y {hidden.folio} en mi comentario.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        moderation_actions.do_flag(people["citizen"], hidden, reason=FlagReason.SPAM)
        moderation_actions.do_decide(
            people["moderator"], hidden, action="hide", reason=FlagReason.SPAM
        )
    hidden.refresh_from_db()
    return {"published": published, "hidden": hidden}


def api(user, q, **params):
    response = client_for(user).get(SEARCH, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def ids(data):
    return [result["id"] for result in data["results"]]


def spelled(folio):
    """The same folio as people type it: lower case, spaces around."""
    return f"  {folio.lower()} \t"


def test_the_folio_is_the_comments_own(found):
    comment = found["published"]
    assert re.fullmatch(r"PUE-\d{4}-\d{6,}", comment.folio)
    assert parse_folio(spelled(comment.folio)) == (comment.created.year, comment.pk)


@pytest.mark.parametrize("key", ["published", "hidden"])
def test_a_moderator_finds_a_comment_by_its_folio_in_any_case_and_spacing(found, people, key):
    comment = found[key]
    for typed in (comment.folio, spelled(comment.folio)):
        data = api(people["moderator"], typed)
        assert ids(data) == [comment.pk]
        assert data["count"] == 1
        result = data["results"][0]
        assert result["folio"] == comment.folio
        assert result["status"] == comment.status
        assert result["highlight"] == ""
        facets = {
            name: [(f["value"], f["count"]) for f in data["facets"][name]]
            for name in data["facets"]
        }
        assert facets["status"] == [(comment.status, 1)]
        assert facets["consultation"] == [(str(comment.consultation_id), 1)]


def test_the_facets_are_the_comments_own(found, people):
    comment = found["hidden"]
    data = api(people["moderator"], comment.folio)
    assert data["facets"]["reason"] == [{"value": "spam", "label": "Spam", "count": 1}]
    assert data["results"][0]["reasons"] == ["spam"]
    assert data["facets"]["tag"] == []


def test_every_result_carries_its_folio(found, people):
    data = api(people["moderator"], "comentario")
    assert data["count"] == 2
    for result in data["results"]:
        number = int(result["folio"].rsplit("-", 1)[1])
        assert number == result["id"]


def test_a_planner_finds_only_a_published_comment_by_folio(found, people):
    assert ids(api(people["planner"], found["published"].folio)) == [found["published"].pk]
    data = api(people["planner"], found["hidden"].folio)
    assert data["count"] == 0 and ids(data) == []


@pytest.mark.parametrize("who", ["author", "citizen"])
def test_people_who_may_not_search_find_nothing_by_folio(found, people, who):
    response = client_for(people[who]).get(SEARCH, {"q": found["published"].folio})
    assert response.status_code == 403
    assert found["published"].body not in response.content.decode()


def test_a_wrong_year_finds_nothing(found, people):
    comment = found["published"]
    year = comment.created.year
    for other in (year - 1, year + 1, 0, 9999):
        data = api(people["moderator"], f"PUE-{other:04d}-{comment.pk:06d}")
        assert data["count"] == 0 and ids(data) == []


def test_an_unknown_number_finds_nothing(found, people):
    year = found["published"].created.year
    data = api(people["moderator"], f"PUE-{year}-{found['hidden'].pk + 1000:06d}")
    assert data["count"] == 0


@pytest.mark.parametrize("number", [2**63, 2**63 + 1, 10**19 - 1])
def test_a_number_past_64_bits_finds_nothing_and_never_fails(found, people, number):
    year = found["published"].created.year
    data = api(people["moderator"], f"PUE-{year}-{number}")
    assert data["count"] == 0
    admin = client_for(people["moderator"]).get(ADMIN, {"q": f"PUE-{year}-{number}"})
    assert admin.status_code == 200


def test_the_filters_still_apply(found, people):
    comment = found["hidden"]
    assert api(people["moderator"], comment.folio, status="published")["count"] == 0
    assert ids(api(people["moderator"], comment.folio, status="hidden")) == [comment.pk]
    other = comment.consultation_id + 1000
    assert api(people["moderator"], comment.folio, consultation=other)["count"] == 0


def test_text_around_a_folio_is_a_word_search(found, people):
    """Only a query that is exactly a folio looks it up; with other words it
    is searched as text (the comment that cites both folios)."""
    comment = found["published"]
    data = api(people["moderator"], f"folios {comment.folio}")
    assert comment.pk not in ids(data)


def test_the_admin_search_finds_by_folio_and_shows_every_folio(found, people):
    client = client_for(people["moderator"])
    html = client.get(ADMIN, {"q": spelled(found["hidden"].folio)}).content.decode()
    assert re.findall(r'id="result-(\d+)"', html) == [str(found["hidden"].pk)]
    assert found["hidden"].folio in html
    html = client.get(ADMIN, {"q": "comentario"}).content.decode()
    assert found["hidden"].folio in html
    planner = client_for(people["planner"]).get(ADMIN, {"q": found["hidden"].folio})
    assert planner.status_code == 200
    assert re.findall(r'id="result-(\d+)"', planner.content.decode()) == []


def test_a_folio_is_found_while_the_search_server_is_down(found, people):
    """The lookup reads the database only: with Elasticsearch unreachable a
    word search answers 503, a folio still finds its comment."""
    client = client_for(people["moderator"])
    with override_settings(
        PUENTE_SEARCH_BACKEND="elasticsearch",
        ELASTICSEARCH_URL="http://127.0.0.1:9",
        PUENTE_SEARCH_INDEX=f"puente-folio-down-{uuid.uuid4().hex[:12]}",
    ):
        assert client.get(SEARCH, {"q": "comentario"}).status_code == 503
        response = client.get(SEARCH, {"q": found["published"].folio})
    assert response.status_code == 200
    assert ids(response.json()) == [found["published"].pk]
