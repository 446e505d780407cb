"""Every moderation write (CONVENTIONS: check_* validates and authorises,
do_* writes in one transaction and schedules side effects on commit):
flags, holds, decisions, blocks and appeals. The admin views, the JSON API
and comments/actions.py (for holds) call these."""

from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from accounts.roles import MODERATOR, has_role
from comments import actions as comment_actions
from comments import rules
from comments.errors import Conflict, Invalid, NotAllowed
from comments.models import Comment, CommentStatus
from comments.text import clean_body
from moderation import events, notify, policy
from moderation.models import (
    ACTIONS_WITH_REASON,
    COMMENT_ACTIONS,
    Action,
    Appeal,
    Decision,
    Flag,
    FlagReason,
    Notice,
    Review,
    ReviewKind,
)

MAX_NOTE_LENGTH = 1000
MAX_BULK = 100
# Which statuses each decision may start from.
ALLOWED_FROM = {
    Action.HIDE: (CommentStatus.PUBLISHED, CommentStatus.HELD, CommentStatus.HIDDEN),
    Action.REMOVE: (CommentStatus.PUBLISHED, CommentStatus.HELD, CommentStatus.HIDDEN),
    Action.RESTORE: (CommentStatus.HIDDEN, CommentStatus.REMOVED),
}
RESULT_STATUS = {
    Action.APPROVE: CommentStatus.PUBLISHED,
    Action.HIDE: CommentStatus.HIDDEN,
    Action.REMOVE: CommentStatus.REMOVED,
    Action.RESTORE: CommentStatus.PUBLISHED,
}


def is_moderator(user):
    return rules.is_participant(user) and has_role(user, MODERATOR)


def check_note(note, *, field="note", required=False):
    note = clean_body(note) if isinstance(note, str) else ""
    if len(note) > MAX_NOTE_LENGTH:
        raise Invalid(
            {field: [_("A note can have at most %(max)s characters.") % {"max": MAX_NOTE_LENGTH}]}
        )
    if required and not note:
        raise Invalid({field: [_("Write a note.")]})
    return note


# Flags ---------------------------------------------------------------------


def check_flag(user, comment, reason, note):
    if not rules.is_participant(user):
        raise NotAllowed(comment_actions.refusal(user))
    if rules.is_author(user, comment):
        raise NotAllowed(_("You cannot flag your own comment."))
    if comment.status != CommentStatus.PUBLISHED:
        raise NotAllowed(_("This comment is no longer shown."))
    errors = {}
    if reason not in FlagReason.values:
        errors["reason"] = [_("Choose a reason.")]
    try:
        note = check_note(note)
    except Invalid as error:
        errors.update(error.errors)
        note = ""
    if reason == FlagReason.OTHER and not note and "note" not in errors:
        errors["note"] = [_("Say what is wrong with this comment.")]
    if errors:
        raise Invalid(errors)
    return note


@transaction.atomic
def do_flag(user, comment, *, reason, note=""):
    """Record the flag and put the comment in the queue; the N-th distinct
    flag not cleared by an approval hides it pending review."""
    now = timezone.now()
    user = comment_actions.fresh_participant(user)
    comment = Comment.objects.select_for_update().select_related("consultation").get(pk=comment.pk)
    note = check_flag(user, comment, reason, note)
    if Flag.objects.filter(comment=comment, user=user).exists():
        raise Invalid({"reason": [_("You have already flagged this comment.")]})
    flag = Flag.objects.create(comment=comment, user=user, reason=reason, note=note)
    review = _open_review(comment, ReviewKind.FLAGGED, now)
    review.flag_count = Flag.objects.filter(comment=comment, cleared=False).count()
    review.save()
    threshold = policy.policy_for(comment.consultation).auto_hide_flags
    if review.flag_count >= threshold and comment.status == CommentStatus.PUBLISHED:
        top_reason = _top_reason(comment)
        comment_actions.change_status(comment, CommentStatus.HIDDEN, "comment.hidden")
        review.action, review.reason = Action.HIDE, top_reason
        review.save(update_fields=["action", "reason"])
        _record(None, Action.HIDE, comment=comment, user=comment.author, reason=top_reason, now=now)
        notify.tell(
            comment.author, Notice.Kind.HIDDEN_BY_FLAGS, comment=comment, reason=top_reason, now=now
        )
    events.on_commit_queue_changed(review)
    return flag


