"""Who may do what with comments: small named predicates shared by the HTML
views, the JSON API and the websocket consumer (docs/roles.md)."""

from wagtail.models import PageViewRestriction

from accounts.roles import PLANNER, has_role
from accounts.rules import is_moderator, is_participant
from comments.models import CommentStatus
from consultations.status import Status


def is_public(consultation):
    """Published and without a view restriction: anyone may read its comments.
    One query: the restrictions of the page and its ancestors, found by their
    tree paths (each ancestor's path is a prefix of the page's)."""
    if not consultation.live:
        return False
    step, path = consultation.steplen, consultation.path
    lineage = [path[:end] for end in range(step, len(path) + 1, step)]
    return not PageViewRestriction.objects.filter(page__path__in=lineage).exists()


def accepts_comments(consultation, now):
    return consultation.status_at(now) == Status.OPEN


def can_post(user, consultation, now):
    return is_participant(user) and accepts_comments(consultation, now)


def is_author(user, comment):
    return user.is_authenticated and comment.author_id == user.pk


def can_edit(user, comment, now):
    return is_author(user, comment) and accepts_comments(comment.consultation, now)


def may_see_held(user, comment):
    """A held comment is its author's and the moderators' until decided."""
    return is_author(user, comment) or is_moderator(user)


def can_delete(user, comment):
    # People may take their words back even after the consultation closed.
    return is_author(user, comment)


def can_react(user, comment, now):
    return (
        is_participant(user)
        and not is_author(user, comment)
        and accepts_comments(comment.consultation, now)
    )


def readable_statuses(user):
    """The statuses of comments `user` may find through search and tag:
    moderators every status that still has text, planners published ones."""
    if is_moderator(user):
        return (
            CommentStatus.PUBLISHED,
            CommentStatus.HIDDEN,
            CommentStatus.REMOVED,
            CommentStatus.HELD,
        )
    if is_participant(user) and has_role(user, PLANNER):
        return (CommentStatus.PUBLISHED,)
    return ()


def can_tag(user, comment):
    return comment.status in readable_statuses(user)
