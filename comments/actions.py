"""Every write to comments and reactions (CONVENTIONS: check_* validates and
authorises, do_* writes in one transaction and schedules side effects on
commit). The HTML views, the JSON API and the websocket consumer call these."""

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.people import fresh_participant
from accounts.rules import is_participant, refusal
from comments import events, hooks, rules
from comments.models import (
    Comment,
    CommentRevision,
    CommentStatus,
    ConsultationActivity,
    Reaction,
    Stance,
)
from comments.text import MAX_LENGTH, MIN_LENGTH, clean_body
from consultations.models import ConsultationPage
from core.errors import Invalid, NotAllowed, NotFound, RateLimited
from core.parse import as_id

STANCE_COUNTERS: dict[str, str] = {
    Stance.AGREE: "agree_count",
    Stance.DISAGREE: "disagree_count",
    Stance.PASS: "pass_count",
}


def access_public_consultation(consultation_id):
    """A consultation anyone may read, or NotFound."""
    consultation_id = as_id(consultation_id)
    consultation = (
        ConsultationPage.objects.live().filter(pk=consultation_id).first()
        if consultation_id
        else None
    )
    if consultation is None or not rules.is_public(consultation):
        raise NotFound(_("That consultation does not exist."))
    return consultation


def access_comment(user, comment_id):
    """A comment of a public consultation `user` may know exists, or
    NotFound: someone else's held comment does not exist for anyone but its
    author and the moderators (a 403 would confirm it)."""
    comment_id = as_id(comment_id)
    comment = (
        Comment.objects.select_related("consultation", "author")
        .filter(pk=comment_id, consultation__live=True)
        .first()
        if comment_id
        else None
    )
    if comment is None or not rules.is_public(comment.consultation):
        raise NotFound()
    if comment.status == CommentStatus.HELD and not rules.may_see_held(user, comment):
        raise NotFound()
    return comment


def check_body(raw):
    if not isinstance(raw, str):
        raise Invalid({"body": [_("Write your comment as text.")]})
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid({"body": [_("Write your comment as text.")]}) from None
    if len(raw) > MAX_LENGTH * 2:
        raise Invalid(
            {"body": [_("A comment can have at most %(max)s characters.") % {"max": MAX_LENGTH}]}
        )
    body = clean_body(raw)
    if len(body) < MIN_LENGTH:
        raise Invalid({"body": [_("Write at least %(min)s characters.") % {"min": MIN_LENGTH}]})
    if len(body) > MAX_LENGTH:
        raise Invalid(
            {"body": [_("A comment can have at most %(max)s characters.") % {"max": MAX_LENGTH}]}
        )
    return body


def check_rate_limit(user, now):
    """Raise RateLimited when `user` posted too recently (stricter when new)."""
    limits = settings.PUENTE_COMMENT_RATE_LIMITS
    is_new = now - user.date_joined < timedelta(days=limits["new_account_days"])
    interval = limits["new_account_interval"] if is_new else limits["interval"]
    if interval <= 0:
        return
    last = (
        # Up to `now` only: an import of a past discussion (now= in the past)
        # must not count what the person posted since.
        Comment.objects.filter(
            author=user, created__gt=now - timedelta(seconds=interval), created__lte=now
        )
        .order_by("-created")
        .values_list("created", flat=True)
        .first()
    )
    if last is not None:
        raise RateLimited(max(1, math.ceil(interval - (now - last).total_seconds())))


def check_post(user, consultation, *, body, question=None, section=None, parent=None, now):
    """Validate and authorise a new comment; return the resolved fields."""
    if not is_participant(user):
        raise NotAllowed(refusal(user))
    if not rules.accepts_comments(consultation, now):
        raise NotAllowed(_("This consultation is not open for comments."))
    errors: dict[str, list] = {}
    try:
        body = check_body(body)
    except Invalid as error:
        errors.update(error.errors)
    anchor = {}
    if parent is not None:
        parent_comment = (
            Comment.objects.filter(pk=as_id(parent), consultation=consultation).first()
            if as_id(parent)
            else None
        )
        if parent_comment is None:
            errors["parent"] = [_("The comment you reply to is not in this consultation.")]
        elif parent_comment.status != CommentStatus.PUBLISHED:
            errors["parent"] = [_("The comment you reply to is no longer available.")]
        else:
            anchor = {"parent": parent_comment}
    elif (question is None) == (section is None):
        errors["question"] = [_("Choose one question or one section to comment on.")]
    elif question is not None:
        found = consultation.questions.filter(pk=as_id(question)).first()
        if found is None:
            errors["question"] = [_("That question is not part of this consultation.")]
        anchor = {"question": found}
    else:
        found = consultation.sections.filter(pk=as_id(section)).first()
        if found is None:
            errors["section"] = [_("That section is not part of this consultation.")]
        anchor = {"section": found}
    if errors:
        raise Invalid(errors)
    check_rate_limit(user, now)
    return {"body": body, **anchor}


