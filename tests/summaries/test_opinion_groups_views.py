"""Where the opinion groups show: the admin summary's section, the API, the
CSV and XLSX files, the public report of a closed consultation and the map.
The stored analyses are written by hand in the contract's shape
(summaries/opinion_groups.py Analysis.to_json), so these tests read what
the pages make of them, whatever the numerics compute."""

import csv
import io
import re
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import CITIZEN, PLANNER
from comments.models import Comment, CommentStatus
from summaries import opinions
from summaries.opinion_map import SHAPES, opinion_map
from summaries.opinion_views import visible
from tests.summaries.opinion_fixtures import analysis_for, store

pytestmark = pytest.mark.django_db

BODIES = [
    "Más árboles en la calzada del barrio norte.",
    "Cerrar la avenida los domingos a los coches.",
    "Un carril bici protegido en la calle Juárez.",
    "Más camiones de noche hacia el centro.",
    "Bancas y sombra en cada parada.",
    "Estacionamiento gratuito en el centro.",
]


@pytest.fixture(autouse=True)
def english():
    """The public pages in English (/en/): these strings' translations are
    not written yet, and the tests must not depend on them."""
    with translation.override("en"):
        yield


@pytest.fixture
def refreshes(monkeypatch):
    """The consultations a refresh was requested for (the request itself is
    part C's and tested there)."""
    asked = []

    def record(consultation, now=None):
        asked.append(consultation.pk)
        return True

    monkeypatch.setattr(opinions, "request_refresh", record)
    return asked


