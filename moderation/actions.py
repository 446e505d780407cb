"""Writes for moderation. Flags: a citizen reports a comment with a reason;
enough distinct reports hide it until a moderator reviews it."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from comments import actions as comment_actions
from comments import rules
from comments.errors import Invalid, NotAllowed
from comments.models import Comment, CommentStatus
from comments.text import clean_body
from moderation.models import Flag, FlagReason

MAX_NOTE_LENGTH = 1000


def check_flag(user, comment, reason, note):
    if not rules.is_participant(user):
        raise NotAllowed(_("Sign in to take part."))
    if rules.is_author(user, comment):
        raise NotAllowed(_("You cannot flag your own comment."))
    if comment.status != CommentStatus.PUBLISHED:
        raise NotAllowed(_("This comment is no longer shown."))
    errors = {}
    if reason not in FlagReason.values:
        errors["reason"] = [_("Choose a reason.")]
    note = clean_body(note) if isinstance(note, str) else ""
    if len(note) > MAX_NOTE_LENGTH:
        errors["note"] = [
            _("A note can have at most %(max)s characters.") % {"max": MAX_NOTE_LENGTH}
        ]
    if reason == FlagReason.OTHER and not note:
        errors["note"] = [_("Say what is wrong with this comment.")]
    if errors:
        raise Invalid(errors)
    return note


@transaction.atomic
def do_flag(user, comment, *, reason, note=""):
    """Record the flag; the N-th distinct flag hides the comment pending review
    (N: PUENTE_AUTO_HIDE_FLAGS)."""
    comment = Comment.objects.select_for_update().select_related("consultation").get(pk=comment.pk)
    note = check_flag(user, comment, reason, note)
    if Flag.objects.filter(comment=comment, user=user).exists():
        raise Invalid({"reason": [_("You have already flagged this comment.")]})
    flag = Flag.objects.create(comment=comment, user=user, reason=reason, note=note)
    if Flag.objects.filter(comment=comment).count() >= settings.PUENTE_AUTO_HIDE_FLAGS:
        comment_actions.change_status(comment, CommentStatus.HIDDEN, "comment.hidden")
    return flag
