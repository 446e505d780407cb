"""Acting on a copy-paste campaign as a whole (issue 16): from the
near-duplicates page a moderator hides the ticked comments of a group with
one reason and note, or gives them a theme, in one POST. Each comment is
decided as a single decision would be (its own log entry, its author's
notice); moderators only; at most MAX_CAMPAIGN comments at once; bad input
changes nothing."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments.models import Comment, CommentStatus
from moderation.actions import MAX_CAMPAIGN
from moderation.models import Decision, Review
from notifications.models import Notice
from tests.moderation.conftest import post

pytestmark = pytest.mark.usefixtures("no_rate_limits")

CAMPAIGN = (
    "Exigimos que la ciclovía de la avenida Juárez se construya este mismo año "
    "con separadores físicos y alumbrado"
)
ACT = reverse("search_admin:campaign")
PAGE = reverse("search_admin:duplicates")


@pytest.fixture
def campaign(make_consultation, make_user, django_capture_on_commit_callbacks):
    page = make_consultation(title="Movilidad", questions=["¿Qué cambiarías?"])
    people = [make_user(CITIZEN, display_name=f"Persona {n}") for n in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        comments = [post(person, page, body=CAMPAIGN) for person in people]
        other = post(people[0], page, body="Un comentario propio sin copiar de nadie más.")
    return {"page": page, "people": people, "comments": comments, "other": other}


def client_for(make_user, role):
    client = Client()
    if role != "anonymous":
        client.force_login(make_user(role))
    return client


@pytest.mark.parametrize("role", ["anonymous", CITIZEN, PLANNER, EDITOR])
@pytest.mark.parametrize("action", ["hide", "tag"])
def test_only_moderators_act_on_a_campaign(campaign, make_user, role, action):
    client = client_for(make_user, role)
    ids = [c.pk for c in campaign["comments"]]
    response = client.post(
        ACT, {"action": action, "comments": ids, "reason": "spam", "tags": "Campaña"}
    )
    if role in ("anonymous", CITIZEN):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403
    assert not Comment.objects.filter(pk__in=ids).exclude(status=CommentStatus.PUBLISHED)
    assert not Decision.objects.exists()
    assert all(not c.tags.exists() for c in campaign["comments"])


def test_planners_see_the_groups_but_no_forms(campaign, make_user):
    html = client_for(make_user, PLANNER).get(PAGE).content.decode()
    assert CAMPAIGN[:40] in html
    assert ACT not in html


def test_moderators_get_a_form_per_group_with_every_comment_ticked(campaign, make_user):
    html = client_for(make_user, MODERATOR).get(PAGE).content.decode()
    form = re.search(rf'<form method="post" action="{ACT}".*?</form>', html, re.S).group(0)
    ticked = re.findall(
        r'<input type="checkbox" name="comments" value="(\d+)" id="([\w-]+)" checked>', form
    )
    assert sorted(int(pk) for pk, _ in ticked) == sorted(c.pk for c in campaign["comments"])
    for _pk, box in ticked:
        assert f'<label for="{box}"' in form
    for action in ("hide", "tag"):
        described = re.search(rf'value="{action}"[^>]*aria-describedby="([\w-]+)"', form).group(1)
        assert f'id="{described}"' in form


def test_hide_a_campaign_in_one_post(campaign, make_user):
    moderator = make_user(MODERATOR)
    client = Client()
    client.force_login(moderator)
    chosen = campaign["comments"][:3]
    left = campaign["comments"][3]
    response = client.post(
        ACT,
        {
            "action": "hide",
            "comments": [c.pk for c in chosen],
            "reason": "spam",
            "note": "Texto repetido por una campaña.",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == PAGE
    messages = [str(m) for m in response.context["messages"]]
    assert any("3" in m for m in messages), messages
    for comment in chosen:
        comment.refresh_from_db()
        assert comment.status == CommentStatus.HIDDEN
        # As a single decision: its own log entry and its author's notice.
        [decision] = Decision.objects.filter(comment=comment)
        assert (decision.action, decision.reason, decision.moderator) == ("hide", "spam", moderator)
        assert decision.note == "Texto repetido por una campaña."
        assert Notice.objects.filter(user=comment.author, comment=comment).count() == 1
        assert not Review.objects.get(comment=comment).pending
    left.refresh_from_db()
    assert left.status == CommentStatus.PUBLISHED


def test_already_hidden_comments_are_reported_not_redecided(campaign, make_user):
    moderator = make_user(MODERATOR)
    client = Client()
    client.force_login(moderator)
    ids = [c.pk for c in campaign["comments"]]
    client.post(ACT, {"action": "hide", "comments": ids[:2], "reason": "spam"})
    response = client.post(ACT, {"action": "hide", "comments": ids, "reason": "spam"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert Decision.objects.count() == 4
    assert any(str(ids[0]) in m and str(ids[1]) in m for m in messages), messages


def test_tag_a_campaign_keeping_the_themes_each_has(campaign, make_user):
    moderator = make_user(MODERATOR)
    client = Client()
    client.force_login(moderator)
    first = campaign["comments"][0]
    first.tags.add("Movilidad")
    ids = [c.pk for c in campaign["comments"]]
    response = client.post(
        ACT, {"action": "tag", "comments": ids, "tags": "Campaña ciclovía, movilidad"}
    )
    assert response.status_code == 302
    assert sorted(first.tags.names()) == ["Campaña ciclovía", "Movilidad"]
    for comment in campaign["comments"][1:]:
        # One theme whatever its case: the name it already has.
        assert sorted(comment.tags.names()) == ["Campaña ciclovía", "Movilidad"]
    assert campaign["comments"][1].status == CommentStatus.PUBLISHED


@pytest.mark.parametrize(
    "data",
    [
        {"action": "hide", "reason": ""},  # no reason for the authors
        {"action": "hide", "reason": "nonsense"},
        {"action": "hide", "reason": "spam", "comments": []},
        {"action": "hide", "reason": "spam", "comments": ["abc"]},
        {"action": "hide", "reason": "spam", "comments": [str(2**63)]},
        {
            "action": "hide",
            "reason": "spam",
            "comments": [str(n) for n in range(1, MAX_CAMPAIGN + 2)],
        },
        {"action": "tag", "tags": " , "},
        {"action": "tag", "tags": "x" * 200},
    ],
)
def test_bad_input_changes_nothing(campaign, make_user, data):
    client = Client()
    client.force_login(make_user(MODERATOR))
    data = {"comments": [c.pk for c in campaign["comments"]], **data}
    response = client.post(ACT, data, follow=True)
    assert response.status_code == 200
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert [level for level, _ in messages] == ["error"], messages
    assert not Decision.objects.exists()
    assert not Comment.objects.exclude(status=CommentStatus.PUBLISHED).exists()
    assert all(not c.tags.exists() for c in campaign["comments"])


def test_get_is_refused(make_user):
    assert client_for(make_user, MODERATOR).get(ACT).status_code == 405
