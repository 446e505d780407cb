"""docs/roles.md, "Responses and follow-up": one test per cell of who may do
what, tried through the admin pages and the public page; and every admin
URL of the section refused to those outside it."""

# The fixtures shared with test_response.py are imported, then named as
# parameters: pytest's way, which ruff reads as redefinitions.
# ruff: noqa: F811

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from moderation import actions as moderation_actions
from responses import actions as responses
from responses.models import Commitment, CommitmentUpdate, Response, ResponseItem
from tests.responses.test_response import (  # noqa: F401 - shared fixtures
    SAID,
    WILL_DO,
    close,
    english,
    in_english,
    public_html,
    scene,
)
from tests.roles_doc import doc_table

ANONYMOUS = "anonymous"
BLOCKED = "blocked"
COLUMNS = (ANONYMOUS, CITIZEN, MODERATOR, PLANNER, EDITOR, BLOCKED)
WRITERS = {PLANNER, EDITOR}
EVERYONE = set(COLUMNS)

# action -> who may (must match docs/roles.md, "Responses and follow-up")
TABLE = {
    "open_responses": WRITERS,
    "write_response": WRITERS,
    "publish_response": WRITERS,
    "manage_commitments": WRITERS,
    "read_published_response": EVERYONE,
    "read_draft_response": set(),
}


def person(role, make_user):
    if role == ANONYMOUS:
        return None
    if role == BLOCKED:
        planner = make_user(PLANNER)
        moderation_actions.do_block(make_user(MODERATOR, is_superuser=True), planner, reason="spam")
        planner.refresh_from_db()
        assert planner.blocked
        return in_english(planner)
    return in_english(make_user(role))


def url(name, scene, *args):
    return reverse(f"responses_admin:{name}", args=[scene.page.pk, *args])


def try_open_responses(scene, client):
    scene.item()
    index = client.get(reverse("responses_admin:index"))
    overview = client.get(url("response", scene))
    allowed = [
        index.status_code == 200 and scene.page.title in index.content.decode(),
        overview.status_code == 200 and SAID in overview.content.decode(),
    ]
    assert allowed in ([True, True], [False, False]), allowed
    assert index.status_code in (200, 302, 403)
    return allowed[0]


def try_write_response(scene, client):
    fields = {"heading": "Parques", "what_you_said": SAID, "what_we_will_do": WILL_DO}
    added = client.post(url("add_item", scene), fields)
    created = ResponseItem.objects.filter(heading="Parques").exists()
    assert created is (added.status_code == 302 and added.url.startswith(url("response", scene)))
    item = scene.item(heading="Otro")
    edited = client.post(url("edit_item", scene, item.pk), {**fields, "heading": "Cambiado"})
    changed = ResponseItem.objects.filter(heading="Cambiado").exists()
    client.post(url("delete_item", scene, item.pk))
    deleted = not ResponseItem.objects.filter(pk=item.pk).exists()
    assert changed is (edited.status_code == 302 and "/login/" not in edited.url)
    assert [created, changed, deleted] in ([True] * 3, [False] * 3)
    return created


def try_publish_response(scene, client):
    scene.item(comments=str(scene.a1.pk))
    close(scene.page)
    client.post(url("publish", scene))
    published = Response.objects.get().is_published
    scene.page.refresh_from_db()
    assert (scene.page.reported_at is not None) is published
    return published


def try_manage_commitments(scene, client):
    client.post(url("add_commitment", scene), {"title": "Más luces", "description": ""})
    added = Commitment.objects.filter(title="Más luces").exists()
    commitment = responses.do_save_commitment(
        scene.planner, scene.page, title="Del planificador", description=""
    )
    client.post(
        url("add_update", scene, commitment.pk),
        {
            "date": timezone.localdate().isoformat(),
            "text": "Avance.",
            "status": "in_progress",
            "progress": "20",
        },
    )
    updated = CommitmentUpdate.objects.filter(commitment=commitment).exists()
    client.post(url("delete_commitment", scene, commitment.pk))
    deleted = not Commitment.objects.filter(pk=commitment.pk).exists()
    assert [added, updated, deleted] in ([True] * 3, [False] * 3)
    return added