def _top_reason(comment):
    reasons = Flag.objects.filter(comment=comment, cleared=False).values_list("reason", flat=True)
    return Counter(reasons).most_common(1)[0][0]


def _open_review(comment, kind, now):
    """The comment's queue item, pending. An item already pending keeps its
    kind and place (a held comment that is also flagged stays "held")."""
    review, created = Review.objects.select_for_update().get_or_create(
        comment=comment,
        defaults={"consultation_id": comment.consultation_id, "kind": kind, "opened": now},
    )
    if not created and (not review.pending or kind == ReviewKind.APPEALED):
        review.pending, review.kind, review.opened = True, kind, now
    return review


# Holds (called by comments.actions.do_post_comment) -----------------------


def hold_new_comment(comment, hold, now):
    """Queue a comment the site held on posting and tell its author."""
    hold_reason, detail = hold
    review = Review.objects.create(
        comment=comment,
        consultation_id=comment.consultation_id,
        kind=ReviewKind.HELD,
        hold_reason=hold_reason,
        hold_detail=detail[:100],
        opened=now,
    )
    notify.tell(comment.author, Notice.Kind.HELD, comment=comment, hold_reason=hold_reason, now=now)
    events.on_commit_queue_changed(review)
    return review


# Decisions -----------------------------------------------------------------


def check_decision(moderator, comment, review, action, reason, note):
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can take moderation decisions."))
    errors = {}
    if action not in COMMENT_ACTIONS:
        errors["action"] = [_("Choose approve, hide, remove or restore.")]
    if action in ACTIONS_WITH_REASON and reason not in FlagReason.values:
        errors["reason"] = [_("Choose the reason the author will be told.")]
    elif reason and reason not in FlagReason.values:
        errors["reason"] = [_("Choose a reason.")]
    try:
        note = check_note(note)
    except Invalid as error:
        errors.update(error.errors)
    if errors:
        raise Invalid(errors)
    pending = review is not None and review.pending
    status = comment.status
    if status == CommentStatus.DELETED and action != Action.APPROVE:
        raise Conflict(_("Its author has deleted this comment."))
    if action == Action.APPROVE and not pending:
        raise Conflict(_("This comment is not waiting for review."))
    if action in ALLOWED_FROM and status not in ALLOWED_FROM[action]:
        raise Conflict(_("This decision has already been taken."))
    if action == Action.HIDE and status == CommentStatus.HIDDEN and not pending:
        raise Conflict(_("This decision has already been taken."))
    return note


@transaction.atomic
def do_decide(moderator, comment, *, action, reason="", note=""):
    """Approve, hide, remove or restore a comment; resolves its queue item,
    logs the decision, tells the author and pushes the change live."""
    now = timezone.now()
    moderator = comment_actions.fresh_participant(moderator)
    comment = (
        Comment.objects.select_for_update()
        .select_related("consultation", "author")
        .get(pk=comment.pk)
    )
    review = Review.objects.select_for_update().filter(comment=comment).first()
    note = check_decision(moderator, comment, review, action, reason, note)
    before = comment.status
    after = before if before == CommentStatus.DELETED else RESULT_STATUS[action]
    if after != before:
        comment_actions.change_status(comment, after, _event_kind(before, after))
        if before == CommentStatus.HELD and comment.parent_id:
            comment_actions.count_reply(comment.parent)
    if action == Action.APPROVE:
        Flag.objects.filter(comment=comment, cleared=False).update(cleared=True)
    if review is None:
        review = Review(comment=comment, consultation_id=comment.consultation_id, opened=now)
        review.kind = ReviewKind.FLAGGED
    review.pending = False
    review.action, review.reason = action, reason
    if action == Action.APPROVE:
        review.flag_count = 0
    review.save()
    Appeal.objects.filter(comment=comment, resolved__isnull=True).update(resolved=now)
    decision = _record(
        moderator, action, comment=comment, user=comment.author, reason=reason, note=note, now=now
    )
    # The author learns of decisions that changed what others see of them.
    if after != before:
        notify.tell(comment.author, action, comment=comment, reason=reason, note=note, now=now)
    events.on_commit_queue_changed(review)
    return decision


def _event_kind(before, after):
    if after == CommentStatus.HIDDEN:
        return "comment.hidden"
    if after == CommentStatus.REMOVED:
        return "comment.removed"
    # A held comment appears to the public for the first time.
    return "comment.created" if before == CommentStatus.HELD else "comment.updated"


