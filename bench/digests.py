"""The daily digest (notifications/digests.py) for 10,000 and 100,000
people with pending daily notices: three each (a reply, thread activity, a
followed consultation closing soon) across five consultations, one in ten
about a comment since hidden, a third of the people reading English. The
rows are written in bulk; the digest runs as `manage.py send_digests`
does, writing the e-mails to the outbox with the production task backend
(django-tasks' database backend: one task row per 100 e-mails, sent by the
worker, which is not measured).

Reported: seconds (and the CPU seconds of this process: the database
server works in its own), e-mails written, notices marked, SQL queries, and the
process's peak resident memory during the run above what it held before
(Linux: the high-water mark is reset first), which stays flat as the
number of people grows: the run is streamed in batches of people.

Run it on PostgreSQL (the target is 100,000 people in under 10 minutes):
  .venv/bin/python tools/services.py --no-search --no-redis -- .venv/bin/python -m bench digests
"""

import contextlib
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from comments.models import Comment, CommentStatus, ConsultationActivity
from core.models import OutgoingEmail
from notifications import digests
from notifications.models import Notice
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

SIZES = (10_000, 100_000)
CONSULTATIONS = 5
WRITERS = 50
COMMENTS = 2_000
HIDDEN_SHARE = 0.1
ENGLISH_SHARE = 1 / 3
BATCH = 5_000
BODIES = (
    "La ciclovía de la avenida necesita sombra, separadores y bancas en cada cruce.",
    "Propongo que el presupuesto participativo dedique una parte a las escuelas del "
    "oriente, donde faltan bebederos y techumbres para el sol de la tarde. " * 2,
    "¿Quién mantendrá los árboles nuevos? El borrador no lo dice.",
)
PRODUCTION_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def log(message):
    print(f"digests: {message}", file=sys.stderr, flush=True)


def build_site(rng):
    """Five open consultations and 2,000 published comments by 50 writers,
    a tenth of them hidden since."""
    home = ensure_site()
    index = ConsultationIndexPageFactory(parent=home, slug="consultas-digest")
    pages = [
        ConsultationPageFactory(
            parent=index,
            slug=f"consulta-digest-{n}",
            title=f"Consulta para el resumen {n}",
            questions=["¿Qué opinas?"],
        )
        for n in range(CONSULTATIONS)
    ]
    writers = User.objects.bulk_create(
        User(
            email=f"escribe{n}@example.com",
            display_name=f"Escritora {n}",
            password=UNUSABLE_PASSWORD_PREFIX,
        )
        for n in range(WRITERS)
    )
    now = timezone.now()
    seq = dict.fromkeys((page.pk for page in pages), 0)
    comments = []
    for n in range(COMMENTS):
        page = pages[n % CONSULTATIONS]
        seq[page.pk] += 1
        comments.append(
            Comment(
                consultation=page,
                question=page.ordered_questions[0],
                author=rng.choice(writers),
                body=rng.choice(BODIES),
                created=now - timedelta(hours=2, minutes=n),
                seq=seq[page.pk],
                status=(
                    CommentStatus.HIDDEN if rng.random() < HIDDEN_SHARE else CommentStatus.PUBLISHED
                ),
            )
        )
    Comment.objects.bulk_create(comments, batch_size=2000)
    for comment in comments:
        comment.root_id = comment.pk
    Comment.objects.bulk_update(comments, ["root"], batch_size=2000)
    for page in pages:
        ConsultationActivity.objects.update_or_create(
            consultation=page, defaults={"last_seq": seq[page.pk]}
        )
    return pages, comments


def add_people(count, label, pages, comments, rng):
    """`count` people, each with three pending daily notices, in batches."""
    now = timezone.now()
    for start in range(0, count, BATCH):
        people = User.objects.bulk_create(
            User(
                email=f"lectora-{label}-{n}@example.com",
                display_name=f"Lectora {n}",
                password=UNUSABLE_PASSWORD_PREFIX,
                language="en" if rng.random() < ENGLISH_SHARE else "es-mx",
            )
            for n in range(start, min(count, start + BATCH))
        )
        notices = []
        for person in people:
            reply, thread = rng.sample(comments, 2)
            notices += [
                Notice(
                    user=person,
                    kind=Notice.Kind.REPLY,
                    comment=reply,
                    thread_id=reply.root_id,
                    consultation_id=reply.consultation_id,
                    created=now - timedelta(hours=1),
                    delivery="daily",
                ),
                Notice(
                    user=person,
                    kind=Notice.Kind.THREAD,
                    comment=thread,
                    thread_id=thread.root_id,
                    consultation_id=thread.consultation_id,
                    count=rng.randint(1, 9),
                    created=now - timedelta(minutes=30),
                    delivery="daily",
                ),
                Notice(
                    user=person,
                    kind=Notice.Kind.CLOSING,
                    consultation=rng.choice(pages),
                    created=now - timedelta(minutes=10),
                    delivery="daily",
                ),
            ]
        Notice.objects.bulk_create(notices, batch_size=2000)


def resident_mb():
    """(current, peak) resident memory of this process in MB (Linux)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def reset_peak():
    """Start the high-water mark of resident memory again from now."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class QueryCounter:
    """Counts the statements sent, keeping none of them (a query log of
    100,000 e-mails' INSERTs would weigh more than the run)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run():
    rng = random.Random(15)
    # Only this benchmark's notices (another may have left some in the database).
    Notice.objects.all().delete()
    log(f"database {connection.vendor}; building the consultations and comments")
    pages, comments = build_site(rng)
    rows = []
    for size in SIZES:
        started = time.perf_counter()
        add_people(size, str(size), pages, comments, rng)
        log(f"{size:,} people with 3 notices each written in {time.perf_counter() - started:.0f} s")
        OutgoingEmail.objects.all().delete()
        before, _peak = resident_mb()
        reset_peak()
        counter = QueryCounter()
        with override_settings(TASKS=PRODUCTION_TASKS), connection.execute_wrapper(counter):
            started, cpu = time.perf_counter(), time.process_time()
            outcome = digests.send("daily", now=timezone.now())
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        _now, peak = resident_mb()
        queued = OutgoingEmail.objects.count()
        second = digests.send("daily", now=timezone.now())
        rows.append(
            {
                "people": f"{outcome.people:,}",
                "notices": f"{outcome.notices:,}",
                "seconds": round(elapsed, 1),
                "CPU s (this process)": round(cpu, 1),
                "e-mails queued": f"{queued:,}",
                "ms/e-mail": round(1000 * elapsed / max(1, queued), 2),
                "not shown (skipped)": f"{outcome.skipped:,}",
                "queries": counter.count,
                "RSS before MB": round(before),
                "peak RSS growth MB": round(max(0.0, peak - before), 1),
                "second run e-mails": second.emails,
            }
        )
        log(f"{size:,} people: {elapsed:.0f} s, {queued:,} e-mails, {counter.count} queries")
        # The next size starts from an empty backlog.
        Notice.objects.filter(delivery="daily").delete()
    return rows