@pytest.fixture
def page(make_consultation, make_user):
    """A closed consultation with two questions and six published comments,
    and one hidden."""
    now = timezone.now()
    consultation = make_consultation(
        title="Calles del barrio",
        questions=["¿Qué falta en tu calle?", "¿Cómo llegas al centro?"],
        sections=[("Plazos", "Seis meses.")],
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    author = make_user(CITIZEN, display_name="Ana")
    first, second = consultation.ordered_questions
    comments = []
    for number, body in enumerate(BODIES + ["Compra seguidores baratos aquí."], start=1):
        comment = Comment.objects.create(
            consultation=consultation,
            question=first if number <= 3 else second,
            author=author,
            body=body,
            seq=number,
            created=now - timedelta(days=20, minutes=-number),
            status=CommentStatus.PUBLISHED if number <= len(BODIES) else CommentStatus.HIDDEN,
        )
        comment.root = comment
        comment.save(update_fields=["root"])
        comments.append(comment)
    consultation.ids = [comment.pk for comment in comments[: len(BODIES)]]
    consultation.hidden_id = comments[-1].pk
    return consultation


@pytest.fixture
def planner(make_user):
    from wagtail.users.models import UserProfile

    user = make_user(PLANNER)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def summary_url(page, **params):
    url = reverse("summaries_admin:summary", args=[page.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def api_url(page):
    return reverse("api-consultation-opinion-groups", args=[page.pk])


def section_of(html):
    """The admin page's opinion groups section (the themes follow it)."""
    start = html.index('aria-labelledby="opinion-groups-heading"')
    return html[start : html.index('aria-labelledby="themes-heading"', start)]


# -- the admin summary ---------------------------------------------------------


def test_the_summary_shows_groups_comments_rates_and_the_map(client, planner, page, refreshes):
    store(page, analysis_for(page.ids))
    client.force_login(planner)
    html = client.get(summary_url(page)).content.decode()
    part = section_of(html)
    assert "Computed on" in part and "Being updated" not in part
    assert re.search(r"<dt>People in the groups</dt><dd>20</dd>", part)
    assert re.search(r"<dt>Left out</dt><dd>3</dd>", part)
    assert "Group 1: 12 people (60 % of those placed)" in part
    assert "Group 2: 8 people (40 % of those placed)" in part
    # Group 1 is represented by the first comment, agreeing; group 2 by the
    # second, disagreeing; each with its thread link and its rates.
    assert BODIES[0] in part and BODIES[1] in part
    assert f"/c/{page.ids[0]}/" in part
    assert "82 % (9 of 11)" in part and "20 % (2 of 10)" in part
    assert "disagrees" in part
    # Bridging (the last comment) and divisive (the one before it).
    bridging = part[part.index("Bridging comments") : part.index("Most divisive")]
    assert BODIES[-1] in bridging and "80 % (8 of 10)" in bridging and "90 % (9 of 10)" in bridging
    assert BODIES[-2] in part[part.index("Most divisive") :]
    # The map: an image with its text alternative, a legend and its table.
    assert part.count('role="img"') == 1
    assert '<title id="opinion-map-title">Map of the opinion groups</title>' in part
    assert "Group 1: 12 people, centred at x" in part
    assert part.count('class="chart-legend__entry"') == 2
    assert "The groups on the map" in part
    assert "2 groups: of 2 to 5, the number whose groups stand most clearly apart" in part
    # Nothing was computed, but nothing needed a refresh either.
    assert refreshes == []
    assert "Compra seguidores" not in html


def test_stale_groups_say_they_are_being_updated_and_ask_for_a_refresh(
    client, planner, page, refreshes
):
    store(page, analysis_for(page.ids), cursor=-5)
    client.force_login(planner)
    part = section_of(client.get(summary_url(page)).content.decode())
    assert "Being updated" in part and "Group 1: 12 people" in part
    assert refreshes == [page.pk]


def test_groups_never_computed_are_pending_and_asked_for(client, planner, page, refreshes):
    client.force_login(planner)
    part = section_of(client.get(summary_url(page)).content.decode())
    assert "Not computed yet" in part and "Group 1" not in part
    assert refreshes == [page.pk]


def test_a_question_filter_shows_that_questions_groups(client, planner, page, refreshes):
    question = page.ordered_questions[1]
    store(page, analysis_for(page.ids))
    store(page, analysis_for(page.ids[3:], sizes=(6, 5, 5)), question=question.pk)
    client.force_login(planner)
    part = section_of(client.get(summary_url(page, question=question.pk)).content.decode())
    assert "Group 3: 5 people" in part and "Group 1: 6 people" in part
    assert "Group 1: 12 people" not in part
    # The other question was never computed: pending.
    other = page.ordered_questions[0]
    part = section_of(client.get(summary_url(page, question=other.pk)).content.decode())
    assert "Not computed yet" in part
    assert refreshes == [page.pk]


@pytest.mark.parametrize(
    "params",
    [{"section": "SECTION"}, {"tag": "Agua"}, {"since": "2024-03-01"}, {"until": "2030-01-01"}],
)
def test_other_filters_say_groups_are_per_consultation_and_question(
    client, planner, page, refreshes, params
):
    store(page, analysis_for(page.ids))
    params = {k: page.ordered_sections[0].pk if v == "SECTION" else v for k, v in params.items()}
    client.force_login(planner)
    part = section_of(client.get(summary_url(page, **params)).content.decode())
    assert "computed for the whole consultation and for each question only" in part
    assert "Group 1" not in part
    assert refreshes == []


@pytest.mark.parametrize(
    ("status", "says", "absent"),
    [
        ("no_reactions", "Nobody has reacted to a published comment here yet", "Group 1"),
        ("too_few_people", "Too few people to show groups", "Group 1"),
        ("one_group", "Everyone placed reacted alike", "Most divisive"),
    ],
)
def test_each_status_has_its_sentence(client, planner, page, refreshes, status, says, absent):
    store(page, analysis_for(page.ids, sizes=(20,), status=status))
    client.force_login(planner)
    part = section_of(client.get(summary_url(page)).content.decode())
    assert says in part
    assert absent not in part
    assert 'role="img"' not in part  # no map but with groups to tell apart
    if status == "one_group":
        assert "Bridging comments" in part and BODIES[-1] in part


def test_the_summary_reads_in_the_same_number_of_queries_whatever_the_groups(
    client, planner, page, make_user, refreshes, django_assert_num_queries
):
    client.force_login(planner)
    store(page, analysis_for(page.ids[:3], sizes=(5, 5)))
    client.get(summary_url(page))  # warm the caches a first view fills
    with CaptureQueriesContext(connection) as small:
        assert client.get(summary_url(page)).status_code == 200
    store(page, analysis_for(page.ids, sizes=(30, 20, 10, 9, 6), extra_comments=4))
    with django_assert_num_queries(len(small.captured_queries)):
        html = client.get(summary_url(page)).content.decode()
    assert "Group 5: 6 people" in html


# -- privacy -------------------------------------------------------------------


def test_no_group_under_the_minimum_shows_anywhere(client, planner, page, refreshes, settings):
    analysis = analysis_for(page.ids, sizes=(12, 8, 3))
    analysis["membership"] = {"501": 1, "502": 3}  # never stored; never shown if it were
    store(page, analysis)
    client.force_login(planner)
    part = section_of(client.get(summary_url(page)).content.decode())
    assert "Group 3" not in part
    assert "1 group of fewer than 5 people is not shown." in part
    assert part.count('class="chart-legend__entry"') == 2
    api = client.get(api_url(page)).json()
    assert [g["number"] for g in api["groups"]] == [1, 2]
    assert {c["group"] for c in api["map"]["cells"]} == {1, 2}
    assert all(g["number"] != 3 for g in api["bridging"][0]["groups"])
    assert "membership" not in api and "501" not in str(api)
    rows = zip_rows(client, page, "opinion_group_comments.csv")
    assert all(row[1] != "3" for row in rows[1:])
    # A larger minimum set since leaves out more, at once.
    settings.PUENTE_OPINION_GROUPS = {**settings.PUENTE_OPINION_GROUPS, "min_group": 9}
    api = client.get(api_url(page)).json()
    assert [g["number"] for g in api["groups"]] == [1]
    settings.PUENTE_OPINION_GROUPS = {**settings.PUENTE_OPINION_GROUPS, "min_group": 50}
    api = client.get(api_url(page)).json()
    assert api["status"] == "too_few_people" and api["groups"] == [] and api["map"]["cells"] == []


def test_visible_keeps_only_known_figures():
    analysis = analysis_for([1, 2, 3])
    analysis["groups"][0]["members"] = [7, 8]
    analysis["participants"] = {"7": 1}  # the command's form: never served
    shown = visible(analysis, minimum=5)
    assert "members" not in shown["groups"][0]
    assert shown["participants"] == 0
    assert set(shown) == {
        "status", "settings", "participants", "grouped", "left_out", "comments", "reactions",
        "rule", "groups", "hidden_groups", "bridging", "divisive", "map",
    }  # fmt: skip
    assert visible({"status": "nonsense"})["status"] == "no_reactions"
    assert visible(None)["groups"] == []


def test_a_comment_no_longer_published_leaves_every_list(client, planner, page, refreshes):
    ids = [page.hidden_id, *page.ids]
    store(page, analysis_for(ids))
    client.force_login(planner)
    part = section_of(client.get(summary_url(page)).content.decode())
    assert "Compra seguidores" not in part and f"/c/{page.hidden_id}/" not in part
    data = client.get(api_url(page)).json()
    assert data["groups"][0]["representative"] == []
    assert data["groups"][1]["representative"][0]["comment"]["id"] == page.ids[0]


# -- the API -------------------------------------------------------------------


def test_the_api_serves_the_stored_groups_with_comments_named(client, planner, page, refreshes):
    store(page, analysis_for(page.ids))
    client.force_login(planner)
    data = client.get(api_url(page)).json()
    assert data["status"] == "groups" and data["current"] is True
    assert data["computed_at"].startswith("2024-03-06T")
    assert data["consultation"] == page.pk and data["question"] is None
    assert (data["participants"], data["grouped"], data["left_out"]) == (23, 20, 3)
    assert data["settings"] == {"min_votes": 7, "min_group": 5, "max_groups": 5}
    first = data["groups"][0]["representative"][0]
    assert first["comment"]["id"] == page.ids[0]
    assert first["comment"]["excerpt"] == BODIES[0]
    assert first["comment"]["url"].endswith(f"/c/{page.ids[0]}/")
    assert first["comment"]["anchor"] == "¿Qué falta en tu calle?"
    assert first["direction"] == "agree"
    assert first["inside"] == {"agree": 9, "disagree": 1, "seen": 11, "rate": 0.8182}
    assert data["bridging"][0]["comment"]["id"] == page.ids[-1]
    assert [g["number"] for g in data["bridging"][0]["groups"]] == [1, 2]
    assert data["divisive"][0]["comment"]["id"] == page.ids[-2]
    assert data["map"]["grid"] == 24 and len(data["map"]["cells"]) == 4
    assert set(data["map"]["cells"][0]) == {"x", "y", "group", "count"}


def test_the_api_for_one_question(client, planner, page, refreshes):
    question = page.ordered_questions[0]
    store(page, analysis_for(page.ids[:3], sizes=(5, 5)), question=question.pk)
    client.force_login(planner)
    data = client.get(api_url(page), {"question": question.pk}).json()
    assert data["question"] == question.pk
    assert [g["size"] for g in data["groups"]] == [5, 5]


def test_never_computed_is_pending_with_a_refresh_requested(client, planner, page, refreshes):
    client.force_login(planner)
    response = client.get(api_url(page))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "pending" and data["computed_at"] is None
    assert data["groups"] == [] and data["map"] == {"grid": 0, "cells": []}
    assert refreshes == [page.pk]


@pytest.mark.parametrize("question", ["abc", str(2**63), "-1", "1.0", "OTHER"])
def test_a_bad_question_is_refused_in_the_envelope(
    client, planner, page, refreshes, make_consultation, question
):
    if question == "OTHER":
        question = make_consultation(questions=["¿Otra?"]).ordered_questions[0].pk
    client.force_login(planner)
    response = client.get(api_url(page), {"question": question})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "question" in body["errors"]
    assert refreshes == []


def test_the_api_refuses_others_and_unknown_consultations(client, make_user, page, planner):
    client.force_login(make_user(CITIZEN))
    assert client.get(api_url(page)).status_code == 403
    client.force_login(planner)
    missing = reverse("api-consultation-opinion-groups", args=[page.pk + 1000])
    assert client.get(missing).status_code == 404


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/consultations/{consultation_id}/opinion-groups/"]["get"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["question"]
    assert {"200", "400", "403", "404"} <= set(operation["responses"])
    body = schema["components"]["schemas"]["OpinionGroups"]
    assert {"status", "computed_at", "current", "groups", "bridging", "divisive", "map"} <= set(
        body["properties"]
    )


# -- the files -----------------------------------------------------------------


def zip_rows(client, page, name, **params):
    url = reverse("summaries_admin:export", args=[page.pk, "zip"])
    response = client.get(url, params)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_the_zip_has_the_groups_and_their_comments(client, planner, page, refreshes):
    store(page, analysis_for(page.ids))
    client.force_login(planner)
    figures = dict(zip_rows(client, page, "opinion_groups.csv")[1:])
    assert figures["People in the groups"] == "20"
    assert figures["Group 1: people"] == "12" and figures["Group 2: people"] == "8"
    rows = zip_rows(client, page, "opinion_group_comments.csv")
    assert rows[0][:3] == ["List", "Group", "Comment"]
    first = [row for row in rows if row[0] == "Group 1: representative"]
    assert [row[1] for row in first] == ["1", "Others (not 1)"]
    assert first[0][2] == str(page.ids[0]) and first[0][5:9] == ["9", "1", "11", "82"]
    assert first[0][-1].endswith(f"/c/{page.ids[0]}/")
    bridging = [row for row in rows if row[0] == "Bridging"]
    assert [row[1] for row in bridging] == ["1", "2"]
    assert {row[0] for row in rows[1:]} >= {"Divisive"}


def test_the_files_say_why_there_are_no_groups(client, planner, page, refreshes):
    client.force_login(planner)
    assert zip_rows(client, page, "opinion_groups.csv") == [["Figure", "Value"]]
    url = reverse("summaries_admin:export", args=[page.pk, "xlsx"])
    section = page.ordered_sections[0].pk
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url, {"section": section}).content))
    sheet = workbook["Opinion groups"]
    assert "whole consultation and each question only" in sheet.cell(2, 1).value
    store(page, analysis_for(page.ids))
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url).content))
    rows = list(workbook["Opinion group comments"].values)
    assert rows[1][0] == "Group 1: representative"
    assert workbook["Opinion group comments"].cell(2, 11).hyperlink is not None


