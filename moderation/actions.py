"""Every moderation write (CONVENTIONS: check_* validates and authorises,
do_* writes in one transaction and schedules side effects on commit):
flags, holds, decisions, blocks and appeals. The admin views, the JSON API
and the search pages call these (holds: moderation/holds.py)."""

from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from accounts.people import fresh_participant
from accounts.roles import MODERATOR, has_role
from accounts.rules import is_moderator, is_participant, refusal
from comments import actions as comment_actions
from comments import hooks, rules
from comments.models import Comment, CommentStatus, TaggedComment, Theme
from comments.text import clean_body
from core.errors import ActionError, Conflict, Invalid, NotAllowed
from core.parse import MAX_ID
from moderation import changes, events, policy
from moderation.holds import open_review
from moderation.models import (
    ACTIONS_WITH_REASON,
    COMMENT_ACTIONS,
    Action,
    Appeal,
    Decision,
    Flag,
    FlagReason,
    Review,
    ReviewKind,
)
from moderation.rules import APPEALABLE
from notifications import activity, notify
from notifications.models import Notice

MAX_NOTE_LENGTH = 1000
MAX_BULK = 100
# A copy-paste campaign acted on at once (search/admin/duplicates.html).
MAX_CAMPAIGN = 500
# Which statuses each decision may start from. A decision that leaves the
# status as it is (hide a hidden comment, remove a removed one) only answers
# a pending queue item: it confirms an auto-hide or turns down an appeal.
ALLOWED_FROM = {
    Action.HIDE: (CommentStatus.PUBLISHED, CommentStatus.HELD, CommentStatus.HIDDEN),
    Action.REMOVE: (
        CommentStatus.PUBLISHED,
        CommentStatus.HELD,
        CommentStatus.HIDDEN,
        CommentStatus.REMOVED,
    ),
    Action.RESTORE: (CommentStatus.HIDDEN, CommentStatus.REMOVED),
}
RESULT_STATUS = {
    Action.APPROVE: CommentStatus.PUBLISHED,
    Action.HIDE: CommentStatus.HIDDEN,
    Action.REMOVE: CommentStatus.REMOVED,
    Action.RESTORE: CommentStatus.PUBLISHED,
}


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


def check_may_flag(user, comment):
    """Whether `user` may report `comment` at all, whatever the reason given."""
    if not is_participant(user):
        raise NotAllowed(refusal(user))
    if rules.is_author(user, comment):
        raise NotAllowed(_("You cannot flag your own comment."))
    if comment.status != CommentStatus.PUBLISHED:
        raise NotAllowed(_("This comment is no longer shown."))


def already_flagged(user, comment):
    return Flag.objects.filter(comment=comment, user=user).exists()


def already_flagged_message():
    return _("You have already flagged this comment.")


def check_flag(user, comment, reason, note):
    check_may_flag(user, comment)
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
    user = fresh_participant(user)
    comment = comment_actions.lock_comment(comment)
    note = check_flag(user, comment, reason, note)
    if already_flagged(user, comment):
        raise Invalid({"reason": [already_flagged_message()]})
    flag = Flag.objects.create(comment=comment, user=user, reason=reason, note=note)
    hooks.changed(comment.pk)
    review = open_review(comment, ReviewKind.FLAGGED, now)
    review.flag_count = Flag.objects.filter(comment=comment, cleared=False).count()
    threshold = policy.policy_for(comment.consultation).auto_hide_flags
    if review.flag_count >= threshold and comment.status == CommentStatus.PUBLISHED:
        top_reason = _top_reason(comment)
        comment_actions.change_status(comment, CommentStatus.HIDDEN, "comment.hidden")
        review.action, review.reason = Action.HIDE, top_reason
        _record(None, Action.HIDE, comment=comment, user=comment.author, reason=top_reason, now=now)
        notify.tell(
            comment.author, Notice.Kind.HIDDEN_BY_FLAGS, comment=comment, reason=top_reason, now=now
        )
    # The queue's change number is taken last (moderation/changes.py).
    changes.stamp(review).save()
    events.on_commit_queue_changed(review)
    return flag


def _top_reason(comment):
    # Oldest first: on a tie the reason raised first wins, the same every time.
    reasons = (
        Flag.objects.filter(comment=comment, cleared=False)
        .order_by("created", "pk")
        .values_list("reason", flat=True)
    )
    return Counter(reasons).most_common(1)[0][0]


