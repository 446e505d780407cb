"""A moderator's first minutes in the admin, in a real browser against a real
server, in Spanish and in English (issue 16, item 8): the dashboard shows
the queue at a glance; the queue shows what a reporter wrote and, next to an
appeal, the decision under appeal, with help text on every decision; the
comment search filters by status boxes, a question picked from a list, the
author's name and dates; a copy-paste campaign is hidden in one go. axe-core
finds nothing serious on these pages, and no request leaves the test server
(no avatars from Gravatar, nothing from another host)."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from moderation import actions
from moderation.models import Decision
from tests.e2e.conftest import axe_violations
from tests.e2e.helpers import sign_in, verified_user
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

pytestmark = pytest.mark.e2e
CAMPAIGN = (
    "Exigimos que la ciclovía de la avenida Juárez se construya este mismo año "
    "con separadores físicos y alumbrado"
)
NOTE = "Publica el teléfono de mi vecina: 2 < 3"


@pytest.fixture
def scene(asgi_server, no_rate_limits):
    index = ConsultationIndexPageFactory(parent=home_page())
    page = ConsultationPageFactory(
        parent=index, title="Movilidad", questions=["¿Qué cambiarías?", "¿Qué conservarías?"]
    )
    first, second = page.ordered_questions
    moderator = verified_user("mod@example.com", "Mora", MODERATOR)
    other_moderator = verified_user("mod2@example.com", "Otra Moderadora", MODERATOR)
    people = [verified_user(f"p{n}@example.com", f"Persona {n}", CITIZEN) for n in range(4)]

    def say(person, body, question=first):
        return comment_actions.do_post_comment(person, page, body=body, question=question.pk)

    flagged = say(people[0], "Un comentario con datos de otra persona.", second)
    actions.do_flag(people[1], flagged, reason="other", note=NOTE)
    appealed = say(people[1], "Mi opinión sobre el camión, algo dura.")
    actions.do_decide(
        other_moderator, appealed, action="hide", reason="abusive", note="Cuida el tono."
    )
    actions.do_appeal(people[1], appealed, note="No insulté a nadie.")
    campaign = [say(person, CAMPAIGN) for person in people[1:]]
    return {
        "server": asgi_server,
        "moderator": moderator,
        "question": second,
        "flagged": flagged,
        "appealed": appealed,
        "campaign": campaign,
    }


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_moderators_first_minutes(scene, browser, language):
    base = scene["server"].url
    profile = UserProfile.get_for_user(scene["moderator"])
    profile.preferred_language = language
    profile.save()
    context = browser.new_context()
    hosts = set()
    context.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    try:
        tab = context.new_page()
        sign_in(tab, base, "mod@example.com")

        # The dashboard: the queue at a glance, linking to it.
        tab.goto(base + "/admin/")
        panel = tab.locator("#moderation-queue-section")
        assert "2" in panel.locator(".moderation-panel__total").inner_text()
        kinds = panel.locator(".moderation-panel__kinds li").all_inner_texts()
        assert [k.split(":")[-1].strip() for k in kinds] == ["1", "0", "1"]
        assert axe_violations(tab) == []
        panel.locator(".moderation-panel__total a").click()
        tab.wait_for_url(lambda url: reverse("moderation_admin:queue") in url)

        # The reporter's note, as text.
        flagged = tab.locator(f"#queue-item-{scene['flagged'].pk}")
        assert NOTE in flagged.locator(".queue-item__notes").inner_text()
        # The decision under appeal next to the appeal.
        appealed = tab.locator(f"#queue-item-{scene['appealed'].pk}")
        under_appeal = appealed.locator(".queue-item__appealed-decision").inner_text()
        assert "Otra Moderadora" in under_appeal and "Cuida el tono." in under_appeal
        assert "No insulté a nadie." in appealed.locator(".queue-item__appeal").inner_text()
        # Each decision says what it does, tied to its button.
        for button in appealed.locator(".queue-item__actions button").all():
            described = button.get_attribute("aria-describedby")
            assert tab.locator(f"#{described}").inner_text().strip()
        assert axe_violations(tab) == []

        # The search: status boxes, a question from a list, the author by name, dates.
        tab.goto(base + reverse("search_admin:search"))
        assert tab.locator("fieldset.search-statuses input[type=checkbox]").count() == 4
        assert tab.locator("#id_since").get_attribute("type") == "date"
        tab.locator("fieldset.search-statuses input[value=published]").check()
        tab.locator("#id_question").select_option(label="¿Qué conservarías?")
        # Names are suggested as one types; the name typed is what counts.
        tab.locator("#id_author_name").press_sequentially("Pers")
        tab.wait_for_selector("#author-names option", state="attached")
        assert tab.locator("#author-names option").count() == 4
        tab.fill("#id_author_name", "persona 0")
        tab.fill("#id_since", "2000-01-01")
        tab.locator("form[role=search] button[type=submit]").click()
        tab.wait_for_url(lambda url: "author_name=" in url)
        results = tab.locator(".search-results > li")
        assert results.count() == 1
        assert results.first.get_attribute("id") == f"result-{scene['flagged'].pk}"
        assert tab.locator("#id_question").input_value() == str(scene["question"].pk)
        assert axe_violations(tab) == []

        # A campaign, hidden in one go.
        tab.goto(base + reverse("search_admin:duplicates"))
        group = tab.locator(".campaign").first
        assert group.locator("input[name=comments]:checked").count() == 3
        assert axe_violations(tab) == []
        group.locator("select[name=reason]").select_option("spam")
        group.locator("textarea[name=note]").fill("Texto repetido.")
        group.locator("button[value=hide]").click()
        tab.wait_for_url(lambda url: url.endswith(reverse("search_admin:duplicates")))
        assert "3" in tab.locator(".messages").inner_text()
        # The message fades in: axe reads its contrast once it is fully there.
        expect(tab.locator(".messages > ul")).to_have_css("opacity", "1")
        ids = [c.pk for c in scene["campaign"]]
        assert set(Comment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
            CommentStatus.HIDDEN
        }
        assert Decision.objects.filter(comment_id__in=ids, action="hide").count() == 3
        assert axe_violations(tab) == []
    finally:
        context.close()
    # Nothing from another host: no Gravatar, no CDN.
    assert hosts == {urlsplit(base).netloc}, hosts
