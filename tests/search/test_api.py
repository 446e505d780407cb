"""GET /api/v1/moderation/search/ and the themes, similar and duplicates
endpoints: who may use them, what they answer, and bad input."""

import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments.models import CommentStatus
from moderation import actions as moderation_actions
from moderation.models import FlagReason
from search.health import unavailable_message
from tests.moderation.conftest import post

SEARCH = "/api/v1/moderation/search/"
CAMPAIGN = (
    "Exigimos que la ciclovía de la avenida Juárez se construya este mismo año "
    "con separadores físicos y alumbrado"
)


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué opinas?"])


@pytest.fixture
def people(make_user):
    return {
        "moderator": make_user(MODERATOR, display_name="Mora Moderadora"),
        "planner": make_user(PLANNER, display_name="Pía Planeadora"),
        "editor": make_user(EDITOR),
        "citizen": make_user(CITIZEN),
        "author": make_user(CITIZEN, display_name="Ana Autora"),
        "other": make_user(CITIZEN, display_name="Otto Otro"),
    }


@pytest.fixture
def comments(page, people, django_capture_on_commit_callbacks):
    """Published, hidden and flagged comments, indexed through the actions."""
    with django_capture_on_commit_callbacks(execute=True):
        published = post(people["author"], page, "La participación ciudadana importa.")
        hidden = post(people["other"], page, "Participaciones falsas y spam de participación.")
        plain = post(people["other"], page, "Más árboles en el parque central.")
    with django_capture_on_commit_callbacks(execute=True):
        moderation_actions.do_flag(people["citizen"], hidden, reason=FlagReason.SPAM)
        moderation_actions.do_decide(
            people["moderator"], hidden, action="hide", reason=FlagReason.SPAM
        )
    return {"published": published, "hidden": hidden, "plain": plain}


def ids(response):
    return [result["id"] for result in response.json()["results"]]


def test_a_moderator_finds_every_status_with_highlights_and_facets(people, comments, page):
    response = client_for(people["moderator"]).get(SEARCH, {"q": "participacion"})
    assert response.status_code == 200
    data = response.json()
    assert sorted(ids(response)) == sorted([comments["published"].pk, comments["hidden"].pk])
    assert data["count"] == 2
    hidden = next(r for r in data["results"] if r["id"] == comments["hidden"].pk)
    assert hidden["status"] == "hidden"
    assert hidden["reasons"] == ["spam"]
    assert "<mark>" in hidden["highlight"]
    assert hidden["decisions"] == reverse("api-moderation-decisions", args=[hidden["id"]])
    assert hidden["consultation"] == {"id": page.pk, "title": page.title}
    statuses = {f["value"]: f["count"] for f in data["facets"]["status"]}
    assert statuses == {"published": 1, "hidden": 1}
    assert data["facets"]["reason"] == [{"value": "spam", "label": "Spam", "count": 1}]
    assert data["facets"]["consultation"][0]["label"] == page.title