# -- the public report -----------------------------------------------------------


def test_a_closed_consultation_shows_its_groups_by_their_comments(client, page, refreshes):
    store(page, analysis_for(page.ids))
    html = client.get(page.url).content.decode()
    start = html.index('id="opinion-groups"')
    part = html[start : html.index("</section>\n", html.index("What every group agreed with"))]
    assert "not the whole population" in part
    assert "Group 1: 12 people" in part and "Group 2: 8 people" in part
    assert BODIES[0] in part and "82 % of this group agreed, against 20 % of the others." in part
    assert "55 % of this group disagreed" not in part
    assert "9 % of this group disagreed, against 60 % of the others." in part
    assert BODIES[-1] in part and "Group 1: 80 % agreed" in part
    assert part.count('role="img"') == 1 and "The groups on the map" in part
    assert f"/c/{page.ids[0]}/" in part
    # Never who: no author names in the section, no hidden comment.
    assert "Ana" not in part and "Compra seguidores" not in html
    assert "css/response.css" in html


def test_the_contents_list_leads_to_the_groups(client, page, refreshes):
    store(page, analysis_for(page.ids))
    html = client.get(page.url).content.decode()
    start = html.index('id="toc-title"')
    toc = html[start : html.index("</nav>", start)]
    assert 'href="#opinion-groups"' in toc


