"""The planners' summary in a real browser against a real server: a planner
opens a consultation's summary, filters it by question, and downloads it as
CSV; axe-core passes on the summary page."""

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.roles import CITIZEN, PLANNER
from comments import actions as comment_actions
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import in_thread, sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e


@pytest.fixture
def summary_site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    page = ConsultationPageFactory(
        parent=index,
        title="Movilidad",
        questions=["¿Dónde hacen falta ciclovías?", "¿Qué transporte falta?"],
    )
    cycling, transport = (question.pk for question in page.ordered_questions)
    verified_user("plan@example.com", "Plena", PLANNER)
    people = [verified_user(f"p{n}@example.com", f"Persona {n}", CITIZEN) for n in range(3)]

    def say(person, page, **fields):
        return in_thread(comment_actions.do_post_comment, person, page, **fields)

    comments = {
        "cycling": say(people[0], page, body="Una ciclovía en Juárez.", question=cycling),
        "also": say(people[1], page, body="Otra ciclovía en Hidalgo.", question=cycling),
        "transport": say(people[2], page, body="Camiones de noche.", question=transport),
    }
    for person, comment, stance in (
        (people[1], comments["cycling"], "agree"),
        (people[2], comments["cycling"], "agree"),
        (people[0], comments["transport"], "disagree"),
    ):
        in_thread(comment_actions.do_react, person, comment, stance)
    return {"server": asgi_server, "page": page, "transport_question": transport, **comments}


def test_a_planner_reads_filters_and_downloads_the_summary(summary_site, browser):
    site = summary_site
    base = site["server"].url
    context = browser.new_context(accept_downloads=True)
    try:
        tab = context.new_page()
        sign_in(tab, base, "plan@example.com")
        tab.goto(base + reverse("summaries_admin:index"))
        tab.locator("a", has_text="Movilidad").click()
        tab.wait_for_selector("#participation-heading")
        assert tab.locator(".summary-figures dd").first.inner_text() == "3"
        assert tab.locator("svg[role=img]").count() == 3  # per day, per question, reactions
        assert axe_violations(tab) == []

        tab.select_option("#id_question", str(site["transport_question"]))
        tab.locator(".summary-filters button[type=submit]").click()
        tab.wait_for_url(lambda url: f"question={site['transport_question']}" in url)
        named = tab.locator(".summary-comment a[href*='#comment-']")
        hrefs = {link.get_attribute("href").rsplit("#", 1)[1] for link in named.all()}
        assert hrefs == {f"comment-{site['transport'].pk}"}
        assert axe_violations(tab) == []

        with tab.expect_download() as download:
            tab.locator("a", has_text="CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        ids = {row[1] for row in rows if len(row) == 10 and row[1].isdigit()}
        assert ids == {str(site["transport"].pk)}
        assert download.value.suggested_filename.endswith("-summary.csv")
    finally:
        context.close()
