"""The published response in a real browser against a real server: anyone
reads what we heard and what we will do, follows a linked comment into its
thread and reads the commitments' timeline; a linked author finds the notice
that leads there. axe-core passes on the public page with the response."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CITIZEN, PLANNER
from comments import actions as comment_actions
from consultations.models import ConsultationPage
from responses import actions as responses
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import in_thread, sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page
from tests.summaries.opinion_fixtures import analysis_for, store

pytestmark = pytest.mark.e2e


@pytest.fixture
def reported_site(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    page = ConsultationPageFactory(
        parent=index, title="Ciclovías", questions=["¿Dónde hacen falta ciclovías?"]
    )
    question = page.ordered_questions[0].pk
    ana = verified_user("ana@example.com", "Ana", CITIZEN)
    beto = verified_user("beto@example.com", "Beto", CITIZEN)
    planner = verified_user("plan@example.com", "Plena", PLANNER)
    said = [
        in_thread(comment_actions.do_post_comment, ana, page, body=body, question=question)
        for body in ("Una ciclovía en la avenida Juárez.", "Y que tenga sombra <b>y árboles</b>.")
    ]
    in_thread(
        comment_actions.do_post_comment,
        beto,
        page,
        body="Prefiero más camiones.",
        question=question,
    )
    # The consultation closes; the planners answer it.
    ConsultationPage.objects.filter(pk=page.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    page.refresh_from_db()
    in_thread(responses.do_save_introduction, planner, page, introduction="Gracias por participar.")
    in_thread(
        responses.do_save_item,
        planner,
        page,
        subject=f"question-{question}",
        heading="",
        what_you_said="Pidieron una ciclovía segura en Juárez.",
        what_we_will_do="La construiremos en 2027 con árboles.",
        comments=", ".join(str(comment.pk) for comment in said),
        themes=[],
    )
    commitment = in_thread(
        responses.do_save_commitment, planner, page, title="Ciclovía de Juárez", items=()
    )
    in_thread(
        responses.do_add_update,
        planner,
        commitment,
        date=timezone.localdate(),
        text="Proyecto ejecutivo terminado.",
        status="in_progress",
        progress="40",
    )
    in_thread(responses.do_publish_response, planner, page)
    # Opinion groups as the background task stores them: axe checks their section too.
    store(page, analysis_for([comment.pk for comment in said]))
    return {"server": asgi_server, "page": page, "said": said}


def test_anyone_reads_the_response_and_its_commitments(reported_site, browser):
    site = reported_site
    base = site["server"].url
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(base + site["page"].url)
        response = tab.locator("#response")
        assert "Pidieron una ciclovía segura en Juárez." in response.inner_text()
        assert "La construiremos en 2027 con árboles." in response.inner_text()
        commitments = tab.locator("#commitments").inner_text()
        assert "Proyecto ejecutivo terminado." in commitments
        assert "40 %" in commitments
        assert tab.locator("#commitments time").count() >= 1
        # The quoted comment as published: the markup its author typed was
        # taken out when it was posted, and none comes back here.
        assert "Y que tenga sombra y árboles." in response.inner_text()
        assert response.locator("q b").count() == 0
        assert axe_violations(tab) == []

        first = site["said"][0]
        # The comment's permalink, which leads to its place in the thread.
        response.locator(f"a[href$='/c/{first.pk}/']").click()
        tab.wait_for_url(lambda url: url.endswith(f"#comment-{first.pk}"))
        assert tab.locator(f"#comment-{first.pk}").is_visible()
    finally:
        context.close()


def test_a_linked_author_is_told_and_led_to_the_response(reported_site, browser):
    site = reported_site
    base = site["server"].url
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, base, "ana@example.com")
        tab.goto(base + reverse("notifications"))
        tab.locator("a[href$='#response']").first.click()
        tab.wait_for_url(lambda url: url.endswith("#response"))
        assert tab.locator("#response-title").is_visible()
        assert axe_violations(tab) == []
    finally:
        context.close()