def test_a_planner_never_sees_hidden_comments_even_when_asking(people, comments):
    client = client_for(people["planner"])
    response = client.get(SEARCH, {"q": "participacion"})
    assert ids(response) == [comments["published"].pk]
    assert all(result["decisions"] is None for result in response.json()["results"])
    # Asking for hidden ones: "hidden" is not a status planners may choose.
    response = client.get(SEARCH, {"q": "participacion", "status": "hidden"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    counts = client.get(SEARCH, {"q": "spam"}).json()
    assert counts["count"] == 0
    assert counts["facets"]["status"] == []


@pytest.mark.parametrize("who", ["anonymous", "citizen", "author", "editor"])
def test_only_moderators_and_planners_may_search(people, comments, who):
    user = None if who == "anonymous" else people[who]
    response = client_for(user).get(SEARCH, {"q": "participacion"})
    assert response.status_code == 403
    assert "participación" not in response.content.decode()


def test_filters_by_status_and_several_statuses(people, comments):
    client = client_for(people["moderator"])
    assert ids(client.get(SEARCH, {"status": "hidden"})) == [comments["hidden"].pk]
    both = client.get(SEARCH, {"status": "hidden,published"})
    assert sorted(ids(both)) == sorted(c.pk for c in comments.values())
    repeated = client.get(f"{SEARCH}?status=hidden&status=published")
    assert sorted(ids(repeated)) == sorted(ids(both))


def test_without_words_newest_first(people, comments):
    response = client_for(people["moderator"]).get(SEARCH)
    assert ids(response) == [comments["plain"].pk, comments["hidden"].pk, comments["published"].pk]


@pytest.mark.parametrize(
    "query",
    [
        '"participación ciudadana',  # unbalanced quote
        'participación" "',
        "participación AND OR NOT NEAR( * ^ : -",
        "'; DROP TABLE comments_comment; --",
        "partici\u200bpación 🙂 مشاركة \u202e participacio\u0301n",
        "\\\\ \\",
        "(((((",
    ],
)
def test_odd_queries_answer_never_fail(people, comments, query):
    response = client_for(people["moderator"]).get(SEARCH, {"q": query})
    assert response.status_code == 200, response.content
    assert isinstance(response.json()["results"], list)


def test_odd_unicode_still_finds_the_word(people, comments):
    client = client_for(people["moderator"])
    for query in ("partici\u200bpación", "participacio\u0301n", "PARTICIPACIÓN"):
        assert comments["published"].pk in ids(client.get(SEARCH, {"q": query})), query


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 10_000}, "q"),
        ({"q": " ".join(f"palabra{n}" for n in range(40))}, "q"),
        # Django refuses NUL in form text; anything else invisible is dropped.
        ({"q": "\x00 participación"}, "q"),
        ({"since": "ayer"}, "since"),
        ({"since": "2026-02-30"}, "since"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"page": "0"}, "page"),
        ({"page": "9999999"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"status": "deleted"}, "status"),
        ({"reason": "boredom"}, "reason"),
        ({"consultation": "abc"}, "consultation"),
        ({"author": "-1"}, "author"),
    ],
)
def test_bad_parameters_get_a_clear_400(people, comments, params, field):
    response = client_for(people["moderator"]).get(SEARCH, params)
    assert response.status_code == 400
    body = response.json()
    assert field in body["errors"]
    assert all(message.strip() for message in body["errors"][field])


def test_a_10000_character_query_says_what_the_limit_is(people, comments):
    response = client_for(people["moderator"]).get(SEARCH, {"q": "x" * 10_000})
    assert "500" in response.json()["errors"]["q"][0]


def test_pagination(people, page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = [
            post(people["author"], page, f"Propuesta número {n} sobre movilidad.") for n in range(5)
        ]
    client = client_for(people["moderator"])
    first = client.get(SEARCH, {"q": "movilidad", "per_page": 2}).json()
    assert first["count"] == 5 and first["pages"] == 3 and first["previous"] is None
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    seen = [r["id"] for r in first["results"] + second["results"] + third["results"]]
    assert sorted(seen) == sorted(c.pk for c in made)
    assert third["next"] is None


def test_query_count_does_not_grow_with_results(
    people, page, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            post(people["author"], page, f"Comentario {n} sobre el drenaje.")
    client = client_for(people["moderator"])
    client.get(SEARCH, {"q": "drenaje"})  # warms the site-root cache
    with django_assert_max_num_queries(16) as few:
        client.get(SEARCH, {"q": "drenaje"})
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            post(people["author"], page, f"Otro comentario {n} sobre el drenaje.")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(SEARCH, {"q": "drenaje"}).json()["count"] == 23


def test_index_unavailable_is_a_503(people, comments, settings):
    settings.PUENTE_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    response = client_for(people["moderator"]).get(SEARCH, {"q": "participación"})
    assert response.status_code == 503
    assert response.json() == {
        "detail": str(unavailable_message()),
        "code": "search_unavailable",
        "retry_after": 60,
    }
    assert response["Retry-After"] == "60"


# Themes


def put_tags(client, comment, tags):
    return client.put(
        reverse("api-moderation-tags", args=[comment.pk]),
        data=json.dumps({"tags": tags}),
        content_type="application/json",
    )


def test_moderators_and_planners_tag_and_search_by_theme(
    people, comments, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = put_tags(
            client_for(people["planner"]),
            comments["published"],
            ["Movilidad", " movilidad ", "Parques"],
        )
    assert response.status_code == 200
    assert response.json() == {"tags": ["Movilidad", "Parques"]}
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            put_tags(client_for(people["moderator"]), comments["hidden"], ["movilidad"]).status_code
            == 200
        )
    found = client_for(people["moderator"]).get(SEARCH, {"tag": "MOVILIDAD"}).json()
    assert sorted(r["id"] for r in found["results"]) == sorted(
        [comments["published"].pk, comments["hidden"].pk]
    )
    tags = {f["value"]: f["count"] for f in found["facets"]["tag"]}
    assert tags == {"Movilidad": 2, "Parques": 1}


def test_a_planner_cannot_tag_a_hidden_comment(people, comments):
    response = put_tags(client_for(people["planner"]), comments["hidden"], ["Movilidad"])
    assert response.status_code == 404
    assert not comments["hidden"].tags.exists()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "author", "editor"])