# Decisions -----------------------------------------------------------------


def check_decision_input(action, reason, note):
    """The decision itself, whatever the comment: returns the cleaned note."""
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
    return note


def check_decision(moderator, comment, review, action, reason, note):
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can take moderation decisions."))
    note = check_decision_input(action, reason, note)
    if rules.is_author(moderator, comment):
        # Nobody judges their own words: another moderator decides.
        raise NotAllowed(_("You cannot take a decision on your own comment."))
    pending = review is not None and review.pending
    status = comment.status
    if status == CommentStatus.DELETED and action != Action.APPROVE:
        raise Conflict(_("Its author has deleted this comment."))
    if action == Action.APPROVE and not pending:
        raise Conflict(_("This comment is not waiting for review."))
    if action in ALLOWED_FROM and status not in ALLOWED_FROM[action]:
        raise Conflict(_("This decision has already been taken."))
    if status == RESULT_STATUS[action] and not pending:
        raise Conflict(_("This decision has already been taken."))
    return note


@transaction.atomic
def do_decide(moderator, comment, *, action, reason="", note=""):
    """Approve, hide, remove or restore a comment; resolves its queue item,
    logs the decision, tells the author and pushes the change live."""
    moderator = fresh_participant(moderator)
    return _decide(moderator, comment, action, reason, note, timezone.now())


def _decide(
    moderator,
    comment,
    action,
    reason,
    note,
    now,
    *,
    email_author=True,
    notices=None,
    unstamped=None,
):
    """do_decide inside the caller's transaction, `moderator` fresh. With a
    `notices` list, the author's notice is appended to it, unsaved, for the
    caller to leave with all the others (notify.tell_many) instead. With an
    `unstamped` list, the queue item is appended to it without its change
    number, for the caller to number last (moderation.changes.stamp_all),
    after the other comments it locks."""
    comment = comment_actions.lock_comment(comment)
    review = Review.objects.select_for_update().filter(comment=comment).first()
    note = check_decision(moderator, comment, review, action, reason, note)
    before = comment.status
    after = before if before == CommentStatus.DELETED else RESULT_STATUS[action]
    # The author is waiting for this answer: to an auto-hide or an appeal.
    answers_author = review is not None and review.pending and before in APPEALABLE
    if after != before:
        comment_actions.change_status(comment, after, _event_kind(before, after))
        if before == CommentStatus.HELD and comment.parent_id:
            # Only its key is needed: no query for the parent.
            comment_actions.count_reply(Comment(pk=comment.parent_id))
        if before == CommentStatus.HELD and after == CommentStatus.PUBLISHED:
            # Everyone sees it now: its thread's followers hear of it.
            activity.comment_published(comment, now)
    if review is None:
        review = Review(comment=comment, consultation_id=comment.consultation_id, opened=now)
        review.kind = ReviewKind.FLAGGED
    if action in (Action.APPROVE, Action.RESTORE):
        # The flags have been judged: they no longer count towards hiding
        # it, or one more flag would hide a comment a moderator let stand.
        Flag.objects.filter(comment=comment, cleared=False).update(cleared=True)
        review.flag_count = 0
    review.pending = False
    review.action, review.reason = action, reason
    Appeal.objects.filter(comment=comment, resolved__isnull=True).update(resolved=now)
    decision = _record(
        moderator, action, comment=comment, user=comment.author, reason=reason, note=note, now=now
    )
    # The author learns of decisions that changed what others see of them,
    # and of the outcome of a review they were told of.
    if after != before or answers_author:
        if notices is not None:
            # As notify.tell would leave it.
            notices.append(
                Notice(
                    user=comment.author,
                    kind=action,
                    comment=comment,
                    consultation=None,
                    reason=reason,
                    hold_reason="",
                    note=note,
                    created=now,
                )
            )
        else:
            notify.tell(
                comment.author,
                action,
                comment=comment,
                reason=reason,
                note=note,
                now=now,
                email=email_author,
            )
    # The queue's change number is taken last (moderation/changes.py).
    if unstamped is not None:
        review.save()
        unstamped.append(review)
    else:
        changes.stamp(review).save()
    events.on_commit_queue_changed(review)
    return decision


def _event_kind(before, after):
    if after == CommentStatus.HIDDEN:
        return "comment.hidden"
    if after == CommentStatus.REMOVED:
        return "comment.removed"
    # A held comment appears to the public for the first time.
    return "comment.created" if before == CommentStatus.HELD else "comment.updated"


