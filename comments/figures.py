"""What the home page says of participation so far: published comments and
the people who wrote them, on the public consultations below the home page
(an extension point of consultations: PUENTE_HOME_PAGE_FIGURES)."""

from django.db.models import Count

from comments.models import Comment, CommentStatus
from consultations.models import public_consultations


def participation(home_page):
    """{"comments": n, "participants": n}: one query."""
    consultations = public_consultations().descendant_of(home_page).values("pk")
    return Comment.objects.filter(
        consultation__in=consultations, status=CommentStatus.PUBLISHED
    ).aggregate(comments=Count("pk"), participants=Count("author", distinct=True))
