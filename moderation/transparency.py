"""The public figures of a consultation's moderation: how many comments are
hidden or removed, for which reasons, and how many hidden ones still wait for
a moderator. Figures only: no comment, author or moderator is named."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from comments.models import CommentStatus
from moderation.models import FlagReason, Review

NO_REASON = _("No reason recorded")


@dataclass
class ReasonFigures:
    reason: str
    label: str
    hidden: int = 0
    removed: int = 0


@dataclass
class Figures:
    hidden: int = 0
    # Hidden comments whose review is still open (hidden after flags, or
    # appealed): a moderator has not had the last word yet.
    pending: int = 0
    removed: int = 0
    # In the order of FlagReason, reasons with no comment left out.
    reasons: list = field(default_factory=list)

    @property
    def total(self):
        return self.hidden + self.removed


def figures_for(consultation):
    """The figures of one consultation, in one query (its queue items joined
    with their comments, grouped by status, reason and whether pending)."""
    rows = (
        Review.objects.filter(
            consultation_id=consultation.pk,
            comment__status__in=[CommentStatus.HIDDEN, CommentStatus.REMOVED],
        )
        .values("comment__status", "reason", "pending")
        .annotate(n=Count("pk"))
        .order_by()
    )
    figures = Figures()
    by_reason = {}
    for row in rows:
        status, reason, n = row["comment__status"], row["reason"], row["n"]
        if reason not in FlagReason.values:
            reason = ""
        entry = by_reason.setdefault(
            reason,
            ReasonFigures(reason, FlagReason(reason).label if reason else NO_REASON),
        )
        if status == CommentStatus.HIDDEN:
            figures.hidden += n
            entry.hidden += n
            if row["pending"]:
                figures.pending += n
        else:
            figures.removed += n
            entry.removed += n
    order = [*FlagReason.values, ""]
    figures.reasons = [by_reason[r] for r in order if r in by_reason]
    return figures