def _next_seq(consultation_id):
    """Take the consultation's next change number; the row stays locked until
    commit, so numbers become visible in order."""
    return _take_seqs(consultation_id, 1)[0]


def _take_seqs(consultation_id, count):
    """Take the consultation's next `count` change numbers (as _next_seq)."""
    ConsultationActivity.objects.get_or_create(consultation_id=consultation_id)
    activity = ConsultationActivity.objects.select_for_update().get(pk=consultation_id)
    first = activity.last_seq + 1
    activity.last_seq += count
    activity.save(update_fields=["last_seq"])
    return range(first, activity.last_seq + 1)


@transaction.atomic
def do_post_comment(
    user, consultation, *, body, question=None, section=None, parent=None, now=None
):
    """Post a comment or a reply. `now`: when, for an import of a past
    discussion (the demo's); the rules apply as they did then."""
    user = fresh_participant(user)
    now = now or timezone.now()
    fields = check_post(
        user,
        consultation,
        body=body,
        question=question,
        section=section,
        parent=parent,
        now=now,
    )
    parent = fields.get("parent")
    comment = Comment(
        consultation=consultation,
        author=user,
        body=fields["body"],
        created=now,
        seq=_next_seq(consultation.pk),
    )
    if parent is not None:
        comment.parent = parent
        comment.root_id = parent.root_id
        comment.depth = parent.depth + 1
        comment.question_id, comment.section_id = parent.question_id, parent.section_id
    else:
        comment.question, comment.section = fields.get("question"), fields.get("section")
    gates = hooks.gates()
    hold = next(filter(None, (gate.hold_new(comment, now) for gate in gates)), None)
    if hold is not None:
        comment.status = CommentStatus.HELD
    comment.save()
    if parent is None:
        Comment.objects.filter(pk=comment.pk).update(root=comment)
        comment.root_id = comment.pk
    elif hold is None:
        count_reply(parent)
    hooks.changed(comment.pk)
    if hold is not None:
        # Nobody but its author and the moderators sees it until approved.
        for gate in gates:
            gate.held(comment, hold, now)
    else:
        events.on_commit_publish("comment.created", comment)
    for gate in gates:
        gate.posted(comment, hold is not None, now)
    return comment


@transaction.atomic
def do_edit_comment(user, comment, *, body):
    """The author changes the text of a published comment. The comment
    returned says whether a gate sent the edit for review
    (`sent_for_review`), for the author to be told."""
    user = fresh_participant(user)
    if not is_participant(user):
        raise NotAllowed(refusal(user))
    now = timezone.now()
    comment = lock_comment(comment)
    comment.sent_for_review = False
    if not rules.is_author(user, comment):
        raise NotAllowed(_("You can only edit your own comments."))
    if comment.status != CommentStatus.PUBLISHED:
        raise NotAllowed(_("This comment can no longer be edited."))
    if not rules.can_edit(user, comment, now):
        raise NotAllowed(_("This consultation is not open for comments."))
    body = check_body(body)
    if body == comment.body:
        return comment
    CommentRevision.objects.create(comment=comment, body=comment.body, created=now)
    comment.body, comment.edited = body, now
    _save_change(comment, ["body", "edited"], "comment.updated")
    # Every gate is told (no short circuit); any of them may have sent it for review.
    reviewed = [gate.edited(comment, now) for gate in hooks.gates()]
    comment.sent_for_review = any(reviewed)
    return comment


@transaction.atomic
def do_delete_comment(user, comment):
    """The author withdraws a comment: its text goes, its replies stay."""
    comment = lock_comment(comment)
    if not rules.can_delete(user, comment):
        raise NotAllowed(_("You can only delete your own comments."))
    if comment.status == CommentStatus.DELETED:
        return comment
    if comment.status == CommentStatus.HELD:
        # Nobody else ever saw it: it goes entirely, with its queue item.
        for gate in hooks.gates():
            gate.withdrawn(comment)
        hooks.changed(comment.pk)
        comment.delete()
        return comment
    comment.status = CommentStatus.DELETED
    comment.body = ""
    _save_change(comment, ["status", "body"], "comment.removed")
    # Earlier versions are the author's words too.
    comment.revisions.all().delete()
    for gate in hooks.gates():
        gate.withdrawn(comment)
    return comment