def try_read_published_response(scene, client, capture):
    scene.item()
    responses.do_save_commitment(scene.planner, scene.page, title="Cuarenta farolas")
    scene.publish(capture)
    html = public_html(client, scene.page)
    return SAID in html and "Cuarenta farolas" in html


def try_read_draft_response(scene, client):
    scene.item()
    responses.do_save_commitment(scene.planner, scene.page, title="Cuarenta farolas")
    close(scene.page)
    html = public_html(client, scene.page)
    assert (SAID in html) is ("Cuarenta farolas" in html)
    return SAID in html


CELLS = [(action, role) for action in TABLE for role in COLUMNS]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_cell(
    client, scene, make_user, django_capture_on_commit_callbacks, action, role
):
    user = person(role, make_user)
    if user is not None:
        client.force_login(user)
    attempt = globals()[f"try_{action}"]
    if action == "read_published_response":
        allowed = attempt(scene, client, django_capture_on_commit_callbacks)
    else:
        allowed = attempt(scene, client)
    assert allowed is (role in TABLE[action])


# Every URL of the section, refused alike -------------------------------------


def admin_urls(scene):
    item = scene.item()
    commitment = responses.do_save_commitment(scene.planner, scene.page, title="Compromiso")
    update = responses.do_add_update(
        scene.planner,
        commitment,
        date=timezone.localdate(),
        text="Avance.",
        status="in_progress",
        progress=10,
    )
    return [
        reverse("responses_admin:index"),
        url("response", scene),
        url("publish", scene),
        url("add_item", scene),
        url("edit_item", scene, item.pk),
        url("delete_item", scene, item.pk),
        url("move_item", scene, item.pk),
        url("add_commitment", scene),
        url("edit_commitment", scene, commitment.pk),
        url("delete_commitment", scene, commitment.pk),
        url("add_update", scene, commitment.pk),
        url("delete_update", scene, update.pk),
    ]


@pytest.mark.parametrize("role", [ANONYMOUS, CITIZEN, MODERATOR, BLOCKED])
def test_every_admin_url_is_refused_outside_the_writers(client, scene, make_user, role):
    user = person(role, make_user)
    if user is not None:
        client.force_login(user)
    urls = admin_urls(scene)
    close(scene.page)
    before = (
        ResponseItem.objects.count(),
        Commitment.objects.count(),
        CommitmentUpdate.objects.count(),
    )
    for address in urls:
        for method in (client.get, client.post):
            answer = method(address, {"heading": "X", "what_you_said": "Y", "title": "Z"})
            if answer.status_code == 302:
                # Anonymous people and citizens are sent to sign in.
                assert role in (ANONYMOUS, CITIZEN), address
                assert "/login/" in answer.url, answer.url
            else:
                assert answer.status_code in (403, 405), (address, answer.status_code)
                if answer.status_code == 403:
                    assert role in (MODERATOR, BLOCKED)
                    assert SAID not in answer.content.decode()
    after = (
        ResponseItem.objects.count(),
        Commitment.objects.count(),
        CommitmentUpdate.objects.count(),
    )
    assert after == before
    assert not Response.objects.get().is_published


def test_the_menu_shows_responses_to_writers_only(client, make_user):
    shown = {}
    for role in (MODERATOR, PLANNER, EDITOR):
        client.force_login(in_english(make_user(role)))
        shown[role] = reverse("responses_admin:index") in client.get("/admin/").content.decode()
    assert shown == {MODERATOR: False, PLANNER: True, EDITOR: True}


def test_the_actions_refuse_those_outside_the_writers(scene, make_user):
    from core.errors import NotAllowed

    for user in (make_user(CITIZEN), make_user(MODERATOR), person(BLOCKED, make_user)):
        with pytest.raises(NotAllowed):
            responses.do_save_introduction(user, scene.page, introduction="Hola.")
        with pytest.raises(NotAllowed):
            responses.do_publish_response(user, scene.page)
    assert not Response.objects.exists()


def test_table_matches_the_docs():
    assert doc_table("Responses and follow-up", COLUMNS) == TABLE


def test_more_denials_than_grants():
    grants = sum(len(roles) for roles in TABLE.values())
    assert grants < len(TABLE) * len(COLUMNS) - grants
