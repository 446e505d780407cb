"""Moderation's predicates (docs/roles.md): who may appeal a decision, and
the moderators-only check of the JSON API. Person-level rules (participant,
moderator) are accounts.rules; the decisions a moderator may take on a
comment as it is now are moderation.actions.allowed_actions."""

from django.utils.translation import gettext as _

from accounts.rules import is_moderator
from comments.models import CommentStatus
from comments.rules import is_author
from core.errors import NotAllowed
from moderation.models import Appeal

# What an author may appeal, and a moderator's review of it answers.
APPEALABLE = (CommentStatus.HIDDEN, CommentStatus.REMOVED)


def require_moderator(user):
    if not is_moderator(user):
        raise NotAllowed(_("Only moderators can do this."))


def is_appealable(user, comment):
    """The author of a hidden or removed comment (appealed or not yet)."""
    return is_author(user, comment) and comment.status in APPEALABLE


def can_appeal(user, comment):
    return is_appealable(user, comment) and not Appeal.objects.filter(comment=comment).exists()
