"""docs/roles.md, "Personal data and consent": one test per cell, tried
through the pages people use."""

import pytest
from django.urls import reverse

from accounts.models import PolicyVersion, User
from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comments
from comments.models import Comment
from pages.models import ContentPage
from privacy import actions
from tests.privacy.conftest import publish_policy
from tests.roles_doc import doc_table

ANONYMOUS = "anonymous"
COLUMNS = (ANONYMOUS, CITIZEN, MODERATOR, PLANNER, EDITOR)
PEOPLE = {CITIZEN, MODERATOR, PLANNER, EDITOR}
PASSWORD = "contraseña-segura-123"

TABLE = {
    "read_legal_pages": set(COLUMNS),
    "manage_own_data": PEOPLE,
    "accept_new_terms": PEOPLE,
    "delete_own_account": PEOPLE,
    "download_others_data": set(),
    "restore_deleted_account": set(),
    "publish_legal_version": {EDITOR},
    "read_arco_log": set(),
}


@pytest.fixture
def world(policies, make_user, make_consultation, no_rate_limits):
    consultation = make_consultation(questions=["¿Qué opinas?"])
    someone = make_user(CITIZEN)
    from accounts import consent

    consent.record(someone, consent.current_versions())
    comment = comments.do_post_comment(
        someone,
        consultation,
        body="Palabras de otra persona.",
        question=consultation.ordered_questions[0].pk,
    )
    export, _ = actions.do_request_export(someone)
    actions.run_export(export.pk)
    return {"home": policies, "someone": someone, "comment": comment, "export": export}


def try_read_legal_pages(client, user, world):
    page = ContentPage.objects.get(slug="terms")
    return client.get(page.url).status_code == 200 and b"footer-links" in client.get("/").content


def try_manage_own_data(client, user, world):
    page = client.get(reverse("privacy-my-data"))
    if page.status_code != 200:
        return False
    client.post(reverse("privacy-export-request"))
    client.post(reverse("privacy-display-name"), {"display_name": "Nombre Corregido"})
    client.post(reverse("privacy-open-data"), {"open_data": "out"})
    user.refresh_from_db()
    assert user.display_name == "Nombre Corregido" and user.open_data_opt_out
    return True


def try_accept_new_terms(client, user, world):
    from accounts import consent

    publish_policy(world["home"], "terms", title="Términos (2)")
    generation = str(consent.generation_of(consent.current_versions()))
    response = client.post(
        reverse("privacy-accept"),
        {"accept_terms": "on", "acknowledge_privacy": "on", "policies": generation},
    )
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return False
    assert response.status_code == 302
    return not consent.is_pending(User.objects.get(pk=user.pk))


def try_delete_own_account(client, user, world):
    response = client.post(
        reverse("privacy-delete"), {"comments": "withdraw", "password": PASSWORD}
    )
    if user is None:
        assert "/accounts/login/" in response["Location"]
        return False
    return User.objects.get(pk=user.pk).erased_at is not None


def try_download_others_data(client, user, world):
    token = actions.export_token(world["export"])
    response = client.get(reverse("privacy-export", args=[token]))
    assert response.status_code in (302, 404)
    return response.status_code == 200


def try_restore_deleted_account(client, user, world):
    someone = world["someone"]
    actions.do_delete_account(someone, password=PASSWORD, comments="withdraw")
    # Whatever a role can reach: the moderators' restore, the admin's user edit.
    client.post(
        reverse("moderation_admin:decide", args=[world["comment"].pk]),
        {"action": "restore", "reason": "", "note": ""},
    )
    client.post(f"/admin/users/edit/{someone.pk}/", {"is_active": "on"})
    comment = Comment.objects.get(pk=world["comment"].pk)
    someone = User.objects.get(pk=someone.pk)
    return comment.body != "" or someone.email != f"deleted-{someone.pk}@deleted.invalid"


def try_publish_legal_version(client, user, world):
    page = ContentPage.objects.get(slug="terms")
    before = PolicyVersion.objects.count()
    response = client.get(f"/admin/pages/{page.pk}/edit/")
    if response.status_code != 200:
        return False
    form = response.context["form"]
    data = {
        key: value
        for key, value in form.initial.items()
        if isinstance(value, str | int | bool) and value is not None
    }
    page_data = {
        "title": "Términos de uso (editor)",
        "slug": page.slug,
        "body-count": "0",
        "body_en-count": "0",
        "requires_acceptance": "on",
        "action-publish": "action-publish",
    }
    client.post(f"/admin/pages/{page.pk}/edit/", {**data, **page_data})
    return PolicyVersion.objects.count() == before + 1


def try_read_arco_log(client, user, world):
    response = client.get(reverse("privacy_admin:arco_log"))
    return response.status_code == 200


ATTEMPTS = {action: globals()[f"try_{action}"] for action in TABLE}
CELLS = [(action, role) for action in TABLE for role in COLUMNS]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_cell(client, make_user, world, action, role):
    user = None
    if role != ANONYMOUS:
        from accounts import consent

        user = make_user(role)
        consent.record(user, consent.current_versions())
        client.force_login(user)
    assert ATTEMPTS[action](client, user, world) is (role in TABLE[action])


def test_the_transparency_unit_reads_the_arco_log(client, make_user, world):
    from django.contrib.auth.models import Permission

    unit = make_user(PLANNER)
    unit.user_permissions.add(Permission.objects.get(codename="view_arcorequest"))
    client.force_login(unit)
    response = client.get(reverse("privacy_admin:arco_log"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Acceso y portabilidad" in text
    # No personal data: nobody's address or name.
    assert world["someone"].email not in text and world["someone"].display_name not in text
    admin = make_user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(reverse("privacy_admin:arco_log")).status_code == 200


def test_table_matches_the_docs():
    assert doc_table("Personal data and consent", COLUMNS) == TABLE
