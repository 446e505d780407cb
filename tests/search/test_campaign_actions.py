"""Acting on a copy-paste campaign as a whole (issue 16): from the
near-duplicates page a moderator hides the ticked comments of a group with
one reason and note, or gives them a theme, in one POST. Each comment is
decided as a single decision would be (its own log entry, its author's
notice); moderators only; at most MAX_CAMPAIGN comments at once; bad input
changes nothing."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments.actions import MAX_TAGS
from comments.models import Comment, CommentStatus, TaggedComment, Theme
from moderation import actions as moderation_actions
from moderation.actions import MAX_CAMPAIGN, do_bulk_add_tags, do_bulk_decide, do_decide
from moderation.models import Action, Decision, Review
from notifications import preferences
from notifications.models import TOPIC_OF_KIND, Notice
from search.models import PendingIndex
from tests.moderation.conftest import post

pytestmark = pytest.mark.usefixtures("no_rate_limits")

CAMPAIGN = (
    "Exigimos que la ciclovía de la avenida Juárez se construya este mismo año "
    "con separadores físicos y alumbrado"
)
ACT = reverse("search_admin:campaign")
# A bulk hide's queries for each comment it decides: its own decision (lock,
# queue item, status, log entry, index mark), nothing shared.
PER_COMMENT_QUERIES = 20
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


# --- In bulk, as one at a time ---------------------------------------------------------


def _mail_text(message, comment):
    # Its links (signed, each its own) aside.
    body = re.sub(r"https?://\S+", "<link>", message.body)
    return message.subject, body.replace(str(comment.pk), "#")


def test_a_bulk_decision_tells_each_author_as_a_single_one_does(
    make_consultation, make_user, django_capture_on_commit_callbacks, mailoutbox
):
    page = make_consultation(questions=["¿Qué cambiarías?"])
    emailed, on_site = make_user(CITIZEN), make_user(CITIZEN)
    # One author hears of moderation on the site only: no e-mail for them.
    preferences.do_stop_email(on_site, TOPIC_OF_KIND[Action.HIDE])
    moderator = make_user(MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        single = {person: post(person, page, body=CAMPAIGN) for person in (emailed, on_site)}
        bulk = {person: post(person, page, body=CAMPAIGN) for person in (emailed, on_site)}
    note = "Texto repetido por una campaña."
    with django_capture_on_commit_callbacks(execute=True):
        for comment in single.values():
            do_decide(moderator, comment, action="hide", reason="spam", note=note)
    single_mails = list(mailoutbox)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = do_bulk_decide(
            moderator, [c.pk for c in bulk.values()], action="hide", reason="spam", note=note
        )
    assert outcome == {c.pk: None for c in bulk.values()}

    def told(comment):
        [notice] = Notice.objects.filter(comment=comment)
        [decision] = Decision.objects.filter(comment=comment)
        return (
            notice.user_id,
            notice.kind,
            notice.reason,
            notice.hold_reason,
            notice.note,
            notice.consultation_id,
            notice.delivery,
            notice.emailed_at == notice.created if notice.emailed_at else None,
            notice.read,
            (decision.action, decision.reason, decision.note, decision.moderator_id),
        )

    for person in (emailed, on_site):
        assert told(bulk[person]) == told(single[person])
    assert [m.to for m in mailoutbox] == [m.to for m in single_mails] == [[emailed.email]]
    assert _mail_text(mailoutbox[0], bulk[emailed]) == _mail_text(single_mails[0], single[emailed])


def _hide_queries(make_consultation, make_user, moderator, count):
    page = make_consultation(questions=["¿Qué cambiarías?"])
    ids = [post(make_user(CITIZEN), page, body=CAMPAIGN).pk for _ in range(count)]
    with CaptureQueriesContext(connection) as queries:
        outcome = do_bulk_decide(moderator, ids, action="hide", reason="spam", maximum=count)
    assert set(outcome.values()) == {None}
    return len(queries)


def test_what_every_comment_shares_is_done_once(make_consultation, make_user):
    moderator = make_user(MODERATOR)
    two = _hide_queries(make_consultation, make_user, moderator, 2)
    six = _hide_queries(make_consultation, make_user, moderator, 6)
    # The moderator, the authors' preferences, notices and e-mails: once per
    # batch. What is left per comment is its own decision.
    assert (six - two) / 4 <= PER_COMMENT_QUERIES, (two, six)


def test_a_comment_refused_themes_is_reported_and_the_others_tagged(campaign, make_user):
    moderator = make_user(MODERATOR)
    full, deleted, *rest = campaign["comments"]
    full.tags.add(*[f"Tema {n}" for n in range(MAX_TAGS)])
    Comment.objects.filter(pk=deleted.pk).update(status=CommentStatus.DELETED)
    PendingIndex.objects.all().delete()
    ids = [c.pk for c in campaign["comments"]] + [10**9]
    with translation.override("en"):
        outcome = do_bulk_add_tags(moderator, ids, ["Campaña", "tema 1"])
    assert outcome[10**9] == "That comment does not exist."
    assert "at most" in outcome[full.pk]
    assert "moderators and planners" in outcome[deleted.pk]
    assert len(full.tags.names()) == MAX_TAGS and not deleted.tags.exists()
    for comment in rest:
        # "tema 1" is the theme "Tema 1" already has: no second theme.
        assert sorted(comment.tags.names()) == ["Campaña", "Tema 1"]
    assert Theme.objects.filter(name__iexact="tema 1").count() == 1
    assert set(PendingIndex.objects.values_list("comment_id", flat=True)) == {c.pk for c in rest}
    # Tagging again adds nothing and changes nothing.
    assert do_bulk_add_tags(moderator, [c.pk for c in rest], ["campaña"]) == {
        c.pk: None for c in rest
    }
    assert TaggedComment.objects.filter(content_object__in=rest).count() == 2 * len(rest)


def test_no_theme_is_created_when_every_comment_is_refused(campaign, make_user):
    comment = campaign["comments"][0]
    Comment.objects.filter(pk=comment.pk).update(status=CommentStatus.DELETED)
    outcome = do_bulk_add_tags(make_user(MODERATOR), [comment.pk], ["Nadie"])
    assert outcome[comment.pk]
    assert not Theme.objects.filter(name="Nadie").exists()


def test_tagging_a_campaign_takes_a_constant_number_of_queries(
    campaign, make_user, django_assert_max_num_queries
):
    moderator = make_user(MODERATOR)
    ids = [c.pk for c in campaign["comments"]]
    Theme.objects.create(name="Ciclovía")
    # The moderator's roles, the comments, their themes, each theme looked
    # up (or created: five more), the rows, the index: once, whatever the
    # number of comments.
    with django_assert_max_num_queries(15):
        do_bulk_add_tags(moderator, ids, ["Campaña", "ciclovía"])
    assert all(sorted(c.tags.names()) == ["Campaña", "Ciclovía"] for c in campaign["comments"])


def test_a_decision_that_fails_still_leaves_the_notices_of_those_taken(
    campaign, make_user, monkeypatch
):
    first, second, *_rest = campaign["comments"]
    decide = moderation_actions._decide

    def failing(moderator, comment, *args, **kwargs):
        if comment.pk == second.pk:
            raise RuntimeError("the database went away")
        return decide(moderator, comment, *args, **kwargs)

    monkeypatch.setattr(moderation_actions, "_decide", failing)
    with pytest.raises(RuntimeError):
        do_bulk_decide(make_user(MODERATOR), [first.pk, second.pk], action="hide", reason="spam")
    assert Notice.objects.filter(comment=first, kind="hide").count() == 1
    assert not Notice.objects.filter(comment=second).exists()