def test_others_cannot_tag(people, comments, who):
    user = None if who == "anonymous" else people[who]
    response = put_tags(client_for(user), comments["published"], ["Movilidad"])
    assert response.status_code == 403
    assert not comments["published"].tags.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"tags": "Movilidad"},
        {"tags": [1, 2]},
        {"tags": ["x" * 51]},
        {"tags": [f"tema {n}" for n in range(11)]},
        {},
        [],
    ],
)
def test_bad_themes_get_a_400_and_change_nothing(people, comments, payload):
    comment = comments["published"]
    comment.tags.set(["Previo"])
    response = client_for(people["moderator"]).put(
        reverse("api-moderation-tags", args=[comment.pk]),
        data=json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(comment.tags.names()) == ["Previo"]


def test_malformed_json_is_a_400(people, comments):
    response = client_for(people["moderator"]).put(
        reverse("api-moderation-tags", args=[comments["published"].pk]),
        data="{not json",
        content_type="application/json",
    )
    assert response.status_code == 400


def test_markup_in_a_theme_is_removed(people, comments):
    response = put_tags(
        client_for(people["moderator"]), comments["published"], ["<b>Agua</b><script>x()</script>"]
    )
    assert response.json() == {"tags": ["Agua"]}


def test_a_missing_comment_is_404(people):
    response = put_tags(client_for(people["moderator"]), SimpleNamespace(pk=999999), ["x"])
    assert response.status_code == 404


# Copy-paste campaigns


def test_similar_and_duplicates(people, page, make_user, django_capture_on_commit_callbacks):
    accounts = [make_user(CITIZEN) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        copies = [post(person, page, CAMPAIGN) for person in accounts]
        post(
            people["author"],
            page,
            "Un comentario distinto sobre el mercado municipal y sus horarios.",
        )
    client = client_for(people["moderator"])
    similar = client.get(reverse("api-moderation-similar", args=[copies[0].pk])).json()
    assert sorted(r["id"] for r in similar["results"]) == sorted(c.pk for c in copies[1:])
    clusters = client.get(reverse("api-moderation-duplicates")).json()["results"]
    assert len(clusters) == 1
    assert clusters[0]["accounts"] == 3
    assert sorted(c["id"] for c in clusters[0]["comments"]) == sorted(c.pk for c in copies)
    assert (
        client_for(people["citizen"]).get(reverse("api-moderation-duplicates")).status_code == 403
    )
    bad = client.get(reverse("api-moderation-duplicates"), {"consultation": "x"})
    assert bad.status_code == 400


def test_schema_lists_the_search_endpoints(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/moderation/search/",
        "/api/v1/moderation/comments/{comment_id}/tags/",
        "/api/v1/moderation/comments/{comment_id}/similar/",
        "/api/v1/moderation/duplicates/",
    ):
        assert path in schema


def test_held_comment_statuses_are_searchable_by_moderators(
    people, page, django_capture_on_commit_callbacks
):
    page.moderation_mode = "pre"
    page.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        held = post(people["author"], page, "Propuesta retenida sobre el alumbrado.")
    assert held.status == CommentStatus.HELD
    assert ids(client_for(people["moderator"]).get(SEARCH, {"q": "alumbrado"})) == [held.pk]
    assert ids(client_for(people["planner"]).get(SEARCH, {"q": "alumbrado"})) == []
