"""A search's filters as a query on the comments table: what the database
backend matches its text within, and what a folio lookup (search.results)
narrows to the one comment it names."""

from django.db.models import Exists, OuterRef

from comments.models import Comment, TaggedComment
from moderation.models import Flag
from search.query import INDEXED_STATUSES


def searched_statuses(query):
    """What the searcher may see and asked for, and the index holds."""
    return [status for status in query.allowed_statuses if status in INDEXED_STATUSES]


def filtered_comments(query):
    """The comments the query's filters (statuses, places, author, flag
    reason, theme, dates) leave, whatever its text."""
    comments = Comment.objects.filter(status__in=searched_statuses(query))
    for name in ("consultation", "question", "section", "author"):
        value = getattr(query, name)
        if value is not None:
            comments = comments.filter(**{f"{name}_id": value})
    if query.reason:
        comments = comments.filter(
            Exists(Flag.objects.filter(comment=OuterRef("pk"), reason=query.reason))
        )
    if query.tag:
        comments = comments.filter(
            Exists(
                TaggedComment.objects.filter(
                    content_object=OuterRef("pk"), tag__name__iexact=query.tag
                )
            )
        )
    if query.created_from is not None:
        comments = comments.filter(created__gte=query.created_from)
    if query.created_to is not None:
        comments = comments.filter(created__lt=query.created_to)
    return comments