def allowed_actions(moderator, comment, review):
    """The decisions moderation.check_decision accepts on the comment
    as it is now: the buttons its form offers (a reason stands in for the one
    the moderator will choose)."""
    allowed = []
    for action in COMMENT_ACTIONS:
        reason = FlagReason.SPAM if action in ACTIONS_WITH_REASON else ""
        try:
            check_decision(moderator, comment, review, action, reason, "")
        except ActionError:
            continue
        allowed.append(action)
    return allowed


def check_bulk_ids(comment_ids, maximum=MAX_BULK):
    """The distinct comment ids, in order; too many is refused rather than
    cut short, so that no comment is silently left undecided."""
    try:
        ids = list(dict.fromkeys(int(i) for i in comment_ids))
    except (TypeError, ValueError):
        raise Invalid({"comments": [_("Choose comments from the queue.")]}) from None
    if not ids:
        raise Invalid({"comments": [_("Choose at least one comment.")]})
    if any(not 0 < i <= MAX_ID for i in ids):
        raise Invalid({"comments": [_("Choose comments from the queue.")]})
    if len(ids) > maximum:
        raise Invalid(
            {"comments": [_("Choose at most %(max)s comments at a time.") % {"max": maximum}]}
        )
    return ids


def do_bulk_decide(moderator, comment_ids, *, action, reason="", note="", maximum=MAX_BULK):
    """The same decision on several comments, each in its own transaction and
    as do_decide takes it (its log entry, its author's notice): {comment id:
    None when taken, else the reason it was not}. Bad input or a
    non-moderator is refused before any comment is touched.

    What is the same for every comment is done once: the moderator is read
    (and checked) once for the batch, the decisions share one `now`, as a
    block's do, and the authors' notices (with their e-mails, as each
    chose) are left together once the decisions are taken, in one
    notify.tell_many: a constant number of queries instead of some per
    comment. A decision that fails unexpectedly still has the notices of
    those taken before it left."""
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can take moderation decisions."))
    ids = check_bulk_ids(comment_ids, maximum)
    check_decision_input(action, reason, note)
    with transaction.atomic():
        # As do_decide reads them: a deactivation or a role taken away since
        # sign-in counts. Its roles are then cached on it for the batch.
        moderator = fresh_participant(moderator)
        if not is_moderator(moderator):
            raise NotAllowed(_("Only moderators can take moderation decisions."))
    now = timezone.now()
    comments = Comment.objects.in_bulk(ids)
    outcome: dict[int, str | None] = {}
    notices: list[Notice] = []
    try:
        for comment_id in ids:
            comment = comments.get(comment_id)
            if comment is None:
                outcome[comment_id] = _("That comment does not exist.")
                continue
            told: list[Notice] = []
            try:
                with transaction.atomic():
                    _decide(moderator, comment, action, reason, note, now, notices=told)
            except Conflict as error:
                outcome[comment_id] = str(error.message)
                continue
            # Only once its decision has committed.
            notices.extend(told)
            outcome[comment_id] = None
    finally:
        with transaction.atomic():
            notify.tell_many(notices, now=now)
    return outcome


