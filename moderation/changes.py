"""The review queue's cursor: a change counter (QueueActivity, one row) whose
next value every write to a queue item takes (Review.seq), and the changes
after a cursor, which a moderator's live page asks for after missing events
(a reconnect, a gap in the numbers, a pong ahead of it). The same rule as
the consultation threads (comments.models.ConsultationActivity).

The rule that keeps it safe: take the number LAST in the transaction, just
before the item is written (moderation/holds.py, moderation/actions.py).
The counter's row stays locked until commit, so numbers commit in order;
taken last, no other lock is waited for while it is held, so it adds no
lock cycle to the actions that already lock comments and consultations."""

from django.db import connection
from django.db.transaction import TransactionManagementError

from core.parse import MAX_ID
from moderation.models import QueueActivity, Review

# The counter's one row.
ROW = 1
# Changes per answer of the catch-up endpoint; the page asks again from
# `next_cursor` while `more` is true.
CHANGES_LIMIT = 200
# The fields of a `queue.changed` event, as a change is read back.
FIELDS = ("comment_id", "consultation_id", "pending", "kind", "flag_count", "seq")


def take(count=1):
    """The queue's next `count` change numbers, as a range: one UPDATE, whose
    row lock the caller's transaction holds until it commits."""
    if not connection.in_atomic_block:
        # Outside a transaction the lock would end with the UPDATE.
        raise TransactionManagementError("Take queue change numbers inside a transaction.")
    table = connection.ops.quote_name(QueueActivity._meta.db_table)
    # The ORM has no UPDATE ... RETURNING (SQLite has it since 3.35).
    sql = f"UPDATE {table} SET last_seq = last_seq + %s WHERE id = %s RETURNING last_seq"  # noqa: S608 - the model's table; values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, ROW])
        row = cursor.fetchone()
    if row is None:
        # The first change ever (or the row was flushed, as tests do).
        QueueActivity.objects.get_or_create(pk=ROW)
        return take(count)
    last = row[0]
    return range(last - count + 1, last + 1)


def stamp(review):
    """Give `review` the next change number, for the write that follows."""
    review.seq = take()[0]
    return review


def stamp_all(reviews):
    """Give each review its own next number (in the order given) and write
    the numbers, in one UPDATE besides the counter's."""
    reviews = list(reviews)
    if not reviews:
        return reviews
    for review, seq in zip(reviews, take(len(reviews)), strict=True):
        review.seq = seq
    Review.objects.bulk_update(reviews, ["seq"])
    return reviews


def current_cursor():
    """The latest change number committed (0 before any), in one query."""
    return QueueActivity.objects.filter(pk=ROW).values_list("last_seq", flat=True).first() or 0


def as_event(comment_id, consultation_id, pending, kind, flag_count, seq):
    """A queue change as the `queue.changed` event carries it (ids and
    counts, never text)."""
    return {
        "type": "queue.changed",
        "comment": comment_id,
        "consultation": consultation_id,
        "pending": pending,
        "kind": kind,
        "flag_count": flag_count,
        "cursor": seq,
    }


def changes_after(after, limit=None):
    """The queue's changes after cursor `after`, oldest first, at most
    `limit`: {"results": [event...], "next_cursor", "more"}, in two queries.
    Each item appears once, as it is now (its last change). The cursor is
    read first: every change up to it has committed, so when the answer is
    complete the page may move its cursor to it."""
    if not 0 <= after <= MAX_ID:
        raise ValueError(f"cursor out of range: {after}")
    limit = limit or CHANGES_LIMIT
    cursor = current_cursor()
    rows = list(
        Review.objects.filter(seq__gt=after, seq__lte=cursor)
        .order_by("seq")
        .values_list(*FIELDS)[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "results": [as_event(*row) for row in rows],
        "next_cursor": rows[-1][-1] if more else max(cursor, after),
        "more": more,
    }
