"""The outbox (core/mail.py): a message is a row written with the write
that caused it, sent by a task once that commits, retried after each
failure and kept, marked failed, after the last one. Nothing is lost and
nothing is sent twice."""

import logging
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import mail
from core.models import OutgoingEmail

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """The locmem backend, refusing while `down` (a mail server that is off)."""

    down = True
    timeouts: list = []

    def __init__(self, *args, timeout=None, **kwargs):
        FlakyBackend.timeouts.append(timeout)
        super().__init__(*args, **kwargs)

    def open(self):
        if FlakyBackend.down:
            raise ConnectionRefusedError("the mail server is off")
        return super().open()

    def send_messages(self, messages):
        if FlakyBackend.down:
            raise ConnectionRefusedError("the mail server is off")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.PUENTE_EMAIL_RETRY_DELAYS = [60, 600]
    FlakyBackend.down, FlakyBackend.timeouts = True, []
    return FlakyBackend


def queue_one(django_capture_on_commit_callbacks, to="ana@example.com", now=None):
    with django_capture_on_commit_callbacks(execute=True):
        return mail.queue(to, "Asunto", "Cuerpo", about="test", now=now)


def test_a_message_is_a_row_sent_once_the_write_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = mail.queue("ana@example.com", "Asunto\u00a0", "Cuerpo", about="test")
    # Written, not sent: the request never waits for the mail server.
    assert django_mail.outbox == []
    assert OutgoingEmail.objects.get().state == "queued"
    for callback in callbacks:
        callback()
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 0)
    assert row.sent_at is not None
    [message] = django_mail.outbox
    assert message.to == ["ana@example.com"] and message.body == "Cuerpo"


def test_a_failed_send_is_retried_after_its_delay_then_kept_as_failed(
    flaky, django_capture_on_commit_callbacks, caplog, settings
):
    settings.EMAIL_TIMEOUT = 7
    start = timezone.now()
    row = queue_one(django_capture_on_commit_callbacks, now=start)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("queued", 1)
    assert "the mail server is off" in row.last_error
    assert timedelta(seconds=59) < row.next_attempt - start < timedelta(seconds=70)
    # The timeout reaches the backend: a server that hangs fails the attempt.
    assert flaky.timeouts == [7]

    # Not due yet: nothing is tried.
    assert mail.send_due(now=start + timedelta(seconds=30)) == 0
    assert OutgoingEmail.objects.get().attempts == 1
    # Due, and still down: the second (last) delay.
    assert mail.send_due(now=start + timedelta(seconds=71)) == 0
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("queued", 2)
    # Past the last retry: kept as failed, and said so in the log.
    with caplog.at_level(logging.ERROR, logger="core.mail"):
        assert mail.send_due(now=start + timedelta(seconds=71 + 601)) == 0
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", 3)
    assert "could not be sent after every retry" in caplog.text
    assert django_mail.outbox == []


def test_a_retry_sends_what_failed_and_nothing_twice(flaky, django_capture_on_commit_callbacks):
    start = timezone.now()
    first = queue_one(django_capture_on_commit_callbacks, "ana@example.com", now=start)
    second = queue_one(django_capture_on_commit_callbacks, "beto@example.com", now=start)
    flaky.down = False
    later = start + timedelta(minutes=2)
    assert mail.send_due(now=later) == 2
    assert mail.send_due(now=later) == 0
    # A task for the same rows arriving late sends nothing again.
    assert mail.deliver.call([first.pk, second.pk]) == 0
    assert sorted(m.to[0] for m in django_mail.outbox) == ["ana@example.com", "beto@example.com"]
    assert set(OutgoingEmail.objects.values_list("state", flat=True)) == {"sent"}


def test_a_row_another_worker_is_sending_is_left_alone(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        row = mail.queue("ana@example.com", "Asunto", "Cuerpo", about="test")
    OutgoingEmail.objects.filter(pk=row.pk).update(state="sending", claim=OutgoingEmail.new_claim())
    assert mail.deliver.call([row.pk]) == 0
    assert django_mail.outbox == []
    # Unless that worker died: after an hour the scheduler queues it again.
    assert mail.send_due(now=timezone.now() + mail.STALE_CLAIM + timedelta(minutes=1)) == 1
    assert len(django_mail.outbox) == 1


def test_rows_without_an_address_are_not_written():
    assert mail.queue_all([mail.message("", "Asunto", "Cuerpo", about="test")]) == []
    assert not OutgoingEmail.objects.exists()


def test_a_subject_is_one_line_whatever_the_template_renders():
    subject, _body = mail.render("notifications/email/receipt", {"comment": None})
    assert "\n" not in subject


def test_the_scheduled_command_sends_what_is_due(flaky, django_capture_on_commit_callbacks):
    queue_one(django_capture_on_commit_callbacks)
    OutgoingEmail.objects.update(next_attempt=timezone.now() - timedelta(seconds=1))
    flaky.down = False
    call_command("send_queued_email", verbosity=0)
    assert OutgoingEmail.objects.get().state == "sent"


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_a_failed_send_is_deferred_to_a_retry_task(flaky, settings):
    """Production's queue: the worker sends; a failure enqueues the retry
    with run_after, which the worker runs once it is due."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    row = mail.queue("ana@example.com", "Asunto", "Cuerpo", about="test")
    ours = DBTaskResult.objects.filter(task_path="core.mail.deliver")
    assert [task.status for task in ours] == ["READY"]
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("queued", 1)
    retry = ours.filter(status="READY").get()
    assert retry.run_after is not None and retry.run_after > timezone.now()
    flaky.down = False
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt=timezone.now())
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    row.refresh_from_db()
    assert row.state == "sent"
    assert [m.to for m in django_mail.outbox] == [["ana@example.com"]]
