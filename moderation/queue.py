"""The review queue as moderators read it (the admin page and the JSON API):
pending items filtered and sorted, each with its comment in context, its
flags and its author's record, in a constant number of queries per page."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef

from comments.models import Comment
from core.parse import as_id
from moderation.models import Decision, Flag, FlagReason, HoldReason, Review, ReviewKind

PAGE_SIZE = 50
SORTS = {
    "most_flagged": ["-flag_count", "opened", "pk"],
    "oldest": ["opened", "pk"],
    "newest": ["-opened", "-pk"],
}
DEFAULT_SORT = "most_flagged"


@dataclass
class Filters:
    consultation: int | None = None
    kind: str = ""
    reason: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_params(cls, params):
        """Filters from query parameters; unknown values are ignored rather
        than refused, so a stale link still shows the queue."""
        consultation = params.get("consultation", "")
        return cls(
            consultation=as_id(consultation),
            kind=params.get("kind", "") if params.get("kind") in ReviewKind.values else "",
            reason=params.get("reason", "")
            if params.get("reason") in FlagReason.values + HoldReason.values
            else "",
            sort=params.get("sort") if params.get("sort") in SORTS else DEFAULT_SORT,
        )


@dataclass
class Item:
    review: Review
    comment: Comment
    flags: dict = field(default_factory=dict)
    # {action: count} of earlier decisions on the author, plus "comments".
    author_record: dict = field(default_factory=dict)


def pending_reviews(filters):
    reviews = Review.objects.filter(pending=True)
    if filters.consultation:
        reviews = reviews.filter(consultation_id=filters.consultation)
    if filters.kind:
        reviews = reviews.filter(kind=filters.kind)
    if filters.reason in HoldReason.values:
        reviews = reviews.filter(hold_reason=filters.reason)
    elif filters.reason:
        reviews = reviews.filter(
            Exists(
                Flag.objects.filter(
                    comment_id=OuterRef("comment_id"), reason=filters.reason, cleared=False
                )
            )
        )
    return reviews.order_by(*SORTS[filters.sort])


def load_items(reviews):
    """Items for a page (a sliced queryset or list of reviews), with four
    queries whatever the page's size."""
    reviews = list(
        reviews.select_related(
            "comment__author",
            "comment__parent__author",
            "comment__appeal",
            "consultation",
        )
    )
    comment_ids = [r.comment_id for r in reviews]
    author_ids = {r.comment.author_id for r in reviews}
    flags = defaultdict(dict)
    for row in (
        Flag.objects.filter(comment_id__in=comment_ids, cleared=False)
        .values("comment_id", "reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "reason")
    ):
        flags[row["comment_id"]][row["reason"]] = row["n"]
    record = defaultdict(dict)
    for row in (
        Decision.objects.filter(user_id__in=author_ids, comment__isnull=False)
        .values("user_id", "action")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        record[row["user_id"]][row["action"]] = row["n"]
    for row in (
        Comment.objects.filter(author_id__in=author_ids)
        .values("author_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        record[row["author_id"]]["comments"] = row["n"]
    return [
        Item(
            review=r,
            comment=r.comment,
            flags=flags.get(r.comment_id, {}),
            author_record=record.get(r.comment.author_id, {}),
        )
        for r in reviews
    ]


def appeal_of(comment):
    """The comment's appeal, loaded by load_items (None when there is none)."""
    try:
        return comment.appeal
    except Comment.appeal.RelatedObjectDoesNotExist:
        return None
