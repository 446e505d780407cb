"""docs/roles.md, "Moderation": one test per cell of who may do what.

Each action is tried by every role, plus the comment's author: more denials
than grants. Cells are tried through the JSON API or the public pages where
those enforce them, through moderation/actions.py where only the admin does
(blocking), and through the admin pages themselves for what only the admin
offers (ADMIN_ACTIONS: the queue page, the log, the filtered words, the
settings).
"""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from wagtail.models import Site

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from core.errors import NotAllowed
from moderation import actions
from moderation.models import Appeal, FilteredWord, ModerationSettings
from tests.roles_doc import doc_table

ANONYMOUS = "anonymous"
AUTHOR = "author"
COLUMNS = (ANONYMOUS, CITIZEN, AUTHOR, MODERATOR, PLANNER, EDITOR)

# action -> who may (must match docs/roles.md, "Moderation")
TABLE = {
    "flag_comment": {CITIZEN, MODERATOR, PLANNER, EDITOR},
    "appeal_decision": {AUTHOR},
    "see_notice": {AUTHOR},
    "see_review_queue": {MODERATOR},
    "read_queue_api": {MODERATOR},
    "decide": {MODERATOR},
    "bulk_decide": {MODERATOR},
    "block_user": {MODERATOR},
    "manage_filtered_words": {MODERATOR},
    "edit_moderation_settings": {MODERATOR},
    "read_decision_log": {MODERATOR},
    "read_hidden_text": {AUTHOR, MODERATOR},
    "read_removed_text": {MODERATOR},
    "see_moderation_figures": set(COLUMNS),
}
# Cells enforced by admin views (moderation/admin_views.py, the FilteredWord
# viewset, Wagtail's settings view), tried through those pages.
ADMIN_ACTIONS = {
    "see_review_queue",
    "manage_filtered_words",
    "edit_moderation_settings",
    "read_decision_log",
}

SECRET = "Texto que solo deben leer quienes pueden."
NOTE = "Nota-de-la-moderadora-7f3a."
JSON = {"content_type": "application/json"}


class Scene:
    """An open consultation; `target`, a comment by `author`; a moderator of
    the staff (not the role user) to set things up; `user`, the one trying."""

    def __init__(self, client, make_consultation, make_user, user, author):
        self.client = client
        self.page = make_consultation(questions=["¿Qué opinas?"])
        self.author = author
        self.staff = make_user(MODERATOR)
        self.user = user
        self.target = comment_actions.do_post_comment(
            author, self.page, body=SECRET, question=self.page.ordered_questions[0].pk
        )
        self.make_user = make_user

    @property
    def actor(self):
        return self.user or AnonymousUser()

    def flag(self, times=1):
        for _ in range(times):
            actions.do_flag(self.make_user(CITIZEN), self.target, reason="abusive")

    def hide(self):
        actions.do_decide(self.staff, self.target, action="hide", reason="spam", note=NOTE)

    def shows(self, responses, text):
        """Whether any 200 response holds `text`."""
        return any(r.status_code == 200 and text in r.content.decode() for r in responses)

    def where_comment_text_could_show(self):
        client, page = self.client, self.page
        responses = [
            client.get(page.url),
            client.get(f"/api/v1/consultations/{page.pk}/comments/"),
            client.get(f"/api/v1/consultations/{page.pk}/comments/", {"after": 0}),
            client.get("/api/v1/moderation/queue/"),
        ]
        if self.user is not None:
            responses.append(client.get(reverse("notifications")))
        return responses


def only_refused(call):
    """Run an action: True when it went through, False when NotAllowed."""
    try:
        call()
    except NotAllowed:
        return False
    return True


# How each action is tried: a function of the scene, True when allowed.


def try_flag_comment(s):
    response = s.client.post(f"/api/v1/comments/{s.target.pk}/flags/", {"reason": "spam"}, **JSON)
    assert response.status_code in (201, 403), response.content
    return response.status_code == 201


def try_appeal_decision(s):
    s.hide()
    allowed = only_refused(lambda: actions.do_appeal(s.actor, s.target, note="Revisadlo."))
    assert Appeal.objects.filter(comment=s.target).exists() is allowed
    return allowed


def try_see_notice(s):
    s.hide()
    response = s.client.get(reverse("notifications"))
    assert response.status_code in (200, 302)
    return s.shows([response], NOTE)


def try_see_review_queue(s):
    # Admin page (moderation/admin_views.py QueueView).
    s.flag()
    return s.shows([s.client.get("/admin/moderation/queue/")], SECRET)


def try_read_queue_api(s):
    s.flag()
    response = s.client.get("/api/v1/moderation/queue/")
    assert response.status_code in (200, 403)
    return s.shows([response], SECRET)


def try_decide(s):
    """All four decisions in turn; each one is allowed or refused alike."""
    s.flag()
    url = f"/api/v1/moderation/comments/{s.target.pk}/decisions/"
    steps = [
        {"action": "approve"},
        {"action": "hide", "reason": "spam"},
        {"action": "restore"},
        {"action": "remove", "reason": "personal_data"},
    ]
    codes = [s.client.post(url, step, **JSON).status_code for step in steps]
    assert codes in ([200] * 4, [403] * 4), codes
    return codes[0] == 200


def try_bulk_decide(s):
    s.flag()
    response = s.client.post(
        "/api/v1/moderation/decisions/", {"comments": [s.target.pk], "action": "approve"}, **JSON
    )
    assert response.status_code in (200, 403), response.content
    return response.status_code == 200 and response.json()["results"] == {str(s.target.pk): "ok"}


