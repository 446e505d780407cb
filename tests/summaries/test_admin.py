"""The summary in the admin and the API, and its CSV and XLSX files: what a
planner reads, filters and downloads; bad filters; who may not."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from accounts.roles import EDITOR, MODERATOR, PLANNER

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(make_user):
    return make_user(PLANNER)


def summary_url(data, **params):
    url = reverse("summaries_admin:summary", args=[data.consultation.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_planner_reads_the_summary_with_charts_tables_and_links(client, planner, data):
    client.force_login(planner)
    response = client.get(summary_url(data))
    assert response.status_code == 200
    page = response.content.decode()
    # The figures, the charts with their names, and the links to threads.
    assert "<dd>13</dd>" in page  # people who took part
    assert page.count('role="img"') == 5
    assert f"#comment-{data.id('c1')}" in page
    assert "Compra seguidores" not in page  # the hidden comment is never named
    assert reverse("summaries_admin:export", args=[data.consultation.pk, "csv"]) in page


def test_a_question_filter_narrows_the_page(client, planner, data):
    client.force_login(planner)
    question = data.anchors["q2"]["question"]
    page = client.get(summary_url(data, question=question.pk)).content.decode()
    assert f"#comment-{data.id('c4')}" in page
    assert f"#comment-{data.id('c1')}" not in page
    assert "¿Dónde hacen falta ciclovías?" not in page.split('id="anchors-heading"')[1]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"question": "999999"}, "question"),
        ({"question": "abc"}, "question"),
        ({"since": "2024-13-01"}, "since"),
        ({"since": "2024-03-05", "until": "2024-03-01"}, "until"),
        ({"tag": "x" * 101}, "tag"),
    ],
)
def test_bad_filters_are_named_and_nothing_is_summed(client, planner, data, params, field):
    client.force_login(planner)
    response = client.get(summary_url(data, **params))
    assert response.status_code == 200
    assert 'id="summary-errors"' in response.content.decode()
    assert response.context["summary"] is None
    api = client.get(reverse("api-consultation-summary", args=[data.consultation.pk]), params)
    assert api.status_code == 400
    assert field in api.json()["errors"]


def test_question_and_section_together_are_refused(client, planner, data):
    client.force_login(planner)
    question, section = data.anchors["q1"]["question"], data.anchors["s1"]["section"]
    response = client.get(
        reverse("api-consultation-summary", args=[data.consultation.pk]),
        {"question": question.pk, "section": section.pk},
    )
    assert response.status_code == 400
    assert "section" in response.json()["errors"]


def test_the_csv_holds_every_table_and_cannot_run_formulas(client, planner, data):
    data.comments["c1"].body = '=HYPERLINK("http://evil.example","clic")'
    data.comments["c1"].save(update_fields=["body"])
    client.force_login(planner)
    response = client.get(reverse("summaries_admin:export", args=[data.consultation.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["Participación"] in rows or ["Participation"] in rows or rows[0]
    assert any(row[:2] == ["2024-03-01", "2"] for row in rows)
    formula_cells = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert formula_cells and all(cell.startswith("'=") for cell in formula_cells)


def test_the_csv_follows_the_filters(client, planner, data):
    client.force_login(planner)
    question = data.anchors["q2"]["question"]
    url = reverse("summaries_admin:export", args=[data.consultation.pk, "csv"])
    rows = list(
        csv.reader(io.StringIO(client.get(url, {"question": question.pk}).content.decode()))
    )
    named = {row[1] for row in rows if len(row) == 10 and row[1].isdigit()}
    assert named == {str(data.id("c4"))}


def test_the_xlsx_has_one_sheet_per_table_with_text_as_text(client, planner, data):
    data.comments["c1"].body = "=1+1"
    data.comments["c1"].save(update_fields=["body"])
    client.force_login(planner)
    response = client.get(reverse("summaries_admin:export", args=[data.consultation.pk, "xlsx"]))
    assert response.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(response.content))
    sheets = [name for name in book.namelist() if name.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 7
    strings = book.read("xl/sharedStrings.xml").decode()
    assert "=1+1" in strings  # stored as a string, not a formula
    assert not any(b"<f>" in book.read(name) for name in sheets)


def test_bad_file_formats_and_filters_in_exports(client, planner, data):
    client.force_login(planner)
    unknown = reverse("summaries_admin:export", args=[data.consultation.pk, "pdf"])
    assert client.get(unknown).status_code == 404
    url = reverse("summaries_admin:export", args=[data.consultation.pk, "csv"])
    response = client.get(url, {"since": "nope"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_the_api_answers_the_same_figures(client, planner, data):
    client.force_login(planner)
    body = client.get(reverse("api-consultation-summary", args=[data.consultation.pk])).json()
    assert body["participation"] == {
        "comments": 4, "replies": 2, "commenters": 5, "participants": 13, "reactions": 22
    }  # fmt: skip
    assert [ref["id"] for ref in body["most_divisive"]] == data.ids("c2", "c4")
    first_reason = body["moderation"]["by_reason"][0]
    assert (first_reason["reason"], first_reason["flags"], first_reason["comments"]) == (
        "spam", 2, 1
    )  # fmt: skip
    assert [a["kind"] for a in body["anchors"]] == ["question", "question", "section"]
    assert body["scope"]["consultation"] == data.consultation.pk


def test_the_api_for_an_unknown_consultation(client, planner):
    client.force_login(planner)
    assert client.get(reverse("api-consultation-summary", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", [None, "citizen", MODERATOR])
def test_only_planners_and_editors_read_summaries(client, make_user, data, role):
    if role:
        client.force_login(make_user(role))
    api = client.get(reverse("api-consultation-summary", args=[data.consultation.pk]))
    assert api.status_code == 403
    page = client.get(summary_url(data))
    # The admin sends people without admin access to sign in; a moderator
    # reaches it and is refused.
    assert page.status_code == (403 if role == MODERATOR else 302)
    assert b"summary-figures" not in page.content


@pytest.mark.parametrize("role", [PLANNER, EDITOR])
def test_planners_and_editors_see_the_menu_and_the_list(client, make_user, data, role):
    client.force_login(make_user(role))
    response = client.get(reverse("summaries_admin:index"))
    assert response.status_code == 200
    assert data.consultation.title in response.content.decode()
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("summaries_admin:index") in menu


def test_a_blocked_planner_is_refused(client, make_user, data):
    client.force_login(make_user(PLANNER, blocked=True))
    assert client.get(summary_url(data)).status_code == 403
    api = client.get(reverse("api-consultation-summary", args=[data.consultation.pk]))
    assert api.status_code == 403


def test_the_page_reads_in_a_fixed_number_of_queries(
    client, planner, data, django_assert_max_num_queries
):
    client.force_login(planner)
    with django_assert_max_num_queries(40):
        assert client.get(summary_url(data)).status_code == 200
