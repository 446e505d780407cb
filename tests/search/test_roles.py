"""docs/roles.md, "Comment search": one test per cell of who may do what,
tried through the admin pages and the JSON API."""

import json

import pytest
from django.urls import reverse

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from moderation import actions as moderation_actions
from tests.roles_doc import doc_table

ANONYMOUS = "anonymous"
AUTHOR = "author"
COLUMNS = (ANONYMOUS, CITIZEN, AUTHOR, MODERATOR, PLANNER, EDITOR)
READERS = {MODERATOR, PLANNER}

# action -> who may (must match docs/roles.md, "Comment search")
TABLE = {
    "search_published": READERS,
    "search_hidden": {MODERATOR},
    "open_search_page": READERS,
    "tag_comment": READERS,
    "tag_hidden_comment": {MODERATOR},
    "find_duplicates": READERS,
    "act_on_campaign": {MODERATOR},
}

SECRET = "Propuesta confidencial sobre el alumbrado del barrio y sus luminarias nuevas."


class Scene:
    def __init__(self, client, make_consultation, make_user, user, author, capture):
        self.client = client
        self.page = make_consultation(questions=["¿Qué opinas?"])
        self.staff = make_user(MODERATOR)
        with capture(execute=True):
            self.target = comment_actions.do_post_comment(
                author, self.page, body=SECRET, question=self.page.ordered_questions[0].pk
            )
            # A copy by another account: a two-account campaign.
            self.copy = comment_actions.do_post_comment(
                make_user(CITIZEN),
                self.page,
                body=SECRET,
                question=self.page.ordered_questions[0].pk,
            )
        self.capture = capture

    def hide(self):
        with self.capture(execute=True):
            moderation_actions.do_decide(self.staff, self.target, action="hide", reason="spam")

    def found(self, params):
        response = self.client.get("/api/v1/moderation/search/", params)
        assert response.status_code in (200, 403), response.content
        return response.status_code == 200 and self.target.pk in [
            r["id"] for r in response.json()["results"]
        ]

    def tag(self):
        url = reverse("api-moderation-tags", args=[self.target.pk])
        response = self.client.put(
            url, data=json.dumps({"tags": ["Alumbrado"]}), content_type="application/json"
        )
        assert response.status_code in (200, 403, 404), response.content
        tagged = list(self.target.tags.names()) == ["Alumbrado"]
        assert tagged is (response.status_code == 200)
        return tagged


def try_search_published(s):
    return s.found({"q": "luminarias"})


def try_search_hidden(s):
    s.hide()
    return s.found({"q": "luminarias"})


def try_open_search_page(s):
    response = s.client.get(reverse("search_admin:search"), {"q": "luminarias"})
    assert response.status_code in (200, 302, 403)
    return response.status_code == 200 and f'id="result-{s.target.pk}"' in response.content.decode()


def try_tag_comment(s):
    return s.tag()


def try_tag_hidden_comment(s):
    s.hide()
    return s.tag()


def try_find_duplicates(s):
    api = s.client.get(reverse("api-moderation-duplicates"))
    page = s.client.get(reverse("search_admin:duplicates"))
    similar = s.client.get(reverse("api-moderation-similar", args=[s.target.pk]))
    allowed = [
        api.status_code == 200 and SECRET in api.content.decode(),
        page.status_code == 200 and SECRET in page.content.decode(),
        similar.status_code == 200 and s.copy.pk in [r["id"] for r in similar.json()["results"]],
    ]
    assert allowed in ([True] * 3, [False] * 3), allowed
    return allowed[0]


def try_act_on_campaign(s):
    ids = [s.target.pk, s.copy.pk]
    hide = s.client.post(
        reverse("search_admin:campaign"), {"action": "hide", "comments": ids, "reason": "spam"}
    )
    tag = s.client.post(
        reverse("search_admin:campaign"), {"action": "tag", "comments": ids, "tags": "Campaña"}
    )
    assert hide.status_code in (302, 403) and tag.status_code in (302, 403)
    s.target.refresh_from_db()
    done = [s.target.status == "hidden", list(s.copy.tags.names()) == ["Campaña"]]
    assert done in ([True, True], [False, False]), done
    return done[0]


ATTEMPTS = {action: globals()[f"try_{action}"] for action in TABLE}
CELLS = [(action, role) for action in TABLE for role in COLUMNS]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_cell(
    client,
    role_users,
    make_consultation,
    make_user,
    no_rate_limits,
    django_capture_on_commit_callbacks,
    action,
    role,
):
    author = make_user(CITIZEN, display_name="Autora")
    user = author if role == AUTHOR else role_users[role]
    if user is not None:
        client.force_login(user)
    scene = Scene(
        client, make_consultation, make_user, user, author, django_capture_on_commit_callbacks
    )
    assert ATTEMPTS[action](scene) is (role in TABLE[action])


@pytest.mark.parametrize("action", ["search_published", "tag_comment", "find_duplicates"])
def test_blocked_readers_are_refused(
    client, make_consultation, make_user, no_rate_limits, django_capture_on_commit_callbacks, action
):
    moderator = make_user(MODERATOR)
    scene = Scene(
        client,
        make_consultation,
        make_user,
        moderator,
        make_user(CITIZEN),
        django_capture_on_commit_callbacks,
    )
    moderation_actions.do_block(make_user(MODERATOR, is_superuser=True), moderator, reason="spam")
    moderator.refresh_from_db()
    client.force_login(moderator)
    assert ATTEMPTS[action](scene) is False


def test_table_matches_the_docs():
    assert doc_table("Comment search", COLUMNS) == TABLE


def test_more_denials_than_grants():
    grants = sum(len(roles) for roles in TABLE.values())
    assert grants < len(TABLE) * len(COLUMNS) - grants
