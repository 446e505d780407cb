"""docs/roles.md, "Following and notifications": one test per cell, tried
through the pages, the API and the socket people use."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comments
from notifications import notify, unsubscribe
from notifications.models import Follow, Notice, Preference
from tests.roles_doc import doc_table
from tests.websocket_helpers import communicator, session_cookie

ANONYMOUS, BLOCKED = "anonymous", "blocked"
COLUMNS = (ANONYMOUS, CITIZEN, MODERATOR, PLANNER, EDITOR, BLOCKED)
PEOPLE = {CITIZEN, MODERATOR, PLANNER, EDITOR, BLOCKED}

TABLE = {
    "follow_consultation": PEOPLE,
    "follow_thread": PEOPLE,
    "read_own_notifications": PEOPLE,
    "read_others_notifications": set(),
    "hear_own_unread_count": PEOPLE,
    "choose_notification_preferences": PEOPLE,
    "unsubscribe_with_link": set(COLUMNS),
    "read_own_contributions": PEOPLE,
    "find_by_folio": {MODERATOR, PLANNER},
    "read_outgoing_email": set(),
}


@pytest.fixture
def world(make_consultation, make_user, no_rate_limits, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    consultation = make_consultation(questions=["¿Qué opinas?"])
    someone = make_user(CITIZEN, email="alguien@example.com")
    comment = comments.do_post_comment(
        someone,
        consultation,
        body="Palabras de otra persona.",
        question=consultation.ordered_questions[0].pk,
    )
    notice = notify.tell(someone, Notice.Kind.UNBLOCKED, now=timezone.now())
    return {"consultation": consultation, "someone": someone, "comment": comment, "notice": notice}


def person(make_user, role):
    if role == ANONYMOUS:
        return None
    if role == BLOCKED:
        return make_user(CITIZEN, blocked=True)
    return make_user(role)


def try_follow_consultation(client, user, world):
    page = world["consultation"]
    client.post(reverse("follow-consultation", args=[page.pk]), {"following": "1"})
    return (
        user is not None
        and Follow.objects.filter(user=user, consultation=page, active=True).exists()
    )


def try_follow_thread(client, user, world):
    thread = world["comment"]
    response = client.put(reverse("api-follow-thread", args=[thread.pk]))
    followed = (
        user is not None and Follow.objects.filter(user=user, thread=thread, active=True).exists()
    )
    assert followed == (response.status_code == 200), response.status_code
    return followed


def try_read_own_notifications(client, user, world):
    if user is not None:
        notify.tell(user, Notice.Kind.UNBLOCKED, now=timezone.now())
    page = client.get(reverse("notifications"))
    api = client.get(reverse("api-notifications"))
    if page.status_code != 200:
        assert api.status_code in (401, 403)
        return False
    assert api.status_code == 200 and len(api.json()["results"]) == 1
    client.post(reverse("notifications-read-all"))
    return not Notice.objects.filter(user=user, read=False).exists()


def try_read_others_notifications(client, user, world):
    notice = world["notice"]
    listed = client.get(reverse("api-notifications"))
    seen = listed.status_code == 200 and any(
        entry["id"] == notice.pk for entry in listed.json()["results"]
    )
    client.post(
        reverse("api-notifications-read"), {"ids": [notice.pk]}, content_type="application/json"
    )
    client.post(reverse("notifications-read-all"))
    notice.refresh_from_db()
    return seen or notice.read


def try_hear_own_unread_count(client, user, world):
    if user is None:
        socket = communicator("/ws/notifications/")
    else:
        socket = communicator("/ws/notifications/", cookie=session_cookie(user))

    async def listen():
        connected, _code = await socket.connect(timeout=3)
        if not connected:
            return False
        try:
            first = await socket.receive_output(timeout=3)
        finally:
            await socket.disconnect()
        if first["type"] != "websocket.send":  # closed: anonymous people hear nothing
            return False
        return json.loads(first["text"])["type"] == notify.UNREAD_EVENT

    return async_to_sync(listen)()


def try_choose_notification_preferences(client, user, world):
    choices = {"reply": "daily", "thread": "weekly", "consultation": "now", "response": "now"}
    choices |= {"commitment": "site", "moderation": "now", "receipt": "now"}
    client.post(reverse("notification-preferences"), choices)
    return (
        user is not None
        and Preference.objects.filter(user=user, topic="reply", delivery="daily").exists()
    )


def try_unsubscribe_with_link(client, user, world):
    someone = world["someone"]
    client.post(reverse("notification-unsubscribe", args=[unsubscribe.token(someone, "reply")]))
    return Preference.objects.filter(user=someone, topic="reply", delivery="site").exists()


def try_read_own_contributions(client, user, world):
    if user is not None:
        # Written before any block: a blocked person keeps what they said.
        type(user).objects.filter(pk=user.pk).update(blocked=False)
        own = comments.do_post_comment(
            user,
            world["consultation"],
            body="Lo que yo dije.",
            question=world["consultation"].ordered_questions[0].pk,
        )
        type(user).objects.filter(pk=user.pk).update(blocked=user.blocked)
    response = client.get(reverse("my-contributions"))
    if response.status_code != 200:
        return False
    html = response.content.decode()
    assert own.folio in html and world["comment"].folio not in html
    return True


def try_find_by_folio(client, user, world):
    folio = world["comment"].folio
    response = client.get(reverse("api-moderation-search"), {"q": folio})
    if response.status_code != 200:
        return False
    return [hit["id"] for hit in response.json()["results"]] == [world["comment"].pk]


def try_read_outgoing_email(client, user, world):
    response = client.get("/admin/outgoing-email/")
    return response.status_code == 200 and world["someone"].email in response.content.decode()


ATTEMPTS = {action: globals()[f"try_{action}"] for action in TABLE}
CELLS = [(action, role) for action in TABLE for role in COLUMNS]


@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_cell(client, make_user, world, action, role):
    user = person(make_user, role)
    if user is not None:
        client.force_login(user)
    assert ATTEMPTS[action](client, user, world) is (role in TABLE[action])


def test_an_operator_reads_the_outbox(client, make_user, world):
    from django.contrib.auth.models import Permission

    operator = make_user(EDITOR)
    operator.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    client.force_login(operator)
    assert try_read_outgoing_email(client, operator, world)
    admin = make_user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert try_read_outgoing_email(client, admin, world)
    # Read-only, even for superusers: mail is written by the site.
    assert client.get("/admin/outgoing-email/new/").status_code in (302, 403, 404)


def test_table_matches_the_docs():
    assert doc_table("Following and notifications", COLUMNS) == TABLE
