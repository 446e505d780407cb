"""Appeals: the author of a hidden or removed comment asks, once and with a
note, for the decision to be looked at again; the item goes back to the
queue, where a moderator's decision answers it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.roles import CITIZEN
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from core.errors import Conflict, Invalid, NotAllowed
from moderation import actions
from moderation.actions import MAX_NOTE_LENGTH, do_appeal, do_decide
from moderation.models import Appeal, Review
from moderation.rules import can_appeal
from notifications.models import Notice
from tests.moderation.conftest import post, queue_listener

NOTE = "No insulté a nadie; cito la ley."


@pytest.fixture
def hidden(page, author, moderator):
    comment = post(author, page)
    do_decide(moderator, comment, action="hide", reason="abusive")
    return Comment.objects.get(pk=comment.pk)


# --- Who, what, how often ------------------------------------------------------------------


def test_the_author_appeals_and_the_item_goes_back_to_the_queue(
    hidden, author, memory_layer, django_capture_on_commit_callbacks
):
    queue = queue_listener(memory_layer)
    assert can_appeal(author, hidden)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = do_appeal(author, hidden, note=f"  {NOTE}  ")
    assert (appeal.comment, appeal.note, appeal.resolved) == (hidden, NOTE, None)
    review = Review.objects.get(comment=hidden)
    assert (review.pending, review.kind) == (True, "appealed")
    # The decision stands meanwhile.
    assert Comment.objects.get(pk=hidden.pk).status == CommentStatus.HIDDEN
    [event] = queue.events()
    assert event == {
        "type": "queue.changed",
        "comment": hidden.pk,
        "consultation": hidden.consultation_id,
        "pending": True,
        "kind": "appealed",
        "flag_count": 0,
        "cursor": review.seq,
    }
    assert not can_appeal(author, hidden)


def test_a_removed_comment_can_be_appealed(page, author, moderator):
    comment = post(author, page)
    do_decide(moderator, comment, action="remove", reason="personal_data")
    do_appeal(author, comment, note=NOTE)
    assert Review.objects.get(comment=comment).kind == "appealed"


def test_only_the_author_appeals(hidden, make_user, moderator):
    for person in [make_user(CITIZEN), moderator, AnonymousUser()]:
        assert not can_appeal(person, hidden)
        with pytest.raises(NotAllowed):
            do_appeal(person, hidden, note=NOTE)
    assert not Appeal.objects.exists()
    assert Review.objects.get(comment=hidden).pending is False


def test_a_deactivated_author_cannot_appeal(hidden, author):
    type(author).objects.filter(pk=author.pk).update(is_active=False)
    author.refresh_from_db()
    with pytest.raises(NotAllowed):
        do_appeal(author, hidden, note=NOTE)
    assert not Appeal.objects.exists()


def test_a_blocked_author_still_appeals(hidden, author, moderator):
    actions.do_block(moderator, author, reason="abusive")
    author.refresh_from_db()
    do_appeal(author, hidden, note=NOTE)
    assert Appeal.objects.filter(comment=hidden).exists()


@pytest.mark.parametrize("state", ["published", "held", "deleted", "flagged"])
def test_only_hidden_or_removed_comments_can_be_appealed(page, author, make_user, state):
    if state == "held":
        page.moderation_mode = "pre"
    comment = post(author, page)
    if state == "deleted":
        comment_actions.do_delete_comment(author, comment)
    if state == "flagged":
        actions.do_flag(make_user(CITIZEN), comment, reason="spam")
    review = Review.objects.filter(comment=comment).values().first()
    assert not can_appeal(author, comment)
    with pytest.raises(Conflict):
        do_appeal(author, comment, note=NOTE)
    assert not Appeal.objects.exists()
    assert Review.objects.filter(comment=comment).values().first() == review


def test_an_author_appeals_once(hidden, author, moderator):
    do_appeal(author, hidden, note=NOTE)
    with pytest.raises(Conflict) as refused:
        do_appeal(author, hidden, note="Otra vez")
    assert refused.value.status == 409
    # Still once after the appeal was answered and the comment hidden again.
    do_decide(moderator, hidden, action="restore")
    do_decide(moderator, hidden, action="hide", reason="spam")
    with pytest.raises(Conflict):
        do_appeal(author, hidden, note="Y otra")
    assert Appeal.objects.get().note == NOTE


@pytest.mark.parametrize(
    "note", ["", "   ", "\n\n", "<script>alert(1)</script>", None, "x" * (MAX_NOTE_LENGTH + 1)]
)
def test_an_appeal_needs_a_note_of_reasonable_length(hidden, author, note):
    with pytest.raises(Invalid) as error:
        do_appeal(author, hidden, note=note)
    assert set(error.value.errors) == {"note"}
    assert not Appeal.objects.exists()
    assert Review.objects.get(comment=hidden).pending is False


def test_a_note_of_the_maximum_length_is_accepted(hidden, author):
    do_appeal(author, hidden, note="x" * MAX_NOTE_LENGTH)
    assert len(Appeal.objects.get().note) == MAX_NOTE_LENGTH


# --- The answer ---------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), [("restore", "published"), ("approve", "published")])
def test_granting_an_appeal_publishes_the_comment_and_tells_the_author(
    hidden, author, moderator, action, status, django_capture_on_commit_callbacks, mailoutbox
):
    do_appeal(author, hidden, note=NOTE)
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, hidden, action=action)
    assert Comment.objects.get(pk=hidden.pk).status == status
    assert Appeal.objects.get().resolved is not None
    review = Review.objects.get(comment=hidden)
    assert (review.pending, review.action) == (False, action)
    assert Notice.objects.order_by("-pk").first().kind == action
    assert mailoutbox[-1].to == [author.email]


@pytest.mark.parametrize("start", ["hide", "remove"])
def test_turning_an_appeal_down_resolves_it_and_tells_the_author(
    page, author, moderator, start, django_capture_on_commit_callbacks, mailoutbox
):
    comment = post(author, page)
    do_decide(moderator, comment, action=start, reason="abusive")
    do_appeal(author, comment, note=NOTE)
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action=start, reason="abusive", note="Se mantiene.")
    comment.refresh_from_db()
    assert comment.status == {"hide": "hidden", "remove": "removed"}[start]
    assert Appeal.objects.get().resolved is not None
    assert Review.objects.get(comment=comment).pending is False
    notice = Notice.objects.order_by("-pk").first()
    assert (notice.kind, notice.note) == (start, "Se mantiene.")
    [mail] = mailoutbox
    assert mail.to == [author.email] and "Se mantiene." in mail.body
    # Answered: no second appeal, no second answer.
    with pytest.raises(Conflict):
        do_decide(moderator, comment, action=start, reason="abusive")


def test_an_appeal_removed_for_good(page, author, moderator):
    comment = post(author, page)
    do_decide(moderator, comment, action="hide", reason="abusive")
    do_appeal(author, comment, note=NOTE)
    do_decide(moderator, comment, action="remove", reason="personal_data")
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.REMOVED
    assert Appeal.objects.get().resolved is not None


def test_appealing_an_auto_hide_keeps_its_place_in_the_queue(page, author, make_user):
    comment = post(author, page)
    for _ in range(3):
        actions.do_flag(make_user(CITIZEN), comment, reason="spam")
    opened = Review.objects.get(comment=comment).opened
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.HIDDEN
    do_appeal(author, comment, note=NOTE)
    review = Review.objects.get(comment=comment)
    assert (review.pending, review.kind, review.opened) == (True, "appealed", opened)
    assert review.flag_count == 3


def test_an_appeal_of_a_resolved_item_goes_to_the_back_of_the_queue(hidden, author):
    decided = Review.objects.get(comment=hidden).opened
    before = timezone.now()
    do_appeal(author, hidden, note=NOTE)
    opened = Review.objects.get(comment=hidden).opened
    assert opened >= before > decided
