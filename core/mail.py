"""The one e-mail path. Every message Puente sends is rendered in its
reader's language, written to the outbox (core.models.OutgoingEmail) inside
the caller's transaction, and sent by a background task once that commits.

A mail server that is slow or down never slows or undoes the write that
caused the message: the request only writes a row. A failed send is
retried after PUENTE_EMAIL_RETRY_DELAYS (by the task queue where it can
defer, else by `manage.py send_queued_email`, which the scheduler runs every
few minutes); after the last retry the row is kept as failed, logged as an
error and listed in the admin, so no message is lost silently."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import default_task_backend, task

from core.models import OutgoingEmail

logger = logging.getLogger(__name__)

# Rows per task: one connection to the mail server sends them all.
BATCH = 100
# A row left "sending" this long (its worker died) is queued again.
STALE_CLAIM = timedelta(hours=1)


def render(template, context, *, language=None):
    """(subject, body) from `template`_subject.txt and `template`_body.txt,
    in `language` (the reader's; the site's when None)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    # A subject is one line: a header cannot carry a newline.
    subject = " ".join(subject.split())[:255]
    return subject, body


def message(to, subject, body, *, user=None, about, headers=None, now=None):
    """An unsaved outbox row (for `queue_all`)."""
    now = now or timezone.now()
    return OutgoingEmail(
        user=user,
        to=to,
        subject=subject[:255],
        body=body,
        headers=headers or {},
        about=about[:40],
        created=now,
        next_attempt=now,
    )


def queue(to, subject, body, *, user=None, about, headers=None, now=None, on_commit=True):
    """Write one message to the outbox; it leaves once the caller commits.
    Returns its row (None without an address)."""
    row = message(to, subject, body, user=user, about=about, headers=headers, now=now)
    rows = queue_all([row], on_commit=on_commit)
    return rows[0] if rows else None


def queue_all(rows, *, on_commit=True):
    """Write many messages (one INSERT per thousand) and send them, in
    batches of BATCH, once the caller commits (`on_commit` False: enqueue
    now, for callers that write in autocommit, such as allauth's views; a
    database queue's row commits with the outbox's anyway). Rows without an
    address are dropped. Returns the saved rows."""
    rows = OutgoingEmail.objects.bulk_create([row for row in rows if row.to], batch_size=1000)
    ids = [row.pk for row in rows]
    if ids and on_commit:
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    elif ids:
        _enqueue(ids)
    return rows


def _enqueue(ids, run_after=None):
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            if run_after is not None:
                deliver.using(run_after=run_after).enqueue(chunk)
            else:
                deliver.enqueue(chunk)
        except Exception as error:
            # The rows stay queued: send_queued_email finds them.
            logger.warning("could not enqueue e-mail %s: %r", chunk[:3], error)


@task()
def deliver(ids: list[int]) -> int:
    """Send the queued rows among `ids` that are due; returns how many left."""
    return send_rows(OutgoingEmail.objects.filter(pk__in=ids))


def send_due(now=None):
    """Send every queued row that is due, and requeue rows whose worker died
    while sending (what the scheduler runs). Returns how many left."""
    now = now or timezone.now()
    OutgoingEmail.objects.filter(
        state=OutgoingEmail.State.SENDING, next_attempt__lt=now - STALE_CLAIM
    ).update(state=OutgoingEmail.State.QUEUED, claim=None)
    sent = 0
    while True:
        due = list(
            OutgoingEmail.objects.filter(
                state=OutgoingEmail.State.QUEUED, next_attempt__lte=now
            ).values_list("pk", flat=True)[:BATCH]
        )
        if not due:
            return sent
        sent += send_rows(OutgoingEmail.objects.filter(pk__in=due), now=now)


def send_rows(rows, now=None):
    """Claim the due, queued rows of `rows` (one UPDATE: a row another
    worker claimed is not sent twice), send them over one connection, and
    record each outcome. A failure stops the batch: the rest are retried."""
    now = now or timezone.now()
    claim = OutgoingEmail.new_claim()
    claimed = rows.filter(state=OutgoingEmail.State.QUEUED, next_attempt__lte=now).update(
        state=OutgoingEmail.State.SENDING, claim=claim, next_attempt=now
    )
    if not claimed:
        return 0
    batch = list(OutgoingEmail.objects.filter(claim=claim).order_by("pk"))
    sent_ids: list[int] = []
    error = None
    try:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        with connection:
            for row in batch:
                email = EmailMessage(row.subject, row.body, None, [row.to], headers=row.headers)
                if connection.send_messages([email]):
                    sent_ids.append(row.pk)
    except Exception as caught:  # the mail server's errors are many and not ours
        error = caught
    if sent_ids:
        OutgoingEmail.objects.filter(pk__in=sent_ids).update(
            state=OutgoingEmail.State.SENT, sent_at=timezone.now(), claim=None, last_error=""
        )
    unsent = [row for row in batch if row.pk not in set(sent_ids)]
    if unsent:
        _retry_later(unsent, error, now)
    return len(sent_ids)


def _retry_later(rows, error, now):
    delays = settings.PUENTE_EMAIL_RETRY_DELAYS
    reason = repr(error) if error else "the mail server accepted nothing"
    retry: dict[int, list[int]] = {}
    failed = []
    for row in rows:
        attempt = row.attempts + 1
        if attempt > len(delays):
            failed.append(row.pk)
            OutgoingEmail.objects.filter(pk=row.pk).update(
                state=OutgoingEmail.State.FAILED, attempts=attempt, last_error=reason, claim=None
            )
        else:
            retry.setdefault(attempt, []).append(row.pk)
    for attempt, ids in retry.items():
        delay = timedelta(seconds=delays[attempt - 1])
        OutgoingEmail.objects.filter(pk__in=ids).update(
            state=OutgoingEmail.State.QUEUED,
            attempts=attempt,
            last_error=reason,
            next_attempt=now + delay,
            claim=None,
        )
        logger.warning("e-mail %s not sent (attempt %s), retrying: %s", ids[:5], attempt, reason)
        if default_task_backend.supports_defer:
            _enqueue(ids, run_after=now + delay)
    if failed:
        logger.error("e-mail %s could not be sent after every retry: %s", failed[:20], reason)