def test_one_group_says_most_reacted_alike_with_the_bridging_comments(client, page, refreshes):
    store(page, analysis_for(page.ids, sizes=(20,), status="one_group"))
    html = client.get(page.url).content.decode()
    assert "Most people reacted alike" in html
    assert BODIES[-1] in html and 'role="img"' not in html


@pytest.mark.parametrize("status", ["no_reactions", "too_few_people"])
def test_no_groups_no_section(client, page, refreshes, status):
    store(page, analysis_for(page.ids, status=status))
    html = client.get(page.url).content.decode()
    assert 'id="opinion-groups"' not in html


def test_an_open_consultation_shows_no_groups_and_asks_nothing(client, page, refreshes):
    store(page, analysis_for(page.ids))
    page.closes_at = timezone.now() + timedelta(days=3)
    page.save(update_fields=["closes_at"])
    html = client.get(page.url).content.decode()
    assert 'id="opinion-groups"' not in html and "How people reacted" not in html
    assert refreshes == []


def test_a_closed_consultation_asks_for_a_refresh_when_stale(client, page, refreshes):
    html = client.get(page.url).content.decode()
    assert 'id="opinion-groups"' not in html
    assert refreshes == [page.pk]
    store(page, analysis_for(page.ids), cursor=-1)
    html = client.get(page.url).content.decode()
    assert 'id="opinion-groups"' in html
    assert refreshes == [page.pk, page.pk]