@transaction.atomic
def do_withdraw_all(user):
    """The author withdraws every comment they wrote, as do_delete_comment
    does one (when they delete their account): in bulk, a handful of queries
    however many there are. Returns how many."""
    comments = list(
        Comment.objects.select_for_update(of=("self",))
        .select_related("consultation", "author")
        .filter(author=user)
        .exclude(status=CommentStatus.DELETED)
        .order_by("pk")
    )
    if not comments:
        return 0
    for gate in hooks.gates():
        gate.withdrawn_all(comments)
    hooks.changed(*(comment.pk for comment in comments))
    # Held ones nobody else saw go entirely; the others keep their place.
    held = [comment.pk for comment in comments if comment.status == CommentStatus.HELD]
    shown = [comment for comment in comments if comment.status != CommentStatus.HELD]
    if held:
        Comment.objects.filter(pk__in=held).delete()
    CommentRevision.objects.filter(comment_id__in=[comment.pk for comment in shown]).delete()
    by_consultation: dict[int, list] = {}
    for comment in shown:
        by_consultation.setdefault(comment.consultation_id, []).append(comment)
    for consultation_id, group in sorted(by_consultation.items()):
        for comment, seq in zip(group, _take_seqs(consultation_id, len(group)), strict=True):
            comment.status, comment.body, comment.seq = CommentStatus.DELETED, "", seq
    Comment.objects.filter(pk__in=[comment.pk for comment in shown]).update(
        status=CommentStatus.DELETED, body=""
    )
    # Only the change numbers differ from row to row.
    Comment.objects.bulk_update(shown, ["seq"], batch_size=500)
    events.on_commit_publish_all("comment.removed", shown)
    return len(comments)


@transaction.atomic
def do_react(user, comment, stance, *, now=None):
    """Set, change or (same stance again) withdraw `user`'s reaction (`now`:
    as in do_post_comment)."""
    now = now or timezone.now()
    if stance not in Stance.values:
        raise Invalid({"stance": [_("Choose agree, disagree or pass.")]})
    user = fresh_participant(user)
    if not is_participant(user):
        raise NotAllowed(refusal(user))
    comment = lock_comment(comment)
    if rules.is_author(user, comment):
        raise NotAllowed(_("You cannot react to your own comment."))
    if comment.status != CommentStatus.PUBLISHED:
        raise NotAllowed(_("This comment can no longer receive reactions."))
    if not rules.can_react(user, comment, now):
        raise NotAllowed(_("This consultation is not open for comments."))
    current = Reaction.objects.filter(comment=comment, user=user).first()
    changes, mine = {}, stance
    if current is None:
        Reaction.objects.create(comment=comment, user=user, stance=stance)
        changes[STANCE_COUNTERS[stance]] = 1
    elif current.stance == stance:
        current.delete()
        changes[STANCE_COUNTERS[stance]] = -1
        mine = None
    else:
        changes[STANCE_COUNTERS[current.stance]] = -1
        changes[STANCE_COUNTERS[stance]] = 1
        current.stance = stance
        current.save(update_fields=["stance"])
    for field, delta in changes.items():
        setattr(comment, field, getattr(comment, field) + delta)
    _save_change(comment, list(changes), "reactions.updated")
    return comment, mine


def lock_comment(comment):
    """The comment as it is now, with its consultation and author, only its
    row locked until commit. Locking the joined consultation page too would
    queue every write on the consultation behind each other; locking the
    author would let two people flagging each other's comments (or two
    moderators deciding on each other's) deadlock."""
    return (
        Comment.objects.select_for_update(of=("self",))
        .select_related("consultation", "author")
        .get(pk=comment.pk)
    )


def _save_change(comment, fields, event_kind):
    """Save `fields` of `comment` under the consultation's next change
    number, tell the change listeners (the index), and publish `event_kind`
    once the write commits."""
    comment.seq = _next_seq(comment.consultation_id)
    comment.save(update_fields=[*fields, "seq"])
    hooks.changed(comment.pk)
    events.on_commit_publish(event_kind, comment)
    return comment


def count_reply(parent):
    Comment.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
    hooks.changed(parent.pk)


def change_status(comment, status, event_kind):
    """Set a comment's status as part of a caller's transaction (moderation
    uses it): a new change number, and the event on commit."""
    comment.status = status
    return _save_change(comment, ["status"], event_kind)


MAX_TAGS = 10
MAX_TAG_LENGTH = 50


def check_tags(names):
    """Theme names from a list of strings: trimmed, markup removed, one of
    each regardless of case, at most MAX_TAGS."""
    if not isinstance(names, list | tuple) or not all(isinstance(name, str) for name in names):
        raise Invalid({"tags": [_("Give the themes as a list of names.")]})
    cleaned: dict[str, str] = {}
    for name in names:
        name = " ".join(clean_body(name).split())
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise Invalid(
                {
                    "tags": [
                        _("A theme can have at most %(max)s characters.") % {"max": MAX_TAG_LENGTH}
                    ]
                }
            )
        cleaned.setdefault(name.casefold(), name)
    if len(cleaned) > MAX_TAGS:
        raise Invalid({"tags": [_("Give at most %(max)s themes.") % {"max": MAX_TAGS}]})
    return list(cleaned.values())


@transaction.atomic
def do_set_tags(user, comment, names):
    """Replace a comment's themes (moderators and planners)."""
    comment = lock_comment(comment)
    if not rules.can_tag(user, comment):
        raise NotAllowed(_("Only moderators and planners can give comments themes."))
    names = check_tags(names)
    comment.tags.set(names)
    hooks.changed(comment.pk)
    return sorted(comment.tags.names(), key=str.casefold)
