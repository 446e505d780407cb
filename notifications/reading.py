"""A person reading their notices: the list, newest first, with what its
page and the JSON API show loaded in one query; marking them read (one
UPDATE), after which the person's unread count goes to their own socket
group once the write commits (notifications/notify.py), so that their
other tabs follow."""

from django.db import transaction

from notifications import notify
from notifications.models import Notice

# Notices a page of the notifications page shows.
PER_PAGE = 50
# The most ids one request may mark read (the JSON API).
MAX_IDS = 500


def notices_of(user):
    """`user`'s notices, newest first, each with its comment, the
    comment's author and consultation, and its own consultation: its text
    and its link need no further query."""
    return Notice.objects.filter(user=user).select_related(
        "comment__author", "comment__consultation", "consultation"
    )


@transaction.atomic
def mark_shown(user, notices):
    """Those of `notices` (shown to `user` just now) still unread are read
    now; those on other pages stay unread. One UPDATE, or none."""
    unread = [notice.pk for notice in notices if not notice.read]
    if not unread:
        return 0
    marked = Notice.objects.filter(user=user, pk__in=unread, read=False).update(read=True)
    if marked:
        notify.push_unread_on_commit([user.pk])
    return marked


@transaction.atomic
def mark_read(user, ids=None):
    """Mark `user`'s notices read: all of them, or those of `ids` that are
    theirs (anyone else's, or unknown, are left alone). How many changed."""
    notices = Notice.objects.filter(user=user, read=False)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids)[:MAX_IDS])
    marked = notices.update(read=True)
    if marked:
        notify.push_unread_on_commit([user.pk])
    return marked


def unread_count(user):
    return notify.unread_count(user)