def do_bulk_add_tags(moderator, comment_ids, names, *, maximum=MAX_CAMPAIGN):
    """Add the themes `names` to each comment (keeping the themes it has),
    each as comments.actions.do_set_tags would set them to the themes it has
    and `names`: {comment id: None when done, else why not}. Moderators
    only: a campaign is moderation work.

    In one transaction and a constant number of queries: the comments are
    locked and read at once, each theme looked up (or created) once, the
    missing rows inserted together and the index told of all the comments
    at once. A comment refused (deleted, or too many themes) is reported,
    as do_set_tags would refuse it, and the others are tagged."""
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can act on a campaign."))
    ids = check_bulk_ids(comment_ids, maximum)
    names = comment_actions.check_tags(names)
    if not names:
        raise Invalid({"tags": [_("Write at least one theme.")]})
    outcome: dict[int, str | None] = {}
    with transaction.atomic():
        # Locked in key order (as do_set_tags locks each), so that two
        # batches never wait for each other in a cycle.
        comments = {
            comment.pk: comment
            for comment in Comment.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
            .only("pk", "status")
        }
        # The themes each has, in one query.
        had_names: dict[int, list[str]] = {}
        had_tags: dict[int, set[int]] = {}
        for comment_id, tag_id, name in TaggedComment.objects.filter(
            content_object_id__in=ids
        ).values_list("content_object_id", "tag_id", "tag__name"):
            had_names.setdefault(comment_id, []).append(name)
            had_tags.setdefault(comment_id, set()).add(tag_id)
        # The names each comment gains, as do_set_tags would clean them.
        gained: dict[int, list[str]] = {}
        for comment_id in ids:
            comment = comments.get(comment_id)
            if comment is None:
                outcome[comment_id] = _("That comment does not exist.")
                continue
            try:
                if not rules.can_tag(moderator, comment):
                    raise NotAllowed(_("Only moderators and planners can give comments themes."))
                had = had_names.get(comment_id, [])
                cleaned = comment_actions.check_tags(had + names)
            except ActionError as error:
                outcome[comment_id] = " ".join(
                    [str(error.message), *(str(m) for ms in error.errors.values() for m in ms)]
                )
                continue
            # Its own themes come first and are kept: the names left are new.
            own = {name.casefold() for name in had}
            gained[comment_id] = [name for name in cleaned if name.casefold() not in own]
            outcome[comment_id] = None
        wanted = {name for new in gained.values() for name in new}
        themes = {name: _theme(name) for name in names if name in wanted}
        rows = [
            TaggedComment(content_object_id=comment_id, tag=theme)
            for comment_id, new in gained.items()
            for theme in dict.fromkeys(themes[name] for name in new)
            if theme.pk not in had_tags.get(comment_id, set())
        ]
        # A row added meanwhile by someone else is the same row: kept.
        TaggedComment.objects.bulk_create(rows, ignore_conflicts=True)
        hooks.changed(*gained)
    return outcome


def _theme(name):
    """The theme a comment tagged `name` gets, as taggit (case-insensitive,
    settings.TAGGIT_CASE_INSENSITIVE) finds or creates it."""
    theme = Theme.objects.filter(name__iexact=name).order_by("pk").first()
    if theme is None:
        theme, _created = Theme.objects.get_or_create(name__iexact=name, defaults={"name": name})
    return theme


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
    """Block a person from taking part; optionally hide everything of theirs
    others see or will see (published and held), in the same decision."""
    now = timezone.now()
    # Both rows locked in key order: two moderators blocking each other at
    # once wait in turn instead of deadlocking.
    list(
        type(person)
        .objects.select_for_update()
        .filter(pk__in=[moderator.pk, person.pk])
        .order_by("pk")
    )
    moderator = fresh_participant(moderator)
    if not is_moderator(moderator):
        raise NotAllowed(_("Only moderators can block people."))
    if reason not in FlagReason.values:
        raise Invalid({"reason": [_("Choose the reason the person will be told.")]})
    note = check_note(note)
    person = type(person).objects.get(pk=person.pk)
    if person.pk == moderator.pk:
        raise NotAllowed(_("You cannot block yourself."))
    if person.is_superuser or (has_role(person, MODERATOR) and not moderator.is_superuser):
        raise NotAllowed(_("Only an administrator can block a moderator."))
    if person.blocked:
        raise Conflict(_("This person is already blocked."))
    person.blocked = True
    person.save(update_fields=["blocked"])
    _record(moderator, Action.BLOCK, user=person, reason=reason, note=note, now=now)
    notify.tell(person, Notice.Kind.BLOCKED, reason=reason, note=note, now=now)
    hidden = 0
    if hide_content:
        shown = (CommentStatus.PUBLISHED, CommentStatus.HELD)
        reviews: list[Review] = []
        for comment in Comment.objects.filter(author=person, status__in=shown).order_by("pk"):
            # A notice per comment (each may be appealed), one e-mail: the block's.
            _decide(
                moderator,
                comment,
                Action.HIDE,
                reason,
                note,
                now,
                email_author=False,
                unstamped=reviews,
            )
            hidden += 1
        # Numbered once every comment is locked: see moderation/changes.py.
        changes.stamp_all(reviews)
    return hidden


@transaction.atomic
def do_unblock(moderator, person, *, note=""):
    now = timezone.now()
    moderator = fresh_participant(moderator)
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
    review = open_review(comment, ReviewKind.APPEALED, now)
    changes.stamp(review).save()
    events.on_commit_queue_changed(review)
    return appeal