def do_bulk_decide(moderator, comment_ids, *, action, reason="", note=""):
    """The same decision on several comments, each in its own transaction:
    {comment id: None when taken, else the reason it was not}."""
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can take moderation decisions."))
    ids = list(dict.fromkeys(int(i) for i in comment_ids))[:MAX_BULK]
    comments = Comment.objects.in_bulk(ids)
    outcome = {}
    for comment_id in ids:
        comment = comments.get(comment_id)
        if comment is None:
            outcome[comment_id] = _("That comment does not exist.")
            continue
        try:
            do_decide(moderator, comment, action=action, reason=reason, note=note)
            outcome[comment_id] = None
        except (Invalid, NotAllowed, Conflict) as error:
            outcome[comment_id] = str(error.message)
            if isinstance(error, (Invalid, NotAllowed)):
                raise
    return outcome


def _record(moderator, action, *, user, comment=None, reason="", note="", now):
    """Append the decision to the log, and to Wagtail's history of the object."""
    decision = Decision.objects.create(
        moderator=moderator,
        action=action,
        comment=comment,
        user=user,
        reason=reason,
        note=note,
        created=now,
    )
    log(
        comment if comment is not None else user,
        f"puente.moderation.{action}",
        user=moderator,
        data={"reason": reason, "note": note, "decision": decision.pk},
    )
    return decision


# Blocks --------------------------------------------------------------------


@transaction.atomic
def do_block(moderator, person, *, reason, note="", hide_content=False):
    """Block a person from taking part; optionally hide everything they have
    published, in the same decision."""
    now = timezone.now()
    moderator = comment_actions.fresh_participant(moderator)
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can block people."))
    if reason not in FlagReason.values:
        raise Invalid({"reason": [_("Choose the reason the person will be told.")]})
    note = check_note(note)
    person = type(person).objects.select_for_update().get(pk=person.pk)
    if person.pk == moderator.pk:
        raise NotAllowed(_("You cannot block yourself."))
    if person.blocked:
        raise Conflict(_("This person is already blocked."))
    person.blocked = True
    person.save(update_fields=["blocked"])
    _record(moderator, Action.BLOCK, user=person, reason=reason, note=note, now=now)
    notify.tell(person, Notice.Kind.BLOCKED, reason=reason, note=note, now=now)
    hidden = 0
    if hide_content:
        shown = (CommentStatus.PUBLISHED, CommentStatus.HELD)
        for comment in Comment.objects.filter(author=person, status__in=shown).order_by("pk"):
            do_decide(moderator, comment, action=Action.HIDE, reason=reason, note=note)
            hidden += 1
    return hidden


@transaction.atomic
def do_unblock(moderator, person, *, note=""):
    now = timezone.now()
    moderator = comment_actions.fresh_participant(moderator)
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can unblock people."))
    note = check_note(note)
    person = type(person).objects.select_for_update().get(pk=person.pk)
    if not person.blocked:
        raise Conflict(_("This person is not blocked."))
    person.blocked = False
    person.save(update_fields=["blocked"])
    _record(moderator, Action.UNBLOCK, user=person, note=note, now=now)
    notify.tell(person, Notice.Kind.UNBLOCKED, note=note, now=now)


# Appeals -------------------------------------------------------------------

APPEALABLE = (CommentStatus.HIDDEN, CommentStatus.REMOVED)


def can_appeal(user, comment):
    return (
        rules.is_author(user, comment)
        and comment.status in APPEALABLE
        and not Appeal.objects.filter(comment=comment).exists()
    )


@transaction.atomic
def do_appeal(user, comment, *, note):
    """The author asks the moderators to look again; once per comment."""
    now = timezone.now()
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not rules.is_author(user, comment) or not user.is_active:
        raise NotAllowed(_("Only the author of a comment can appeal a decision on it."))
    if comment.status not in APPEALABLE:
        raise Conflict(_("There is no decision on this comment to appeal."))
    if Appeal.objects.filter(comment=comment).exists():
        raise Conflict(_("You have already appealed this decision."))
    note = check_note(note, required=True)
    appeal = Appeal.objects.create(comment=comment, note=note, created=now)
    review = _open_review(comment, ReviewKind.APPEALED, now)
    review.save()
    events.on_commit_queue_changed(review)
    return appeal
