"""Following a consultation or a thread (a top-level comment and its
replies): the actions behind the forms and the API, and the follows that
posting makes for a person.

Anyone signed in may follow what they may read; following never reveals
anything (a held comment's thread is 404 to all but its author, as
everywhere). A person who stops following keeps a row saying so, so that
posting again in the thread does not follow it behind their back."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comments import actions as comment_actions
from core.errors import NotAllowed
from notifications.models import Follow


def check_may_follow(user):
    if not user.is_authenticated or not user.is_active or user.erased_at is not None:
        raise NotAllowed(_("Sign in to follow consultations and threads."))


def access_consultation(user, consultation_id):
    """A published, public consultation to follow, or NotFound."""
    check_may_follow(user)
    return comment_actions.access_public_consultation(consultation_id)


def access_thread(user, comment_id):
    """The top-level comment of the thread of `comment_id`, which `user` may
    see, or NotFound."""
    check_may_follow(user)
    comment = comment_actions.access_comment(user, comment_id)
    if comment.root_id and comment.root_id != comment.pk:
        comment = comment_actions.access_comment(user, comment.root_id)
    return comment


@transaction.atomic
def do_follow(user, *, consultation=None, thread=None, following=True):
    """Follow (or, `following` False, stop following) one target. Two
    queries; doing it twice changes nothing. Returns `following`."""
    target = {"consultation": consultation} if consultation is not None else {"thread": thread}
    Follow.objects.update_or_create(
        user=user,
        **target,
        defaults={"active": following},
        create_defaults={
            "active": following,
            "created": timezone.now(),
        },
    )
    return following


def auto_follow(comment, now):
    """Follow, for the author of a new comment, its thread and (on their
    first comment there) its consultation, unless they stopped following
    either before. One INSERT that skips what exists."""
    Follow.objects.bulk_create(
        [
            Follow(user_id=comment.author_id, thread_id=comment.root_id, created=now),
            Follow(user_id=comment.author_id, consultation_id=comment.consultation_id, created=now),
        ],
        ignore_conflicts=True,
    )


def following(user, *, consultation=None, threads=()):
    """What `user` follows among `consultation` and `threads` (ids): a set
    of ("consultation", id) and ("thread", id) pairs. One query."""
    if not user.is_authenticated:
        return set()
    targets = Q(pk__in=[])
    if consultation is not None:
        targets |= Q(consultation_id=consultation.pk)
    thread_ids = list(threads)
    if thread_ids:
        targets |= Q(thread_id__in=thread_ids)
    found = set()
    for consultation_id, thread_id in Follow.objects.filter(
        targets, user=user, active=True
    ).values_list("consultation_id", "thread_id"):
        found.add(("consultation", consultation_id) if consultation_id else ("thread", thread_id))
    return found
