"""Moderation on the public pages: who sees a "Report" link, and the
consultation's public moderation figures."""

from django import template

from comments import rules
from comments.models import CommentStatus
from moderation.models import FlagReason, HoldReason
from moderation.transparency import figures_for

register = template.Library()


@register.filter
def reportable_by(comment, user):
    """Show `user` a "Report" link on `comment`: a published comment of
    someone else, to a participant (the action checks again on submit)."""
    return (
        comment.status == CommentStatus.PUBLISHED
        and rules.is_participant(user)
        and not rules.is_author(user, comment)
    )


@register.inclusion_tag("moderation/figures.html")
def moderation_figures(consultation):
    """The "Moderation" section of a consultation page (one query)."""
    return {"figures": figures_for(consultation)}


@register.filter
def awaiting_review_for(comment, user):
    """`comment` is held and `user` wrote it: shown to them with its text,
    marked as awaiting review (nobody else is shown it)."""
    return comment.status == CommentStatus.HELD and rules.is_author(user, comment)


@register.filter
def moderated(comment):
    """Hidden or removed by moderation (a tombstone for everyone)."""
    return comment.status in (CommentStatus.HIDDEN, CommentStatus.REMOVED)


@register.filter
def flag_reason(value):
    """A FlagReason value as its label (a notice stores the value only)."""
    return FlagReason(value).label if value in FlagReason.values else value


@register.filter
def hold_reason(value):
    """A HoldReason value as its label."""
    return HoldReason(value).label if value in HoldReason.values else value
