"""docs/roles.md, one test per cell: who may do what (foundation actions).

More denials than grants: each action is tried by every role.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import ADMIN_ROLES, CITIZEN, EDITOR, MODERATOR, PLANNER, ROLES, has_role

ANONYMOUS = "anonymous"
EVERYONE = (ANONYMOUS, *ROLES)

# action -> roles allowed (must match docs/roles.md)
TABLE = {
    "read_consultations": set(EVERYONE),
    "read_api": set(EVERYONE),
    "access_admin": {MODERATOR, PLANNER, EDITOR},
    "create_consultation": {EDITOR},
    "edit_consultation": {EDITOR},
    "upload_document": {EDITOR},
    "manage_users": set(),
    "read_comments": set(EVERYONE),
    "post_comment": set(ROLES),
    "reply_to_comment": set(ROLES),
    "react_to_comment": set(ROLES),
    "edit_own_comment": set(ROLES),
    "delete_own_comment": set(ROLES),
    "edit_others_comment": set(),
    "delete_others_comment": set(),
    "flag_comment": set(ROLES),
}


def attempt_comment_action(action, client, consultation, user):
    """Comment actions through the JSON API; True when the server allowed it."""
    from comments.actions import do_post_comment
    from tests.factories import UserFactory

    question = consultation.ordered_questions[0].pk
    others = do_post_comment(UserFactory(), consultation, body="De otra persona", question=question)
    own = do_post_comment(user, consultation, body="Mío", question=question) if user else others
    base = f"/api/v1/consultations/{consultation.pk}/comments/"
    json = {"content_type": "application/json"}
    response = {
        "read_comments": lambda: client.get(base),
        "post_comment": lambda: client.post(base, {"body": "Hola", "question": question}, **json),
        "reply_to_comment": lambda: client.post(
            base, {"body": "Hola", "parent": others.pk}, **json
        ),
        "react_to_comment": lambda: client.post(
            f"/api/v1/comments/{others.pk}/reactions/", {"stance": "agree"}, **json
        ),
        "edit_own_comment": lambda: client.patch(
            f"/api/v1/comments/{own.pk}/", {"body": "Cambiado"}, **json
        ),
        "delete_own_comment": lambda: client.delete(f"/api/v1/comments/{own.pk}/"),
        "edit_others_comment": lambda: client.patch(
            f"/api/v1/comments/{others.pk}/", {"body": "Cambiado"}, **json
        ),
        "delete_others_comment": lambda: client.delete(f"/api/v1/comments/{others.pk}/"),
        "flag_comment": lambda: client.post(
            f"/api/v1/comments/{others.pk}/flags/", {"reason": "spam"}, **json
        ),
    }[action]()
    return response.status_code in (200, 201, 204)


def attempt(action, client, consultation, user=None):
    """Perform `action`; return True when the server let it through."""
    if "comment" in action:
        return attempt_comment_action(action, client, consultation, user)
    index = consultation.get_parent()
    url = {
        "read_consultations": consultation.url,
        "read_api": f"/api/v1/consultations/{consultation.pk}/",
        "access_admin": reverse("wagtailadmin_home"),
        "create_consultation": reverse(
            "wagtailadmin_pages:add", args=["consultations", "consultationpage", index.pk]
        ),
        "edit_consultation": reverse("wagtailadmin_pages:edit", args=[consultation.pk]),
        "upload_document": reverse("wagtaildocs:add_multiple"),
        "manage_users": reverse("wagtailusers_users:index"),
    }[action]
    response = client.get(url)
    return response.status_code == 200


CELLS = [(action, role) for action in TABLE for role in EVERYONE]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_cell(client, role_users, make_consultation, no_rate_limits, action, role):
    consultation = make_consultation(questions=["¿Qué opinas?"])
    user = role_users[role]
    if user is not None:
        client.force_login(user)
    assert attempt(action, client, consultation, user) is (role in TABLE[action])


def test_table_matches_the_docs():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "roles.md").read_text()
    for action in TABLE:
        assert f"`{action}`" in doc, f"{action} is missing from docs/roles.md"


def test_role_groups_exist_after_migrate(db):
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
    for role in ADMIN_ROLES:
        assert Group.objects.get(name=role).permissions.filter(codename="access_admin").exists()
    assert not Group.objects.get(name=CITIZEN).permissions.exists()


def test_has_role(role_users, make_user):
    from django.contrib.auth.models import AnonymousUser

    assert not has_role(AnonymousUser(), CITIZEN)
    assert has_role(role_users[MODERATOR], MODERATOR)
    assert not has_role(role_users[MODERATOR], PLANNER)
    assert not has_role(role_users[CITIZEN], MODERATOR)
    superuser = make_user(is_superuser=True)
    assert all(has_role(superuser, role) for role in ROLES)