def try_block_user(s):
    # The admin's block page calls these actions; they are the rule.
    person = s.make_user(CITIZEN)
    blocked = only_refused(
        lambda: actions.do_block(s.actor, person, reason="spam", hide_content=True)
    )
    person.refresh_from_db()
    assert person.blocked is blocked
    if not blocked:
        # Unblocking is refused alike (someone blocked by the staff).
        actions.do_block(s.staff, person, reason="spam")
    unblocked = only_refused(lambda: actions.do_unblock(s.actor, person))
    person.refresh_from_db()
    assert person.blocked is not unblocked
    assert blocked is unblocked
    return blocked


def try_manage_filtered_words(s):
    """Add, edit and delete: all three go through, or none."""
    # Admin (the FilteredWord viewset registered in moderation/wagtail_hooks.py).
    kept = FilteredWord.objects.create(word="recórcholis", language="es")
    gone = FilteredWord.objects.create(word="cáspita", language="es")
    responses = [
        s.client.post(reverse("filtered_words:add"), {"word": "caramba", "language": "es"}),
        s.client.post(
            reverse("filtered_words:edit", args=[kept.pk]), {"word": "rayos", "language": "en"}
        ),
        s.client.post(reverse("filtered_words:delete", args=[gone.pk])),
    ]
    assert all(r.status_code in (200, 302, 403) for r in responses)
    words = set(FilteredWord.objects.values_list("word", "language"))
    done = [
        ("caramba", "es") in words,
        ("rayos", "en") in words,
        ("cáspita", "es") not in words,
    ]
    assert done in ([True] * 3, [False] * 3), (done, words)
    return done[0]


def try_edit_moderation_settings(s):
    # Admin (Wagtail's settings view for moderation.ModerationSettings).
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["moderation", "moderationsettings", site.pk])
    response = s.client.post(
        url,
        {
            "premoderation": "on",
            "auto_hide_flags": "5",
            "new_account_comments": "2",
            "new_account_days": "1",
            "max_links": "4",
        },
    )
    assert response.status_code in (200, 302, 403)
    settings = ModerationSettings.for_site(site)
    changed = settings.premoderation and settings.auto_hide_flags == 5
    if not changed:
        assert not settings.premoderation and settings.auto_hide_flags == 3
    return changed


def try_read_decision_log(s):
    # Admin page (moderation/admin_views.py LogView).
    s.hide()
    return s.shows([s.client.get("/admin/moderation/log/")], NOTE)


def try_read_hidden_text(s):
    s.flag(times=3)  # hidden pending review: in the queue
    s.target.refresh_from_db()
    assert s.target.status == "hidden"
    return s.shows(s.where_comment_text_could_show(), SECRET)


def try_read_removed_text(s):
    actions.do_decide(s.staff, s.target, action="remove", reason="personal_data")
    actions.do_appeal(s.author, s.target, note="Revisadlo.")  # back in the queue
    return s.shows(s.where_comment_text_could_show(), SECRET)


def try_see_moderation_figures(s):
    s.hide()
    response = s.client.get(s.page.url)
    assert response.status_code == 200
    return bool(re.search(r'data-figure="hidden" data-count="1"', response.content.decode()))


ATTEMPTS = {action: globals()[f"try_{action}"] for action in TABLE}
CELLS = [(action, role) for action in TABLE for role in COLUMNS]


def cell_id(action, role):
    return f"{action}-{role}" + ("-admin" if action in ADMIN_ACTIONS else "")


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[cell_id(a, r) for a, r in CELLS])
def test_permission_cell(
    client, role_users, make_consultation, make_user, no_rate_limits, action, role
):
    author = make_user(CITIZEN, display_name="Autora")
    user = author if role == AUTHOR else role_users[role]
    if user is not None:
        client.force_login(user)
    scene = Scene(client, make_consultation, make_user, user, author)
    assert ATTEMPTS[action](scene) is (role in TABLE[action])


# Blocked people: the table's caveat.


def test_a_blocked_author_may_still_appeal_and_read_the_notice(
    client, make_consultation, make_user, no_rate_limits
):
    author = make_user(CITIZEN)
    scene = Scene(client, make_consultation, make_user, author, author)
    scene.hide()
    actions.do_block(scene.staff, author, reason="spam")
    author.refresh_from_db()
    client.force_login(author)
    assert scene.shows([client.get(reverse("notifications"))], NOTE)
    assert only_refused(lambda: actions.do_appeal(author, scene.target, note="Revisadlo."))


@pytest.mark.parametrize("action", ["flag_comment", "read_queue_api", "decide", "bulk_decide"])
def test_blocked_people_are_refused_whatever_their_role(
    client, make_consultation, make_user, no_rate_limits, action
):
    user = make_user(CITIZEN, MODERATOR, PLANNER, EDITOR, blocked=True)
    client.force_login(user)
    scene = Scene(client, make_consultation, make_user, user, make_user(CITIZEN))
    assert ATTEMPTS[action](scene) is False


def test_a_blocked_moderator_cannot_block(client, make_consultation, make_user, no_rate_limits):
    user = make_user(MODERATOR, blocked=True)
    scene = Scene(client, make_consultation, make_user, user, make_user(CITIZEN))
    assert try_block_user(scene) is False


# The table and the docs.


def test_table_matches_the_docs():
    assert doc_table("Moderation", COLUMNS) == TABLE


def test_more_denials_than_grants():
    grants = sum(len(roles) for roles in TABLE.values())
    assert grants < len(CELLS) - grants
