"""What moderators need next to each queue item (issue 16): the notes
reporters wrote with their flags (page and API, as text), the decision
under appeal next to the appeal, help text on every decision button, and
the queue at a glance on the admin's dashboard. Constant queries
throughout."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import CITIZEN, EDITOR, PLANNER
from moderation import actions
from moderation.models import Review
from tests.moderation.conftest import post

pytestmark = pytest.mark.usefixtures("no_rate_limits")

QUEUE_API = "/api/v1/moderation/queue/"
NOTE = "Dice que 2 < 3 & <b>repite</b> datos de mi vecina."


@pytest.fixture
def mod_client(client, moderator):
    """A moderator who reads the admin in English (their Wagtail preference:
    /admin/ has no language prefix, so it is otherwise the site's Spanish)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(moderator)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(moderator)
    return client


def queue_page(client, **params):
    response = client.get(reverse("moderation_admin:queue"), params)
    assert response.status_code == 200
    return response.content.decode()


def item_html(html, comment):
    end = r'</li>\s*(?=<li class="queue-item"|</ol>)'
    match = re.search(rf'<li class="queue-item" id="queue-item-{comment.pk}".*?{end}', html, re.S)
    assert match, comment.pk
    return match.group(0)


# --- Reporters' notes ---------------------------------------------------------------


def test_reporters_notes_are_shown_as_text_in_the_queue(mod_client, page, author, make_user):
    comment = post(author, page)
    actions.do_flag(make_user(CITIZEN), comment, reason="other", note=NOTE)
    actions.do_flag(make_user(CITIZEN), comment, reason="spam")
    actions.do_flag(make_user(CITIZEN), comment, reason="personal_data", note="Su teléfono.")
    item = item_html(queue_page(mod_client), comment)
    notes = re.search(r'<ul class="queue-item__notes">.*?</ul>', item, re.S).group(0)
    # Oldest first, each with its reason; flags without a note left out.
    assert notes.count("<li>") == 2
    assert notes.index("2 &lt; 3 &amp;") < notes.index("Su teléfono.")
    # As text: what looks like markup is escaped (and tags were cleaned on the way in).
    assert "2 < 3" not in notes
    assert "<b>" not in notes


def test_reporters_notes_in_the_api(mod_client, page, author, make_user):
    comment = post(author, page)
    actions.do_flag(make_user(CITIZEN), comment, reason="other", note=NOTE)
    actions.do_flag(make_user(CITIZEN), comment, reason="spam")
    [item] = mod_client.get(QUEUE_API).json()["results"]
    assert item["flags"] == {"other": 1, "spam": 1}
    [note] = item["flag_notes"]
    assert note["reason"] == "other"
    assert note["note"] == "Dice que 2 < 3 & repite datos de mi vecina."
    assert note["created"]
    # Who reported is not said.
    assert set(note) == {"reason", "note", "created"}


def test_notes_of_cleared_flags_are_gone(mod_client, moderator, page, author, make_user):
    comment = post(author, page)
    actions.do_flag(make_user(CITIZEN), comment, reason="other", note="Ya juzgado.")
    actions.do_decide(moderator, comment, action="approve")
    actions.do_flag(make_user(CITIZEN), comment, reason="spam", note="Otra vez.")
    [item] = mod_client.get(QUEUE_API).json()["results"]
    assert [n["note"] for n in item["flag_notes"]] == ["Otra vez."]


def fill_queue(page, make_user, moderator, n, start=0):
    for i in range(start, start + n):
        person = make_user(CITIZEN)
        comment = post(person, page, body=f"Comentario número {i} con sustancia.")
        for j in range(1 + i % 3):
            actions.do_flag(make_user(CITIZEN), comment, reason="other", note=f"Nota {i}-{j}")
        if i % 3 == 1:
            actions.do_decide(moderator, comment, action="hide", reason="spam", note="Nota mod")
            actions.do_appeal(person, comment, note=f"Apelación {i}")


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_notes_and_appeals_keep_the_queries_constant(mod_client, moderator, page, make_user):
    url = reverse("moderation_admin:queue")
    fill_queue(page, make_user, moderator, 1)
    count(mod_client, url)  # warm caches
    one_page, _ = count(mod_client, url)
    one_api, _ = count(mod_client, QUEUE_API)
    fill_queue(page, make_user, moderator, 24, start=1)
    many_page, response = count(mod_client, url)
    assert len(response.context["rows"]) == 25
    assert sum(1 for row in response.context["rows"] if row.appealed_decision) == 8
    many_api, response = count(mod_client, QUEUE_API)
    assert sum(len(item["flag_notes"]) for item in response.json()["results"]) == 49
    assert (many_page, many_api) == (one_page, one_api)


# --- Appeals: the decision under appeal --------------------------------------------


def test_an_appeal_shows_the_decision_under_appeal(mod_client, moderator, page, author):
    comment = post(author, page)
    actions.do_decide(
        moderator, comment, action="remove", reason="personal_data", note="Tu dirección: 5 > 4"
    )
    actions.do_appeal(author, comment, note="No es mi dirección.")
    item = item_html(queue_page(mod_client), comment)
    under_appeal = re.search(
        r'<dd class="queue-item__appealed-decision">.*?</dd>', item, re.S
    ).group(0)
    assert "Mora Moderadora" in under_appeal
    assert "Personal data" in under_appeal
    assert "Tu dirección: 5 &gt; 4" in under_appeal
    assert "<time datetime=" in under_appeal
    assert "No es mi dirección." in item
    [api_item] = mod_client.get(QUEUE_API).json()["results"]
    decision = api_item["appeal"]["decision"]
    assert decision["action"] == "remove"
    assert decision["reason"] == "personal_data"
    assert decision["note"] == "Tu dirección: 5 > 4"
    assert decision["moderator"]["display_name"] == "Mora Moderadora"


def test_an_appealed_auto_hide_names_the_site(mod_client, page, author, make_user, settings):
    comment = post(author, page)
    for _ in range(3):
        actions.do_flag(make_user(CITIZEN), comment, reason="spam")
    actions.do_appeal(author, comment, note="Solo opiné.")
    item = item_html(queue_page(mod_client), comment)
    under_appeal = re.search(
        r'<dd class="queue-item__appealed-decision">.*?</dd>', item, re.S
    ).group(0)
    assert "by the site, after flags" in under_appeal
    [api_item] = mod_client.get(QUEUE_API).json()["results"]
    assert api_item["appeal"]["decision"]["moderator"] is None
    assert api_item["appeal"]["decision"]["action"] == "hide"


def test_items_without_appeal_have_no_decision_under_appeal(mod_client, page, author, make_user):
    comment = post(author, page)
    actions.do_flag(make_user(CITIZEN), comment, reason="spam")
    item = item_html(queue_page(mod_client), comment)
    assert "queue-item__appealed-decision" not in item
    [api_item] = mod_client.get(QUEUE_API).json()["results"]
    assert api_item["appeal"] is None


# --- Help text on each decision -----------------------------------------------------


def buttons(item):
    """{action: help text} of an item's decision buttons, each tied by aria-describedby."""
    found = {}
    for action, described in re.findall(
        r'<button type="submit" name="action" value="(\w+)" aria-describedby="([\w-]+)"', item
    ):
        help_text = re.search(rf'id="{described}">([^<]+)<', item)
        assert help_text, described
        found[action] = help_text.group(1)
    return found


def test_every_decision_button_says_what_it_does(
    mod_client, moderator, page, author, make_user, make_consultation
):
    appealed = post(author, page)
    actions.do_decide(moderator, appealed, action="hide", reason="spam")
    actions.do_appeal(author, appealed, note="Revisa, por favor.")
    held_page = make_consultation(questions=["¿Y?"], moderation_mode="pre")
    held = post(author, held_page, body="Un comentario retenido.")
    html = queue_page(mod_client)
    appeal_buttons = buttons(item_html(html, appealed))
    assert set(appeal_buttons) == {"approve", "hide", "remove", "restore"}
    assert "Undo the earlier decision" in appeal_buttons["restore"]
    assert "confirm the earlier decision" in appeal_buttons["hide"]
    assert len(set(appeal_buttons.values())) == 4
    held_buttons = buttons(item_html(html, held))
    assert "Publish the held comment" in held_buttons["approve"]
    assert "restore" not in held_buttons


# --- The dashboard panel ------------------------------------------------------------


def test_the_dashboard_shows_the_queue_to_moderators(
    mod_client, moderator, page, author, make_user, make_consultation
):
    flagged = post(author, page)
    actions.do_flag(make_user(CITIZEN), flagged, reason="spam")
    held_page = make_consultation(questions=["¿Y?"], moderation_mode="pre")
    post(author, held_page, body="Uno retenido.")
    post(author, held_page, body="Otro retenido.")
    appealed = post(author, page, body="Otro más.")
    actions.do_decide(moderator, appealed, action="hide", reason="spam")
    actions.do_appeal(author, appealed, note="Revisa.")
    Review.objects.filter(comment=flagged).update(opened="2020-01-01T00:00:00Z")
    response = mod_client.get("/admin/")
    html = response.content.decode()
    panel = re.search(r'id="moderation-queue-section".*?</section>', html, re.S)
    assert panel, html[:2000]
    panel = panel.group(0)
    queue = reverse("moderation_admin:queue")
    assert f'href="{queue}"' in panel
    assert "4" in re.search(r"moderation-panel__total.*?</p>", panel, re.S).group(0)
    kinds = dict(re.findall(r'<li><a href="[^"]*kind=(\w+)[^"]*">[^:<]+: (\d+)</a></li>', panel))
    assert kinds == {"flagged": "1", "held": "2", "appealed": "1"}
    assert 'datetime="2020-01-01T' in panel or "2019-12-31T" in panel


def test_the_panel_takes_one_query(rf, moderator, page, author, make_user):
    from django.template import Context

    from moderation.admin_views import QueuePanel

    flagged = post(author, page)
    actions.do_flag(make_user(CITIZEN), flagged, reason="spam")
    request = rf.get("/admin/")
    request.user = moderator
    with CaptureQueriesContext(connection) as queries:
        html = QueuePanel().render_html(Context({"request": request, "csrf_token": ""}))
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "moderation-queue" in html


def test_an_empty_queue_says_so(mod_client):
    html = mod_client.get("/admin/").content.decode()
    panel = re.search(r'id="moderation-queue-section".*?</section>', html, re.S).group(0)
    assert "moderation-panel__total" not in panel
    assert reverse("moderation_admin:queue") in panel


@pytest.mark.parametrize("role", [PLANNER, EDITOR])
def test_other_staff_see_no_queue_panel(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert 'id="moderation-queue-section"' not in response.content.decode()