def test_the_public_page_reads_in_the_same_number_of_queries(
    client, page, refreshes, django_assert_num_queries
):
    store(page, analysis_for(page.ids[:3], sizes=(5, 5)))
    client.get(page.url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(page.url).status_code == 200
    store(page, analysis_for(page.ids, sizes=(30, 20, 10, 9, 6), extra_comments=4))
    with django_assert_num_queries(len(small.captured_queries)):
        html = client.get(page.url).content.decode()
    assert "Group 5: 6 people" in html


# -- the map ---------------------------------------------------------------------


def test_marks_have_the_area_of_their_count_and_a_shape_per_group():
    cells = [
        {"x": 0.0, "y": 0.0, "group": 1, "count": 16},
        {"x": 1.0, "y": 1.0, "group": 1, "count": 4},
        {"x": 0.5, "y": 0.5, "group": 2, "count": 4},
        {"x": 0.5, "y": 0.5, "group": 9, "count": 50},  # a group not shown
    ]
    drawn = opinion_map("m", [(1, 20), (2, 5)], cells, 24)
    assert len(drawn.marks) == 3
    big, *small = drawn.marks
    # Largest first (drawn under the rest); radius ∝ √count: area ∝ count.
    assert big.count == 16 and all(m.r == pytest.approx(big.r / 2, abs=0.1) for m in small)
    # x left to right, y bottom to top in the drawing's coordinates.
    assert (big.x, big.y) == (16, 416)
    assert [g.shape for g in drawn.groups] == [SHAPES[0], SHAPES[1]]
    assert drawn.marks[1].points == "" and drawn.marks[2].points.count(",") == 4
    # Count-weighted centres, in the unit square, also said in words.
    assert (drawn.groups[0].centre_x, drawn.groups[0].centre_y) == (0.2, 0.2)
    assert "Group 2: 5 people, centred at x 0.50, y 0.50." in drawn.description
    assert opinion_map("m", [(1, 20)], [], 24) is None


def test_every_group_number_has_a_shape_of_the_same_area():
    from summaries.opinion_map import polygon

    def area(points):
        corners = [tuple(map(float, p.split(","))) for p in points.split()]
        pairs = zip(corners, corners[1:] + corners[:1], strict=True)
        return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairs)) / 2

    for shape in SHAPES[1:]:
        assert area(polygon(shape, 100, 100, 10)) == pytest.approx(314.16, rel=0.01), shape
    assert len(set(SHAPES)) == 5
