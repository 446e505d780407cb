"""A comment as the index holds it, loaded from the database in a fixed
number of queries however many comments are asked for."""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

from comments.models import Comment, TaggedComment
from moderation.models import Flag
from search.highlight import strip_markers
from search.query import INDEXED_STATUSES


@dataclass(frozen=True)
class CommentDoc:
    id: int
    consultation: int
    consultation_title: str
    question: int | None
    section: int | None
    parent: int | None
    author: int
    author_name: str
    body: str
    status: str
    created: datetime
    edited: datetime | None
    reasons: tuple[str, ...]  # every flag reason raised, sorted
    tags: tuple[str, ...]  # theme names, sorted
    flag_count: int
    reply_count: int
    agree: int
    disagree: int
    pass_count: int

    def as_dict(self):
        return asdict(self)


def indexable_comments():
    return Comment.objects.filter(status__in=INDEXED_STATUSES)


def load_docs(ids):
    """Documents for those of `ids` that belong in the index; an id missing
    from the answer must leave it (deleted, or deleted by its author)."""
    comments = list(
        indexable_comments()
        .filter(pk__in=list(ids))
        .select_related("consultation", "author")
        .order_by("pk")
    )
    return docs_for(comments)


def docs_for(comments):
    ids = [comment.pk for comment in comments]
    reasons, flag_counts = defaultdict(set), defaultdict(int)
    for comment_id, reason in Flag.objects.filter(comment_id__in=ids).values_list(
        "comment_id", "reason"
    ):
        reasons[comment_id].add(reason)
        flag_counts[comment_id] += 1
    tags = defaultdict(set)
    for comment_id, name in TaggedComment.objects.filter(content_object_id__in=ids).values_list(
        "content_object_id", "tag__name"
    ):
        tags[comment_id].add(name)
    return [
        CommentDoc(
            id=comment.pk,
            consultation=comment.consultation_id,
            consultation_title=comment.consultation.title,
            question=comment.question_id,
            section=comment.section_id,
            parent=comment.parent_id,
            author=comment.author_id,
            author_name=comment.author.display_name,
            body=strip_markers(comment.body),
            status=comment.status,
            created=comment.created,
            edited=comment.edited,
            reasons=tuple(sorted(reasons[comment.pk])),
            tags=tuple(sorted(tags[comment.pk])),
            flag_count=flag_counts[comment.pk],
            reply_count=comment.reply_count,
            agree=comment.agree_count,
            disagree=comment.disagree_count,
            pass_count=comment.pass_count,
        )
        for comment in comments
    ]


def iter_all_docs(batch_size):
    """Every indexable comment's document, in batches of `batch_size`, by id
    (keyset pagination: constant cost per batch however deep)."""
    last = 0
    while True:
        comments = list(
            indexable_comments()
            .filter(pk__gt=last)
            .select_related("consultation", "author")
            .order_by("pk")[:batch_size]
        )
        if not comments:
            return
        yield docs_for(comments)
        last = comments[-1].pk
