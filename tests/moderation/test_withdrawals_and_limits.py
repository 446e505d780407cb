"""Rules at the edges of moderation: what an author's deletion and edits do
to the queue, whom a moderator may judge or block, and the log that
outlives what it records."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from core.errors import NotAllowed
from moderation import actions
from moderation.models import Decision, FilteredWord, Review
from tests.moderation.conftest import post, queue_listener


def test_an_author_deleting_a_held_comment_leaves_no_trace_in_public(
    page, author, memory_layer, listen, django_capture_on_commit_callbacks
):
    page.moderation_mode = "pre"
    page.save(update_fields=["moderation_mode"])
    held = post(author, page)
    assert held.status == CommentStatus.HELD
    readers, queue = listen(page), queue_listener(memory_layer)
    with django_capture_on_commit_callbacks(execute=True):
        comment_actions.do_delete_comment(author, held)
    assert not Comment.objects.filter(pk=held.review.comment_id).exists()
    assert not Review.objects.exists()
    # The public never saw it, so nothing is said; the queue drops it.
    assert readers.receive_all() == []
    [event] = [m for m in queue.receive_all() if "queue.changed" in m["text"]]
    assert '"pending": false' in event["text"]


def test_deleting_a_flagged_comment_takes_it_out_of_the_queue(page, author, make_user):
    comment = post(author, page)
    actions.do_flag(make_user(CITIZEN), comment, reason="spam")
    assert Review.objects.get(comment=comment).pending
    comment_actions.do_delete_comment(author, comment)
    assert not Review.objects.get(comment=comment).pending


def test_an_edit_adding_a_filtered_word_queues_the_comment(page, author):
    FilteredWord(word="estúpido", language="es").save()
    comment = post(author, page)
    assert not Review.objects.filter(comment=comment).exists()
    comment_actions.do_edit_comment(author, comment, body="Qué idea tan ESTUPIDO la de antes")
    review = Review.objects.get(comment=comment)
    assert review.pending and review.hold_reason == "word" and review.hold_detail == "estúpido"
    # Still shown until a moderator decides, as a flagged comment is.
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED


def test_a_clean_edit_does_not_queue_the_comment(page, author):
    FilteredWord(word="estúpido", language="es").save()
    comment = post(author, page)
    comment_actions.do_edit_comment(author, comment, body="Una versión más clara del comentario")
    assert not Review.objects.filter(comment=comment).exists()


def test_a_moderator_cannot_decide_on_their_own_comment(page, moderator, make_user):
    own = post(moderator, page)
    actions.do_flag(make_user(CITIZEN), own, reason="spam")
    with pytest.raises(NotAllowed):
        actions.do_decide(moderator, own, action="approve")
    with pytest.raises(NotAllowed):
        actions.do_decide(moderator, own, action="hide", reason="spam")
    assert Review.objects.get(comment=own).pending
    # Another moderator can.
    actions.do_decide(make_user(MODERATOR), own, action="approve")
    assert not Review.objects.get(comment=own).pending


def test_moderators_and_administrators_are_blocked_only_by_administrators(make_user, moderator):
    other_moderator = make_user(MODERATOR)
    admin = make_user(is_superuser=True)
    with pytest.raises(NotAllowed):
        actions.do_block(moderator, other_moderator, reason="abusive")
    with pytest.raises(NotAllowed):
        actions.do_block(moderator, admin, reason="abusive")
    other_moderator.refresh_from_db()
    admin.refresh_from_db()
    assert not other_moderator.blocked and not admin.blocked
    actions.do_block(admin, other_moderator, reason="abusive")
    other_moderator.refresh_from_db()
    assert other_moderator.blocked


def test_the_log_cannot_be_rewritten_even_in_bulk(page, author, moderator):
    comment = post(author, page)
    actions.do_decide(moderator, comment, action="hide", reason="spam")
    with pytest.raises(PermissionDenied):
        Decision.objects.update(reason="other")
    with pytest.raises(PermissionDenied):
        Decision.objects.filter(comment=comment).delete()
    with pytest.raises(PermissionDenied):
        Decision.objects.get(comment=comment).delete()
    assert Decision.objects.get(comment=comment).reason == "spam"


def test_the_log_outlives_a_deleted_consultation(page, author, moderator):
    comment = post(author, page)
    actions.do_decide(moderator, comment, action="hide", reason="spam")
    comment_id = comment.pk
    page.delete()
    assert not Comment.objects.filter(pk=comment_id).exists()
    decision = Decision.objects.get(comment_id=comment_id)
    assert (decision.action, decision.reason, decision.moderator_id) == (
        "hide",
        "spam",
        moderator.pk,
    )
