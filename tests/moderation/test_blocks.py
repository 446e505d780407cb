"""Blocking a person: they keep reading and may delete their own comments,
but cannot post, reply, react or flag; their content can be hidden in the
same step; unblocking gives participation back."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import translation
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus, Reaction
from core.errors import Conflict, Invalid, NotAllowed
from moderation import actions
from moderation.models import Decision, Flag, Review
from notifications.models import Notice
from tests.moderation.conftest import post


@pytest.fixture
def person(make_user):
    return make_user(CITIZEN, display_name="Persona Bloqueada")


def block(moderator, person, **kwargs):
    kwargs.setdefault("reason", "abusive")
    return actions.do_block(moderator, person, **kwargs)


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- What a blocked person can and cannot do ------------------------------------------


def test_a_blocked_person_cannot_post_reply_react_flag_or_edit(page, moderator, person, make_user):
    own = post(person, page, body="Lo escribí antes")
    other = post(make_user(CITIZEN), page, body="De otra persona")
    block(moderator, person)
    # The copy from before the block (an open session) is refused as well.
    attempts = {
        "post": lambda: post(person, page),
        "reply": lambda: post(person, page, parent=other.pk),
        "react": lambda: comment_actions.do_react(person, other, "agree"),
        "flag": lambda: actions.do_flag(person, other, reason="spam"),
        "edit": lambda: comment_actions.do_edit_comment(person, own, body="Nuevo texto"),
    }
    for name, attempt in attempts.items():
        with translation.override("en"), pytest.raises(NotAllowed) as refused:
            attempt()
        assert "blocked" in str(refused.value.message), name
    assert Comment.objects.filter(author=person).count() == 1
    assert not Reaction.objects.exists() and not Flag.objects.exists()
    assert Comment.objects.get(pk=own.pk).body == "Lo escribí antes"


def test_a_blocked_person_is_refused_over_http(page, moderator, person, make_user):
    other = post(make_user(CITIZEN), page)
    block(moderator, person)
    client = Client()
    client.force_login(person)
    api = "/api/v1"
    responses = [
        client.post(
            f"{api}/consultations/{page.pk}/comments/",
            {"body": "Intento", "question": page.ordered_questions[0].pk},
            content_type="application/json",
        ),
        client.post(
            f"{api}/comments/{other.pk}/reactions/",
            {"stance": "agree"},
            content_type="application/json",
        ),
        client.post(
            f"{api}/comments/{other.pk}/flags/", {"reason": "spam"}, content_type="application/json"
        ),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert Comment.objects.count() == 1


def test_a_blocked_person_still_reads_and_deletes_their_own(page, moderator, person, make_user):
    own = post(person, page, body="Mío, para borrar")
    post(make_user(CITIZEN), page, body="Lo que dicen otros")
    block(moderator, person)
    client = Client()
    client.force_login(person)
    html = client.get(page.url).content.decode()
    assert "Lo que dicen otros" in html
    listing = client.get(f"/api/v1/consultations/{page.pk}/comments/")
    assert listing.status_code == 200 and len(listing.json()["results"]) == 2
    assert client.delete(f"/api/v1/comments/{own.pk}/").status_code == 204
    assert Comment.objects.get(pk=own.pk).status == CommentStatus.DELETED


# --- Blocking -----------------------------------------------------------------------------


def test_blocking_is_logged_and_told(
    page, moderator, person, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        hidden = block(moderator, person, reason="spam", note="Publicidad repetida")
    assert hidden == 0 and fresh(person).blocked
    decision = Decision.objects.get()
    assert (decision.moderator, decision.action, decision.user, decision.comment) == (
        moderator,
        "block",
        person,
        None,
    )
    assert (decision.reason, decision.note) == ("spam", "Publicidad repetida")
    entry = ModelLogEntry.objects.get()
    assert entry.action == "puente.moderation.block"
    assert (entry.content_type.model, entry.object_id) == ("user", str(person.pk))
    notice = Notice.objects.get()
    assert (notice.user, notice.kind, notice.reason, notice.comment) == (
        person,
        "block",
        "spam",
        None,
    )
    [mail] = mailoutbox
    assert mail.to == [person.email] and "Publicidad repetida" in mail.body


def test_hide_content_hides_all_their_shown_comments_in_one_step(
    page, moderator, person, make_user, listen, django_capture_on_commit_callbacks, mailoutbox
):
    published = [post(person, page, body=f"Publicado {n}") for n in range(2)]
    page.moderation_mode = "pre"
    held = post(person, page, body="Retenido")
    page.moderation_mode = ""
    deleted = post(person, page, body="Borrado")
    comment_actions.do_delete_comment(person, deleted)
    already = post(person, page, body="Ya oculto")
    actions.do_decide(moderator, already, action="hide", reason="spam")
    bystander = post(make_user(CITIZEN), page, body="De otra persona")
    readers = listen(page)
    mailoutbox.clear()
    notices = Notice.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        hidden = block(moderator, person, reason="abusive", hide_content=True)

    assert hidden == 3
    statuses = dict(Comment.objects.values_list("pk", "status"))
    for comment in [*published, held]:
        assert statuses[comment.pk] == CommentStatus.HIDDEN
        review = Review.objects.get(comment=comment)
        assert (review.pending, review.action, review.reason) == (False, "hide", "abusive")
    assert statuses[deleted.pk] == CommentStatus.DELETED
    assert statuses[already.pk] == CommentStatus.HIDDEN
    assert statuses[bystander.pk] == CommentStatus.PUBLISHED
    # Each change goes out live, in order, as a tombstone.
    events = readers.events()
    assert [(e["type"], e["comment"]["id"]) for e in events] == [
        ("comment.hidden", c.pk) for c in [*published, held]
    ]
    assert all(e["comment"]["body"] == "" and e["comment"]["author"] is None for e in events)
    cursors = [e["cursor"] for e in events]
    assert cursors == sorted(cursors) and len(set(cursors)) == 3
    # Logged one by one; a notice per comment (each may be appealed), one e-mail.
    assert list(Decision.objects.order_by("pk").values_list("action", "comment_id"))[-4:] == [
        ("block", None),
        *[("hide", c.pk) for c in [*published, held]],
    ]
    assert Notice.objects.count() == notices + 4
    [mail] = mailoutbox
    assert mail.to == [person.email]


def test_without_hide_content_their_comments_stay(page, moderator, person):
    comment = post(person, page)
    block(moderator, person)
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PUBLISHED


def test_blocking_twice_is_a_conflict(page, moderator, person, make_user):
    block(moderator, person)
    with pytest.raises(Conflict) as refused:
        block(make_user(MODERATOR), person, reason="spam", hide_content=True)
    assert refused.value.status == 409
    assert Decision.objects.count() == 1 and Notice.objects.count() == 1


def test_a_moderator_cannot_block_themselves(moderator):
    with pytest.raises(NotAllowed):
        block(moderator, moderator)
    assert not fresh(moderator).blocked and not Decision.objects.exists()


@pytest.mark.parametrize("reason", ["", "aburrido", None])
def test_blocking_needs_a_reason(moderator, person, reason):
    with pytest.raises(Invalid) as error:
        block(moderator, person, reason=reason)
    assert set(error.value.errors) == {"reason"}
    assert not fresh(person).blocked


def test_the_block_note_has_a_length_limit(moderator, person):
    with pytest.raises(Invalid) as error:
        block(moderator, person, note="x" * (actions.MAX_NOTE_LENGTH + 1))
    assert set(error.value.errors) == {"note"}
    assert not fresh(person).blocked


@pytest.mark.parametrize("who", ["anonymous", CITIZEN, PLANNER, EDITOR, "blocked moderator"])
def test_only_moderators_block_and_unblock(make_user, person, who):
    if who == "anonymous":
        actor = AnonymousUser()
    elif who == "blocked moderator":
        actor = make_user(MODERATOR, blocked=True)
    else:
        actor = make_user(who)
    with pytest.raises(NotAllowed):
        block(actor, person)
    assert not fresh(person).blocked
    User.objects.filter(pk=person.pk).update(blocked=True)
    with pytest.raises(NotAllowed):
        actions.do_unblock(actor, person)
    assert fresh(person).blocked
    assert not Decision.objects.exists()


# --- Unblocking -----------------------------------------------------------------------------


def test_unblocking_gives_participation_back(
    page, moderator, person, make_user, django_capture_on_commit_callbacks, mailoutbox
):
    other = post(make_user(CITIZEN), page)
    block(moderator, person)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_unblock(moderator, person, note="Disculpas aceptadas")
    assert not fresh(person).blocked
    assert post(person, page).status == CommentStatus.PUBLISHED
    comment_actions.do_react(person, other, "agree")
    actions.do_flag(person, other, reason="off_topic")
    assert list(Decision.objects.order_by("pk").values_list("action", "note")) == [
        ("block", ""),
        ("unblock", "Disculpas aceptadas"),
    ]
    assert ModelLogEntry.objects.filter(action="puente.moderation.unblock").count() == 1
    assert Notice.objects.order_by("-pk").first().kind == "unblock"
    assert mailoutbox[-1].to == [person.email]


def test_unblocking_someone_not_blocked_is_a_conflict(moderator, person):
    with pytest.raises(Conflict):
        actions.do_unblock(moderator, person)
    assert not Decision.objects.exists()
