"""The summary in the admin and the API, and its CSV and XLSX files: what a
planner reads, filters and downloads; bad filters; who may not."""

import csv
import io
import re
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from accounts.roles import EDITOR, MODERATOR, PLANNER

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(make_user):
    return make_user(PLANNER)


@pytest.fixture
def english(planner):
    """The planner reads the admin in English (their Wagtail preference:
    /admin/ has no language prefix, so it is otherwise the site's Spanish)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(planner)
    profile.preferred_language = "en"
    profile.save()
    return planner


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
    assert f"/c/{data.id('c1')}/" in page
    assert "Compra seguidores" not in page  # the hidden comment is never named
    assert reverse("summaries_admin:export", args=[data.consultation.pk, "zip"]) in page


def test_a_question_filter_narrows_the_page(client, planner, data):
    client.force_login(planner)
    question = data.anchors["q2"]["question"]
    page = client.get(summary_url(data, question=question.pk)).content.decode()
    assert f"/c/{data.id('c4')}/" in page
    assert f"/c/{data.id('c1')}/" not in page
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


def export_url(data, kind):
    return reverse("summaries_admin:export", args=[data.consultation.pk, kind])


def csv_files(response):
    """{file name: rows} of a ZIP of CSV files, each checked to start with
    a byte order mark."""
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {}
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8")
        assert text.startswith("\ufeff"), name
        files[name] = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    return files


TABLE_FILES = [
    "overview.csv",
    "daily.csv",
    "questions_and_sections.csv",
    "themes.csv",
    "terms.csv",
    "moderation_by_reason.csv",
    "comments.csv",
    "opinion_groups.csv",
    "opinion_group_comments.csv",
]


def test_the_csv_download_is_a_zip_of_one_file_per_table(client, english, data):
    data.comments["c1"].body = '=HYPERLINK("http://evil.example","clic")'
    data.comments["c1"].save(update_fields=["body"])
    client.force_login(english)
    response = client.get(export_url(data, "zip"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert disposition.endswith('-summary.zip"')
    files = csv_files(response)
    assert sorted(files) == sorted(TABLE_FILES)
    # One header row each, then rows as wide as it: no table stacked under another.
    for name, rows in files.items():
        assert rows, name
        assert all(len(row) == len(rows[0]) for row in rows), name
    assert files["daily.csv"][1:] == [
        ["2024-03-01", "2", "0"], ["2024-03-02", "1", "1"], ["2024-03-03", "1", "0"],
        ["2024-03-04", "0", "1"],
    ]  # fmt: skip
    assert files["moderation_by_reason.csv"] == [
        ["Reason", "Flags", "Flagged comments"],
        ["Spam", "2", "1"], ["Abusive or offensive", "1", "1"], ["Off topic", "1", "1"],
    ]  # fmt: skip
    # Links are absolute, to the comment in its thread.
    links = [row[-1] for row in files["comments.csv"][1:]]
    assert links and all(link.startswith("http://testserver/") for link in links)
    assert all(re.search(r"/c/\d+/$", link) for link in links)
    formula_cells = [cell for row in files["comments.csv"] for cell in row if "HYPERLINK" in cell]
    assert formula_cells and all(cell.startswith("'=") for cell in formula_cells)


def test_the_former_csv_address_sends_to_the_zip_with_its_filters(client, planner, data):
    client.force_login(planner)
    question = data.anchors["q2"]["question"]
    response = client.get(export_url(data, "csv"), {"question": question.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{export_url(data, 'zip')}?question={question.pk}"
    files = csv_files(client.get(response["Location"]))
    named = {row[1] for row in files["comments.csv"][1:]}
    assert named == {str(data.id("c4"))}


def xlsx_book(response):
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_xlsx_has_dates_links_text_as_text_and_no_empty_sheet(client, english, data):
    data.comments["c1"].body = "=1+1"
    data.comments["c1"].save(update_fields=["body"])
    client.force_login(english)
    response = client.get(export_url(data, "xlsx"))
    assert response.status_code == 200
    raw = zipfile.ZipFile(io.BytesIO(response.content))
    sheets = [name for name in raw.namelist() if name.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 9
    assert not any(b"<f>" in raw.read(name) for name in sheets)  # no formula anywhere
    book = xlsx_book(response)
    # Every sheet has a header row and at least one row under it.
    assert all(sheet.max_row >= 2 for sheet in book.worksheets)
    days = book["Per day"]
    assert days["A2"].is_date and days["A2"].value.date() == date(2024, 3, 1)
    assert days["A2"].number_format == "yyyy-mm-dd"
    named = book["Comments named"]
    links = [row[-1] for row in named.iter_rows(min_row=2)]
    assert links and all(cell.hyperlink is not None for cell in links)
    # A permalink has no fragment; a link with one keeps it as the location.
    assert all(
        cell.hyperlink.target + (f"#{cell.hyperlink.location}" if cell.hyperlink.location else "")
        == cell.value
        for cell in links
    )
    assert all(cell.value.startswith("http://testserver/") for cell in links)
    texts = [cell.value for row in named.iter_rows(min_row=2) for cell in row]
    assert "=1+1" in texts  # stored as a string, not a formula


def test_a_table_with_nothing_says_so_in_its_sheet(client, english, data):
    client.force_login(english)
    # Comments of one day with no flag on them: no row by reason.
    response = client.get(export_url(data, "xlsx"), {"since": "2024-03-04"})
    book = xlsx_book(response)
    reasons = book["Moderation by reason"]
    assert [cell.value for cell in reasons[2]][:1] == ["No comment in these figures was flagged."]
    assert book["Themes"]["A2"].value == "No comment has a theme yet."
    # The CSV file keeps its header alone, for programs that read it.
    files = csv_files(client.get(export_url(data, "zip"), {"since": "2024-03-04"}))
    assert files["moderation_by_reason.csv"] == [["Reason", "Flags", "Flagged comments"]]


def test_bad_file_formats_and_filters_in_exports(client, planner, data):
    client.force_login(planner)
    assert client.get(export_url(data, "pdf")).status_code == 404
    response = client.get(export_url(data, "zip"), {"since": "nope"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_long_tables_are_folded_and_charts_have_legends(client, english, data, monkeypatch):
    client.force_login(english)
    page = client.get(summary_url(data)).content.decode()
    # Four days: the table is short enough to show.
    assert 'id="per-day-table"' not in page
    # Each chart with several series names them with their numbers.
    assert page.count('class="chart-legend"') == 2
    assert "Agree</span>" in page and "15 (68 %)" in page
    assert 'id="chart-per-day-second"' in page  # replies are hatched, not only coloured
    monkeypatch.setattr("summaries.admin_views.LONG_TABLE", 3)
    page = client.get(summary_url(data)).content.decode()
    folded = page.split('<details class="summary-table" id="per-day-table">')[1]
    assert folded.lstrip().startswith("<summary>Show the table of all 4 days</summary>")
    assert folded.index("</table>") < folded.index("</details>")


@pytest.mark.parametrize("expected", ["agree: 6, disagree: 1, pass: 0", "1 reply"])
def test_numbers_read_right_in_english(client, english, data, expected):
    client.force_login(english)
    page = client.get(summary_url(data)).content.decode()
    assert expected in page
    assert " 1 replies" not in page and " 1 comments" not in page


def test_the_per_day_description_agrees_with_its_number():
    from types import SimpleNamespace

    from django.utils import translation

    from summaries.admin_views import per_day_description

    def summary(total, days):
        per_day = [SimpleNamespace(total=total if n == 0 else 0) for n in range(days)]
        participation = SimpleNamespace(comments=total, replies=0)
        return SimpleNamespace(participation=participation, per_day=per_day)

    with translation.override("en"):
        assert per_day_description(summary(1, 1)) == (
            "1 published comment or reply over 1 day; the busiest day had 1."
        )
        assert per_day_description(summary(5, 3)).startswith(
            "5 published comments and replies over 3 days;"
        )


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
