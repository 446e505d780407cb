"""The moderators' comment search in a real browser against a real server:
a search folds accents and plurals and highlights them, a facet narrows it,
a decision taken from a result comes back to the same search, themes are
saved from a result, and copy-paste campaigns are listed. axe-core passes on
the search, similar-comments and campaigns pages."""

import pytest
from django.urls import reverse

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.models import CommentStatus
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e
CAMPAIGN = (
    "Exigimos que la ciclovía de la avenida Juárez se construya este mismo año "
    "con separadores físicos y alumbrado"
)


@pytest.fixture
def search_site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    pages = [
        ConsultationPageFactory(parent=index, title=title, questions=["¿Qué cambiarías?"])
        for title in ("Movilidad", "Presupuesto")
    ]
    moderator = verified_user("mod@example.com", "Mora", MODERATOR)
    people = [verified_user(f"p{n}@example.com", f"Persona {n}", CITIZEN) for n in range(3)]

    def say(person, page, body):
        question = page.ordered_questions[0].pk
        return comment_actions.do_post_comment(person, page, body=body, question=question)

    comments = {
        "plural": say(people[0], pages[0], "Más participaciones de los vecinos: 2 < 3 & 5 > 4."),
        "accent": say(people[1], pages[1], "La participacion del barrio importa."),
        "other": say(people[2], pages[0], "Más árboles en el parque."),
    }
    for person in people:
        say(person, pages[0], CAMPAIGN)
    return {"server": asgi_server, "pages": pages, "moderator": moderator, **comments}


def test_a_moderator_searches_narrows_decides_and_tags(search_site, browser):
    site = search_site
    base = site["server"].url
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "mod@example.com")
        tab.goto(base + reverse("search_admin:search"))
        assert axe_violations(tab) == []

        tab.fill("#id_q", "participación")
        tab.locator("form[role=search] button[type=submit]").click()
        results = tab.locator(".search-results > li")
        results.first.wait_for()
        assert results.count() == 2
        marks = [m.inner_text() for m in tab.locator(".search-highlight mark").all()]
        assert sorted(marks) == ["participacion", "participaciones"]
        # What looks like markup is shown as text.
        assert "2 < 3" in tab.locator(f"#result-{site['plural'].pk}").inner_text()
        assert axe_violations(tab) == []

        # A facet narrows the search to one consultation.
        tab.locator(".search-facets a", has_text="Presupuesto").click()
        tab.wait_for_url(lambda url: "consultation=" in url)
        assert tab.locator(".search-results > li").count() == 1
        here = tab.url

        # A decision from the result comes back to the same search.
        result = tab.locator(f"#result-{site['accent'].pk}")
        result.locator("select[name=reason]").select_option("off_topic")
        result.locator("button[value=hide]").click()
        tab.wait_for_url(here)
        site["accent"].refresh_from_db()
        assert site["accent"].status == CommentStatus.HIDDEN
        assert "oculto" in tab.locator(f"#result-{site['accent'].pk}").inner_text().lower()

        # Themes, saved from the result.
        result = tab.locator(f"#result-{site['accent'].pk}")
        result.locator("input[name=tags]").fill("Participación, Barrios")
        result.locator(".search-themes button").click()
        tab.wait_for_url(here)
        assert sorted(site["accent"].tags.names()) == ["Barrios", "Participación"]
        tab.goto(base + reverse("search_admin:search") + "?tag=barrios")
        assert tab.locator(".search-results > li").count() == 1
    finally:
        context.close()


def test_campaigns_and_similar_comments(search_site, browser):
    base = search_site["server"].url
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "mod@example.com")
        tab.goto(base + reverse("search_admin:duplicates"))
        heading = tab.locator("main h2").first
        assert "3" in heading.inner_text()
        assert tab.locator("main table tbody tr").count() == 3
        assert axe_violations(tab) == []
        tab.locator("main table tbody tr a").first.click()
        tab.wait_for_url(lambda url: "/similar/" in url)
        assert tab.locator("main table tbody tr").count() == 2
        assert axe_violations(tab) == []
    finally:
        context.close()
