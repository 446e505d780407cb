"""Who hears about what happens in a consultation, worked out in the
background: the write that causes it only enqueues a task once it commits
(a constant number of queries, whatever the thread's followers), and the
task writes the notices in batches.

- A comment everyone can see (posted, or approved after a hold): its
  parent's author gets a reply notice; the thread's other followers get
  one notice per thread, whose count rises while it is unread.
- A followed consultation opens, is about to close, closes, publishes its
  response, or adds or updates a commitment: each follower gets a notice.

Nobody is told what they did themselves; people who stopped following,
blocked and deleted accounts are not told; a comment hidden, removed or
held by the time the task runs is told to nobody."""

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django_tasks import task

from comments.models import Comment, CommentStatus
from notifications import notify
from notifications.models import Follow, Notice

logger = logging.getLogger(__name__)

BATCH = 2000


def _reachable(follows):
    """Follows whose person can still be told anything."""
    return follows.filter(user__is_active=True, user__blocked=False, user__erased_at__isnull=True)


def comment_published(comment, now):
    """Inside the writer's transaction: once it commits, tell the people
    concerned about `comment`, now visible to everyone."""
    transaction.on_commit(
        lambda: _enqueue(fan_out_comment, comment.pk, now.isoformat()), robust=True
    )


def consultation_event(consultation, kind, *, now, note="", actor_id=None, skip=()):
    """Inside the writer's transaction: once it commits, leave every
    follower of `consultation` a notice of `kind` (`skip`: people told
    otherwise already)."""
    skip_ids = sorted({*skip, *([actor_id] if actor_id else [])})
    transaction.on_commit(
        lambda: _enqueue(
            fan_out_consultation, consultation.pk, str(kind), now.isoformat(), note, skip_ids
        ),
        robust=True,
    )


def _enqueue(task_, *args):
    try:
        task_.enqueue(*args)
    except Exception as error:  # the queue down costs the notices, never the write
        logger.warning("could not enqueue %s%r: %r", task_.name, args, error)


@task()
def fan_out_comment(comment_id: int, at: str) -> int:
    now = datetime.fromisoformat(at)
    comment = (
        Comment.objects.select_related("parent")
        .filter(pk=comment_id, status=CommentStatus.PUBLISHED)
        .first()
    )
    if comment is None:
        return 0
    follows = _reachable(Follow.objects.filter(thread_id=comment.root_id))
    stopped = set(follows.filter(active=False).values_list("user_id", flat=True))
    told = 0
    replied_to = None
    parent = comment.parent
    if (
        parent is not None
        and parent.author_id != comment.author_id
        and parent.author_id not in stopped
        and _can_be_told(parent.author_id)
    ):
        replied_to = parent.author_id
        notify.tell_many(
            [
                Notice(
                    user_id=replied_to,
                    kind=Notice.Kind.REPLY,
                    comment=comment,
                    thread_id=comment.root_id,
                    consultation_id=comment.consultation_id,
                    created=now,
                )
            ],
            now=now,
        )
        told += 1
    followers = sorted(
        set(follows.filter(active=True).values_list("user_id", flat=True))
        - {comment.author_id, replied_to}
    )
    for start in range(0, len(followers), BATCH):
        told += _tell_thread(comment, followers[start : start + BATCH], now)
    return told


def _can_be_told(user_id):
    return (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True, blocked=False, erased_at__isnull=True)
        .exists()
    )


@transaction.atomic
def _tell_thread(comment, user_ids, now):
    """One batch of a thread's followers: raise the count of the unread
    notice each already has for the thread, leave a new one for the rest.
    Six queries per batch."""
    unread = Notice.objects.filter(
        kind=Notice.Kind.THREAD, thread_id=comment.root_id, read=False, user_id__in=user_ids
    )
    grouped = set(unread.values_list("user_id", flat=True))
    if grouped:
        unread.filter(user_id__in=grouped).update(
            count=F("count") + 1, comment=comment, created=now, emailed_at=None
        )
        # Those who chose e-mail at once hear of each new comment.
        notify.email_now(
            list(unread.filter(user_id__in=grouped, delivery="now").select_related("comment")),
            now=now,
        )
    notify.tell_many(
        (
            Notice(
                user_id=user_id,
                kind=Notice.Kind.THREAD,
                comment=comment,
                thread_id=comment.root_id,
                consultation_id=comment.consultation_id,
                created=now,
            )
            for user_id in user_ids
            if user_id not in grouped
        ),
        now=now,
    )
    return len(user_ids)


@task()
def fan_out_consultation(consultation_id: int, kind: str, at: str, note: str, skip: list) -> int:
    now = datetime.fromisoformat(at)
    followers = list(
        _reachable(Follow.objects.filter(consultation_id=consultation_id, active=True))
        .exclude(user_id__in=skip)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    for start in range(0, len(followers), BATCH):
        with transaction.atomic():
            notify.tell_many(
                (
                    Notice(
                        user_id=user_id,
                        kind=kind,
                        consultation_id=consultation_id,
                        note=note,
                        created=now,
                    )
                    for user_id in followers[start : start + BATCH]
                ),
                now=now,
            )
    return len(followers)
