"""¿Qué pasó con mi comentario?: a person's own comments and replies across
consultations, newest first, each traced to its fate (published, awaiting
review, hidden, removed, deleted by them) with the reason they were told,
the replies and reactions it received, its themes, the published response
items that answer it and the commitments those lead to, with their latest
update. A constant number of queries per page, whatever the person wrote
(tests/privacy/test_contributions.py asserts it); only ever the person's own
comments and notices.

What it shows of the text follows the moderators' rule for authors: their
own text also while held or hidden (they may appeal), never once removed."""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from comments.links import anchor_label, permalink
from comments.models import Comment, CommentStatus, TaggedComment
from moderation.models import FlagReason, HoldReason
from moderation.rules import APPEALABLE
from notifications.models import Notice
from responses.models import Commitment, CommitmentUpdate, ResponseItem

PER_PAGE = 20
EXCERPT_CHARS = 300

# How each status reads to the comment's own author.
FATES = {
    CommentStatus.PUBLISHED: _("Published"),
    CommentStatus.HELD: _("Awaiting review"),
    CommentStatus.HIDDEN: _("Hidden by moderation"),
    CommentStatus.REMOVED: _("Removed by moderation"),
    CommentStatus.DELETED: _("Deleted by you"),
}
# The statuses whose text its author still sees here.
TEXT_SHOWN = (CommentStatus.PUBLISHED, CommentStatus.HELD, CommentStatus.HIDDEN)
# The statuses in which it is in its thread for its author to see.
IN_THREAD = (CommentStatus.PUBLISHED, CommentStatus.HELD)

Kind = Notice.Kind
# The moderation notices about one comment, and which of them explain each
# status (a later notice of another kind means the situation changed since).
MODERATION_KINDS = (
    Kind.HELD,
    Kind.HIDDEN_BY_FLAGS,
    Kind.APPROVED,
    Kind.HIDDEN,
    Kind.REMOVED,
    Kind.RESTORED,
)
EXPLAINS = {
    CommentStatus.PUBLISHED: (Kind.APPROVED, Kind.RESTORED),
    CommentStatus.HELD: (Kind.HELD,),
    CommentStatus.HIDDEN: (Kind.HIDDEN, Kind.HIDDEN_BY_FLAGS),
    CommentStatus.REMOVED: (Kind.REMOVED,),
}


@dataclass
class Told:
    """The moderation notice that explains the comment's status now."""

    kind: str
    created: object
    # The reason's label (a FlagReason's, or a HoldReason's for a held one).
    reason: str = ""
    note: str = ""


@dataclass
class Answer:
    """A published response item that links the comment."""

    item: ResponseItem
    url: str
    # (commitment, its latest dated update or None), in the response's order.
    commitments: list = field(default_factory=list)


@dataclass
class Contribution:
    comment: Comment
    fate: str
    fate_label: str
    excerpt: str
    # The comment in its thread, "" when it is not there to see.
    url: str
    consultation_url: str
    where: str
    replies: int
    themes: list[str]
    answers: list[Answer]
    told: Told | None = None
    appeal: object = None
    can_appeal: bool = False

    @property
    def folio(self):
        return self.comment.folio

    @property
    def is_reply(self):
        return self.comment.parent_id is not None


def _published_replies():
    """How many published replies a comment has (a subquery per row, so the
    page needs no GROUP BY over every joined column)."""
    return Coalesce(
        Subquery(
            Comment.objects.filter(parent=OuterRef("pk"), status=CommentStatus.PUBLISHED)
            .order_by()
            .values("parent")
            .annotate(count=Count("pk"))
            .values("count")[:1]
        ),
        Value(0),
    )


def contributions_of(user):
    """The person's comments and replies, newest first, with everything the
    page shows of them loaded by prefetches (a constant number of queries)."""
    latest_update = CommitmentUpdate.objects.order_by("-date", "-created", "-pk")
    answering = (
        ResponseItem.objects.filter(response__published_at__isnull=False)
        .select_related("question", "theme")
        .prefetch_related(
            Prefetch(
                "commitments",
                # An item's commitments are those of its own response.
                Commitment.objects.prefetch_related(
                    Prefetch("updates", latest_update[:1], to_attr="latest_updates")
                ),
            )
        )
    )
    return (
        Comment.objects.filter(author=user)
        .select_related("consultation", "question", "section", "appeal")
        .annotate(published_replies=_published_replies())
        .prefetch_related(
            Prefetch(
                "tagged_items", TaggedComment.objects.select_related("tag"), to_attr="theme_links"
            ),
            Prefetch("response_items", answering, to_attr="answering_items"),
        )
        .order_by("-created", "-pk")
    )


def _told_of(user, comments):
    """For each comment, the latest moderation notice its author received
    about it (one query for the page)."""
    latest: dict[int | None, Notice] = {}
    notices = Notice.objects.filter(
        user=user, comment_id__in=[comment.pk for comment in comments], kind__in=MODERATION_KINDS
    ).order_by("-created", "-pk")
    for notice in notices:
        latest.setdefault(notice.comment_id, notice)
    return latest


def _label(choices, value):
    return choices(value).label if value in choices.values else value


def _told(comment, notice):
    if notice is None or notice.kind not in EXPLAINS.get(comment.status, ()):
        return None
    if notice.kind == Kind.HELD:
        reason = _label(HoldReason, notice.hold_reason) if notice.hold_reason else ""
    else:
        reason = _label(FlagReason, notice.reason) if notice.reason else ""
    return Told(kind=notice.kind, created=notice.created, reason=reason, note=notice.note)


def _answers(comment, page_url):
    """The published items that link the comment (whatever its status now:
    they answered it), each with its commitments and their latest update.
    `page_url` is "" when the page does not show the response."""
    answers = []
    for item in comment.answering_items:
        answers.append(
            Answer(
                item=item,
                url=f"{page_url}#response-item-{item.pk}" if page_url else "",
                commitments=[
                    (commitment, (commitment.latest_updates or [None])[0])
                    for commitment in item.commitments.all()
                ],
            )
        )
    return answers


def contribution(comment, notice, request=None):
    consultation = comment.consultation
    live = consultation.live
    page_url = (consultation.get_url(request=request) or "") if live else ""
    status = comment.status
    # Loaded by select_related; a comment never appealed has none.
    appeal = getattr(comment, "appeal", None)
    return Contribution(
        comment=comment,
        fate=status,
        fate_label=str(FATES.get(status, status)),
        excerpt=comment.body if status in TEXT_SHOWN else "",
        url=permalink(comment) if page_url and status in IN_THREAD else "",
        consultation_url=page_url,
        where=anchor_label(comment),
        replies=comment.published_replies,
        themes=sorted((link.tag.name for link in comment.theme_links), key=str.casefold),
        answers=_answers(comment, page_url if consultation.reported_at else ""),
        told=_told(comment, notice),
        appeal=appeal,
        can_appeal=appeal is None and status in APPEALABLE,
    )


def contributions_page(user, number, request=None):
    """The page `number` (as given; a bad one gives the first or last) of
    the person's contributions, as (page, [Contribution])."""
    page = Paginator(contributions_of(user), PER_PAGE).get_page(number)
    comments = list(page.object_list)
    told = _told_of(user, comments)
    return page, [contribution(comment, told.get(comment.pk), request) for comment in comments]
