"""Holds: a comment the site keeps from the public until a moderator
approves it (by the site's or the consultation's policy, a filtered word, a
new account, too many links), an edit sent for review, and the queue item
of a comment its author withdrew. `Holds` is the gate comments.actions asks
(comments.hooks, setting PUENTE_COMMENT_GATES)."""

from comments.hooks import CommentGate
from comments.models import ConsultationActivity
from moderation import changes, events, policy
from moderation.models import Review, ReviewKind
from notifications import notify
from notifications.models import Notice


class Holds(CommentGate):
    def hold_new(self, comment, now):
        return policy.hold_for(comment.author, comment.consultation, comment.body, now)

    def held(self, comment, hold, now):
        hold_new_comment(comment, hold, now)

    def edited(self, comment, now):
        hold = policy.hold_for_edit(comment.consultation, comment.body)
        if hold is None:
            return False
        review_edit(comment, hold, now)
        return True

    def withdrawn_all(self, comments):
        withdraw_all(comments)

    def withdrawn(self, comment):
        withdraw(comment)


def open_review(comment, kind, now):
    """The comment's queue item, pending. An item already pending keeps its
    place, and its kind unless appealed (a held comment that is also flagged
    stays "held"; an author appealing an auto-hide does not wait longer)."""
    review, created = Review.objects.select_for_update().get_or_create(
        comment=comment,
        defaults={"consultation_id": comment.consultation_id, "kind": kind, "opened": now},
    )
    if created:
        return review
    if not review.pending:
        review.pending, review.kind, review.opened = True, kind, now
    elif kind == ReviewKind.APPEALED:
        review.kind = kind
    return review


def hold_new_comment(comment, hold, now):
    """Queue a comment the site held on posting and tell its author."""
    hold_reason, detail = hold
    notify.tell(comment.author, Notice.Kind.HELD, comment=comment, hold_reason=hold_reason, now=now)
    # Numbered last (moderation/changes.py).
    review = Review.objects.create(
        comment=comment,
        consultation_id=comment.consultation_id,
        kind=ReviewKind.HELD,
        hold_reason=hold_reason,
        hold_detail=detail[:100],
        opened=now,
        seq=changes.take()[0],
    )
    events.on_commit_queue_changed(review)
    return review


def review_edit(comment, hold, now):
    """An edit that a hold rule would have caught (a filtered word, too many
    links) puts the comment in the queue; it stays shown until a moderator
    decides, as a flagged comment does."""
    hold_reason, detail = hold
    review = open_review(comment, ReviewKind.FLAGGED, now)
    review.hold_reason, review.hold_detail = hold_reason, detail[:100]
    changes.stamp(review).save()
    events.on_commit_queue_changed(review)
    return review


def withdraw(comment):
    """The author deleted the comment: nothing is left to review."""
    review = Review.objects.filter(comment=comment, pending=True).first()
    if review is not None:
        review.pending = False
        changes.stamp(review).save(update_fields=["pending", "seq"])
        events.on_commit_queue_changed(review)


def withdraw_all(comments):
    """Their author deleted all of these comments (their account): their
    pending queue items close, in one update.

    comments.actions.do_withdraw_all numbers the comments in each of their
    consultations after this (ConsultationActivity, in key order), and a
    held comment's post numbers its consultation before the queue: those
    counters are locked first here, in the same order, so that taking the
    queue's number now closes no lock cycle."""
    reviews = list(
        Review.objects.filter(
            comment_id__in=[comment.pk for comment in comments], pending=True
        ).order_by("pk")
    )
    if not reviews:
        return
    consultation_ids = sorted({comment.consultation_id for comment in comments})
    list(
        ConsultationActivity.objects.select_for_update()
        .filter(pk__in=consultation_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for review, seq in zip(reviews, changes.take(len(reviews)), strict=True):
        review.pending, review.seq = False, seq
    Review.objects.bulk_update(reviews, ["pending", "seq"])
    for review in reviews:
        events.on_commit_queue_changed(review)
