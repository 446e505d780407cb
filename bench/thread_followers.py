"""A thread with 10,000 followers: the background task that tells them of
a new comment (notifications.activity.fan_out_comment, its body run as the
worker runs it). The first comment leaves 10,000 notices; the next raises
the count of the unread notice each follower has for the thread. With
everyone on the defaults (thread activity in the daily digest) and with
one follower in ten who chose e-mail at once (one e-mail each, written to
the outbox). Also the write that causes it: posting the reply, whose
queries do not depend on the number of followers (the fan-out is only
enqueued).

Reported: seconds of the task, of which the live unread counts pushed to
each follower's socket group after each batch commits (notify.push_unread), SQL queries,
notices and e-mails written. Target: the notices written in 2 s or less.
  .venv/bin/python tools/services.py --no-search -- .venv/bin/python -m bench thread_followers
"""

import sys
import time

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from comments import actions
from core.models import OutgoingEmail
from notifications import activity, notify
from notifications.models import Follow, Notice, Preference
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

FOLLOWERS = 10_000
BATCH = 5_000
# Write the outbox, not send it: the worker sends (not measured here).
PRODUCTION_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The post is measured without its fan-out (measured by itself): what it
# enqueues is dropped.
NOWHERE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
NO_LIMITS = {"interval": 0, "new_account_interval": 0, "new_account_days": 0}


def log(message):
    print(f"thread_followers: {message}", file=sys.stderr, flush=True)


class Pushes:
    """Times notify.push_unread: the unread counts sent to each person told,
    once each batch commits."""

    def __init__(self):
        self.seconds = 0.0
        self.count = 0
        self._original = notify.push_unread

    def __enter__(self):
        def timed(user_ids):
            started = time.perf_counter()
            self._original(user_ids)
            self.seconds += time.perf_counter() - started
            self.count += len(user_ids)

        notify.push_unread = timed
        return self

    def __exit__(self, *exc):
        notify.push_unread = self._original


def build(label):
    home = ensure_site()
    index = ConsultationIndexPageFactory(parent=home, slug=f"consultas-hilo-{label}")
    page = ConsultationPageFactory(
        parent=index, slug=f"consulta-hilo-{label}", questions=["¿Qué opinas?"]
    )
    author = User.objects.create(email=f"autora-{label}@example.com", display_name="Autora")
    replier = User.objects.create(email=f"responde-{label}@example.com", display_name="Responde")
    question = page.ordered_questions[0].pk
    with override_settings(PUENTE_COMMENT_RATE_LIMITS=NO_LIMITS):
        root = actions.do_post_comment(
            author, page, body="¿Y si la ciclovía tuviera sombra?", question=question
        )
    now = timezone.now()
    followers = []
    for start in range(0, FOLLOWERS, BATCH):
        followers += User.objects.bulk_create(
            User(
                email=f"sigue-{label}-{n}@example.com",
                display_name=f"Seguidora {n}",
                password=UNUSABLE_PASSWORD_PREFIX,
            )
            for n in range(start, min(FOLLOWERS, start + BATCH))
        )
    Follow.objects.bulk_create(
        (Follow(user=person, thread=root, created=now) for person in followers),
        batch_size=2000,
    )
    return page, root, replier, followers


def reply(page, root, replier, n):
    with override_settings(PUENTE_COMMENT_RATE_LIMITS=NO_LIMITS):
        return actions.do_post_comment(
            replier, page, body=f"Respuesta número {n}: sí, y bancas también.", parent=root.pk
        )


def fan_out(comment):
    """The task's body, as the worker runs it: seconds, queries, pushes."""
    with (
        override_settings(TASKS=PRODUCTION_TASKS),
        CaptureQueriesContext(connection) as queries,
        Pushes() as pushes,
    ):
        started = time.perf_counter()
        told = activity.fan_out_comment.call(comment.pk, comment.created.isoformat())
        elapsed = time.perf_counter() - started
    return told, elapsed, len(queries), pushes


def run():
    rows = []
    for label, email_share in (("digest", 0), ("ten-percent-at-once", 10)):
        page, root, replier, followers = build(label)
        if email_share:
            Preference.objects.bulk_create(
                Preference(user=person, topic="thread", delivery="now")
                for person in followers[:: 100 // email_share]
            )
        log(f"{label}: {len(followers):,} followers")
        for n, what in enumerate(("first comment: new notices", "next comment: counts raised")):
            # Posting: enqueues the fan-out once it commits (not run here).
            with (
                override_settings(TASKS=NOWHERE),
                CaptureQueriesContext(connection) as posting,
            ):
                comment = reply(page, root, replier, n)
            emails_before = OutgoingEmail.objects.count()
            told, elapsed, queries, pushes = fan_out(comment)
            rows.append(
                {
                    "followers": f"{len(followers):,}",
                    "e-mail at once": f"{email_share}%",
                    "comment": what,
                    "post queries": len(posting),
                    "task s": round(elapsed, 2),
                    "of which pushes s": round(pushes.seconds, 2),
                    "rows written s": round(elapsed - pushes.seconds, 2),
                    "pushes": f"{pushes.count:,}",
                    "task queries": queries,
                    "told": f"{told:,}",
                    "unread notices": f"{Notice.objects.filter(thread=root, read=False).count():,}",
                    "e-mails written": OutgoingEmail.objects.count() - emails_before,
                }
            )
            log(f"  {what}: {elapsed:.2f} s, {queries} queries")
    return rows
