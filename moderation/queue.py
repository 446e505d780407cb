"""The review queue as moderators read it (the admin page and the JSON API):
pending items filtered and sorted, each with its comment in context, its
flags (and the notes their reporters wrote), its author's record and, when
appealed, the decision under appeal, in a constant number of queries per
page."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, Q

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
class FlagNote:
    """What one reporter wrote with their flag (who reported is not shown)."""

    reason: str
    note: str
    created: object


@dataclass
class Item:
    review: Review
    comment: Comment
    # {reason: count} of the flags not cleared, the most raised first.
    flags: dict = field(default_factory=dict)
    # The notes of those flags, oldest first (flags without a note left out).
    notes: list = field(default_factory=list)
    # {action: count} of earlier decisions on the author, plus "comments".
    author_record: dict = field(default_factory=dict)
    # The latest decision on the comment when its author has appealed it.
    appealed_decision: Decision | None = None


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


@dataclass
class QueueSummary:
    """What waits for review: how many items, of which kind, since when."""

    total: int
    flagged: int
    held: int
    appealed: int
    oldest: object  # when the longest-waiting item entered the queue, or None


def summary():
    """The pending queue at a glance, in one query (the dashboard panel)."""
    pending = Review.objects.filter(pending=True)
    figures = pending.aggregate(
        total=Count("pk"),
        flagged=Count("pk", filter=Q(kind=ReviewKind.FLAGGED)),
        held=Count("pk", filter=Q(kind=ReviewKind.HELD)),
        appealed=Count("pk", filter=Q(kind=ReviewKind.APPEALED)),
        oldest=Min("opened"),
    )
    return QueueSummary(**figures)


def load_items(reviews):
    """Items for a page (a sliced queryset or list of reviews), with five
    queries whatever the page's size and what it holds."""
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
    flags, notes = _flags(comment_ids)
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
    appealed = _appealed_decisions([r.comment for r in reviews])
    return [
        Item(
            review=r,
            comment=r.comment,
            flags=flags.get(r.comment_id, {}),
            notes=notes.get(r.comment_id, []),
            author_record=record.get(r.comment.author_id, {}),
            appealed_decision=appealed.get(r.comment_id),
        )
        for r in reviews
    ]


def _flags(comment_ids):
    """The flags not cleared, in one query: {comment id: {reason: count}}
    (the most raised first, then by reason) and {comment id: [FlagNote]}.
    A comment gathers few of them: once hidden nobody can flag it."""
    counts = defaultdict(Counter)
    notes = defaultdict(list)
    for comment_id, reason, note, created in (
        Flag.objects.filter(comment_id__in=comment_ids, cleared=False)
        .order_by("created", "pk")
        .values_list("comment_id", "reason", "note", "created")
    ):
        counts[comment_id][reason] += 1
        if note:
            notes[comment_id].append(FlagNote(reason=reason, note=note, created=created))
    flags = {
        comment_id: dict(sorted(counter.items(), key=lambda pair: (-pair[1], pair[0])))
        for comment_id, counter in counts.items()
    }
    return flags, notes


def _appealed_decisions(comments):
    """{comment id: the decision its author appealed}: the latest one taken
    before the appeal, in one query (whether or not the page holds an
    appeal, so that a page's queries do not depend on what it holds)."""
    appeals = {comment.pk: appeal_of(comment) for comment in comments}
    found = {}
    for decision in (
        Decision.objects.filter(comment_id__in=list(appeals), comment__appeal__isnull=False)
        .select_related("moderator")
        .order_by("comment_id", "-created", "-pk")
    ):
        appeal = appeals.get(decision.comment_id)
        if appeal and decision.comment_id not in found and decision.created <= appeal.created:
            found[decision.comment_id] = decision
    return found


def appeal_of(comment):
    """The comment's appeal, loaded by load_items (None when there is none)."""
    try:
        return comment.appeal
    except Comment.appeal.RelatedObjectDoesNotExist:
        return None
