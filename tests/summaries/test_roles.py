"""docs/roles.md, "Summaries and open data": one test per cell of who may do
what, tried through the admin pages, the JSON API and the public files."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from moderation import actions as moderation_actions
from tests.roles_doc import doc_table
from tests.summaries.opinion_fixtures import analysis_for, store

ANONYMOUS = "anonymous"
COLUMNS = (ANONYMOUS, CITIZEN, MODERATOR, PLANNER, EDITOR)
STAFF_READERS = {PLANNER, EDITOR}
EVERYONE = set(COLUMNS)

# action -> who may (must match docs/roles.md, "Summaries and open data")
TABLE = {
    "read_summary": STAFF_READERS,
    "download_summary": STAFF_READERS,
    "download_open_data": EVERYONE,
    "download_open_data_while_open": set(),
    "read_opinion_groups": STAFF_READERS,
    "read_opinion_groups_api": STAFF_READERS,
    "read_public_opinion_groups": EVERYONE,
    "read_public_opinion_groups_while_open": set(),
}

WORDS = "Más árboles y sombra en la calzada del barrio."


@pytest.fixture
def consultation(make_consultation, make_user, no_rate_limits, django_capture_on_commit_callbacks):
    page = make_consultation(questions=["¿Qué opinas?"])
    with django_capture_on_commit_callbacks(execute=True):
        comment_actions.do_post_comment(
            make_user(CITIZEN), page, body=WORDS, question=page.ordered_questions[0].pk
        )
    return page


def close(page):
    page.closes_at = timezone.now() - timedelta(minutes=1)
    page.opens_at = page.closes_at - timedelta(days=5)
    page.save(update_fields=["opens_at", "closes_at"])


def try_read_summary(client, page):
    api = client.get(reverse("api-consultation-summary", args=[page.pk]))
    admin = client.get(reverse("summaries_admin:summary", args=[page.pk]))
    allowed = [
        api.status_code == 200 and api.json()["participation"]["comments"] == 1,
        admin.status_code == 200 and WORDS in admin.content.decode(),
    ]
    assert api.status_code in (200, 403) and admin.status_code in (200, 302, 403)
    assert allowed in ([True, True], [False, False]), allowed
    return allowed[0]


def try_download_summary(client, page):
    answers = [
        client.get(reverse("summaries_admin:export", args=[page.pk, kind]))
        for kind in ("zip", "xlsx")
    ]
    allowed = [
        response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        for response in answers
    ]
    assert allowed in ([True, True], [False, False]), allowed
    return allowed[0]


def open_data_answers(client, page):
    csv_file = client.get(reverse("summaries:export-csv", args=[page.pk]))
    json_file = client.get(reverse("summaries:export-json", args=[page.pk]))
    csv_text = b"".join(csv_file.streaming_content).decode() if csv_file.streaming else ""
    json_text = b"".join(json_file.streaming_content).decode() if json_file.streaming else ""
    allowed = [
        csv_file.status_code == 200 and WORDS in csv_text,
        json_file.status_code == 200 and WORDS in json_text,
    ]
    assert allowed in ([True, True], [False, False]), allowed
    return allowed[0]


def try_download_open_data(client, page):
    close(page)
    return open_data_answers(client, page)


def try_download_open_data_while_open(client, page):
    return open_data_answers(client, page)


def store_groups(page):
    """Groups of the page's one comment, stored as current (the numerics
    are tested in test_opinion_groups.py; here only who sees them)."""
    comment = page.comments.get()
    store(page, analysis_for([comment.pk, comment.pk]))
    return comment


def try_read_opinion_groups(client, page):
    store_groups(page)
    admin = client.get(reverse("summaries_admin:summary", args=[page.pk]))
    files = client.get(reverse("summaries_admin:export", args=[page.pk, "zip"]))
    allowed = [
        admin.status_code == 200 and 'id="opinion-map-title"' in admin.content.decode(),
        files.status_code == 200 and b"opinion_group_comments.csv" in files.content,
    ]
    assert admin.status_code in (200, 302, 403) and files.status_code in (200, 302, 403)
    assert allowed in ([True, True], [False, False]), allowed
    return allowed[0]


def try_read_opinion_groups_api(client, page):
    comment = store_groups(page)
    api = client.get(reverse("api-consultation-opinion-groups", args=[page.pk]))
    assert api.status_code in (200, 403)
    return api.status_code == 200 and (
        api.json()["groups"][0]["representative"][0]["comment"]["id"] == comment.pk
    )


def public_groups(client, page):
    store_groups(page)
    html = client.get(page.url).content.decode()
    return 'id="opinion-groups"' in html and WORDS in html.split('id="opinion-groups"')[1]


def try_read_public_opinion_groups(client, page):
    close(page)
    return public_groups(client, page)


def try_read_public_opinion_groups_while_open(client, page):
    return public_groups(client, page)


ATTEMPTS = {action: globals()[f"try_{action}"] for action in TABLE}
CELLS = [(action, role) for action in TABLE for role in COLUMNS]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_cell(client, role_users, consultation, action, role):
    if role_users[role] is not None:
        client.force_login(role_users[role])
    assert ATTEMPTS[action](client, consultation) is (role in TABLE[action])


@pytest.mark.parametrize("action", ["read_summary", "download_summary"])
def test_blocked_planners_are_refused(client, make_user, consultation, action):
    planner = make_user(PLANNER)
    moderation_actions.do_block(make_user(MODERATOR, is_superuser=True), planner, reason="spam")
    planner.refresh_from_db()
    client.force_login(planner)
    assert ATTEMPTS[action](client, consultation) is False


def test_table_matches_the_docs():
    assert doc_table("Summaries and open data", COLUMNS) == TABLE
