"""A planner's journey in a real browser against a real server, with the
admin in Spanish and in English, on a desktop (1,280 px) and a phone
(390 px): open a consultation's summary, read the reactions' legend (no
label cut, whatever the width), find the long per-day table folded and open
it, filter by question, and download the tables as a ZIP of CSV files and
as XLSX. axe finds nothing serious or critical at either width."""

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from accounts.roles import CITIZEN, PLANNER
from comments import actions as comment_actions
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import in_thread, sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page
from tests.summaries.opinion_fixtures import analysis_for, store

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 390)
# Whether an element's text fits its box: nothing cut or hidden.
FITS = "element => element.scrollWidth <= element.clientWidth + 1"


@pytest.fixture
def summary_site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    # Open for 20 days: more days than a table shows unfolded.
    page = ConsultationPageFactory(
        parent=index,
        title="Movilidad",
        questions=["¿Dónde hacen falta ciclovías?", "¿Qué transporte falta?"],
        opens_at=timezone.now() - timedelta(days=20),
    )
    cycling, transport = (question.pk for question in page.ordered_questions)
    people = [verified_user(f"p{n}@example.com", f"Persona {n}", CITIZEN) for n in range(3)]

    def say(person, **fields):
        return in_thread(comment_actions.do_post_comment, person, page, **fields)

    comments = {
        "cycling": say(people[0], body="Una ciclovía en Juárez.", question=cycling),
        "also": say(people[1], body="Otra ciclovía en Hidalgo.", question=cycling),
        "transport": say(people[2], body="Camiones de noche.", question=transport),
    }
    # One disagreement and one pass: the parts whose labels used to be cut.
    for person, comment, stance in (
        (people[1], comments["cycling"], "agree"),
        (people[2], comments["cycling"], "agree"),
        (people[2], comments["also"], "agree"),
        (people[0], comments["also"], "pass"),
        (people[1], comments["transport"], "agree"),
        (people[0], comments["transport"], "disagree"),
    ):
        in_thread(comment_actions.do_react, person, comment, stance)
    # Opinion groups as the background task stores them: axe checks their section too.
    store(page, analysis_for([comment.pk for comment in comments.values()]))
    return {"server": asgi_server, "page": page, "transport_question": transport, **comments}


def planner(language):
    user = verified_user("plan@example.com", "Plena", PLANNER)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    return user


def settled_box(tab, locator):
    """The element's box once the layout stopped moving (the admin's menu
    slides away when the window narrows)."""
    box = locator.bounding_box()
    for _attempt in range(20):
        tab.wait_for_timeout(100)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    return box


def assert_nothing_cut(tab):
    """Every legend entry of the reactions and per-day charts is whole:
    its text fits its box, and its box lies within the chart's."""
    for chart in ("chart-stance", "chart-per-day"):
        figure = tab.locator(f"figure:has(#{chart}-title)")
        frame = settled_box(tab, figure)
        labels = figure.locator(".chart-legend__label, .chart-legend__value")
        assert labels.count() >= 2, chart
        for label in labels.all():
            assert label.evaluate(FITS), label.inner_text()
            box = label.bounding_box()
            assert box["x"] >= frame["x"] - 1, label.inner_text()
            assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, label.inner_text()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", {"legend": ["De acuerdo", "En desacuerdo", "Paso"], "days": "21"}),
        ("en", {"legend": ["Agree", "Disagree", "Pass"], "days": "21 days"}),
    ],
)
def test_a_planner_reads_and_downloads_the_summary(summary_site, browser, language, words):
    site = summary_site
    base = site["server"].url
    planner(language)
    context = browser.new_context(accept_downloads=True)
    try:
        tab = context.new_page()
        sign_in(tab, base + ("" if language == "es" else "/en"), "plan@example.com")
        tab.goto(base + reverse("summaries_admin:summary", args=[site["page"].pk]))
        tab.wait_for_selector("#participation-heading")
        assert tab.locator("html").get_attribute("lang").startswith(language)
        assert tab.locator(".summary-figures dd").first.inner_text() == "3"

        stance = tab.locator("figure:has(#chart-stance-title) .chart-legend__label")
        assert stance.all_inner_texts() == words["legend"]
        # The per-day chart tells comments from replies.
        assert tab.locator("figure:has(#chart-per-day-title) .chart-legend__entry").count() == 2

        # The per-day table (21 days) is folded; its summary opens it.
        days = tab.locator("#per-day-table")
        assert days.get_attribute("open") is None
        assert not days.locator("table").is_visible()
        assert words["days"] in days.locator("summary").inner_text()
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 900})
            assert_nothing_cut(tab)
            assert axe_violations(tab) == [], width
        days.locator("summary").click()
        assert days.locator("table").is_visible()
        assert days.locator("tbody tr").count() == 21

        # Filtered by question, the files follow the filter.
        tab.set_viewport_size({"width": 1280, "height": 900})
        tab.select_option("#id_question", str(site["transport_question"]))
        tab.locator(".summary-filters button[type=submit]").click()
        tab.wait_for_url(lambda url: f"question={site['transport_question']}" in url)
        with tab.expect_download() as download:
            tab.locator(".summary-downloads a[href*='export.zip']").click()
        assert download.value.suggested_filename.endswith("-summary.zip")
        archive = zipfile.ZipFile(download.value.path())
        assert "daily.csv" in archive.namelist() and "comments.csv" in archive.namelist()
        rows = list(csv.reader(io.StringIO(archive.read("comments.csv").decode("utf-8-sig"))))
        assert {row[1] for row in rows[1:]} == {str(site["transport"].pk)}
        assert all(row[-1].startswith(base) for row in rows[1:])
        with tab.expect_download() as download:
            tab.locator(".summary-downloads a[href*='export.xlsx']").click()
        assert download.value.suggested_filename.endswith("-summary.xlsx")
        assert Path(download.value.path()).read_bytes()[:2] == b"PK"
    finally:
        context.close()
