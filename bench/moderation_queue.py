"""The moderators' review queue as it fills up to 100, 1,000 and 10,000
pending items (flagged, held and appealed comments across two
consultations): the admin queue page and the queue API, first page, a
filtered page and a deep page; SQL queries and server time (Django's test
client, in process)."""

import random
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.roles import CITIZEN, MODERATOR
from bench.measure import measure_get
from comments.models import Comment, CommentStatus, ConsultationActivity
from moderation.models import Appeal, Flag, FlagReason, HoldReason, Review, ReviewKind
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    ensure_site,
)

SIZES = (100, 1_000, 10_000)
REPEATS = 15
AUTHORS = 200
FLAGGERS = 8
# Share of the queue by kind.
KIND_SHARES = ((ReviewKind.FLAGGED, 0.7), (ReviewKind.HELD, 0.2), (ReviewKind.APPEALED, 0.1))
BODIES = (
    "Esto es publicidad: compra ya en https://example.com/oferta y gana.",
    "Qué propuesta tan absurda, quien la escribió no sabe nada del tema.",
    "Mi vecino Juan Pérez vive en la calle 5 número 12 y no paga el agua.",
    "Este párrafo no tiene nada que ver con la consulta, hablemos de fútbol. " * 3,
)


def fill(pages, authors, flaggers, size, rng):
    """`size` pending queue items with their comments and flags, in bulk."""
    now = timezone.now()
    seq = {page.pk: 0 for page in pages}
    comments = []
    for i in range(size):
        page = pages[i % len(pages)]
        seq[page.pk] += 1
        comments.append(
            Comment(
                consultation=page,
                question=page.questions.first(),
                author=rng.choice(authors),
                body=rng.choice(BODIES),
                created=now - timedelta(minutes=size - i),
                seq=seq[page.pk],
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
    reviews, flags, appeals, statuses = [], [], [], []
    kinds = [k for k, _ in KIND_SHARES]
    weights = [w for _, w in KIND_SHARES]
    for comment in comments:
        kind = rng.choices(kinds, weights)[0]
        review = Review(
            comment=comment,
            consultation_id=comment.consultation_id,
            kind=kind,
            opened=comment.created,
        )
        if kind == ReviewKind.HELD:
            review.hold_reason = rng.choice(HoldReason.values)
            comment.status = CommentStatus.HELD
        else:
            who = rng.sample(flaggers, rng.randint(1, 4))
            for person in who:
                flags.append(
                    Flag(comment=comment, user=person, reason=rng.choice(FlagReason.values))
                )
            review.flag_count = len(who)
            if len(who) >= 3 or kind == ReviewKind.APPEALED:
                comment.status = CommentStatus.HIDDEN
            if kind == ReviewKind.APPEALED:
                appeals.append(Appeal(comment=comment, note="No era spam.", created=now))
        statuses.append(comment)
        reviews.append(review)
    Comment.objects.bulk_update(statuses, ["status"], batch_size=2000)
    Review.objects.bulk_create(reviews, batch_size=2000)
    Flag.objects.bulk_create(flags, batch_size=2000)
    Appeal.objects.bulk_create(appeals, batch_size=2000)
    if connection.vendor == "postgresql":
        # As autovacuum would after a bulk load: plans follow the new sizes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def run():
    rng = random.Random(4)
    index = ConsultationIndexPageFactory(parent=ensure_site())
    pages = [ConsultationPageFactory(parent=index) for _ in range(2)]
    authors = [UserFactory(roles=[CITIZEN]) for _ in range(AUTHORS)]
    flaggers = [UserFactory(roles=[CITIZEN]) for _ in range(FLAGGERS)]
    moderator = UserFactory(roles=[MODERATOR])
    client = Client()
    client.force_login(moderator)
    rows, filled = [], 0
    for size in SIZES:
        fill(pages, authors, flaggers, size - filled, rng)
        filled = size
        deep = max(1, size // 50 // 2)
        urls = {
            "admin page": "/admin/moderation/queue/",
            f"admin, oldest, page {deep}": f"/admin/moderation/queue/?sort=oldest&p={deep}",
            "API": "/api/v1/moderation/queue/",
            "API, spam in one consultation": (
                f"/api/v1/moderation/queue/?reason=spam&consultation={pages[0].pk}"
            ),
            f"API, page {deep}": f"/api/v1/moderation/queue/?page={deep}",
        }
        for label, url in urls.items():
            timing = measure_get(client, url, REPEATS)
            rows.append(
                {
                    "pending items": f"{size:,}",
                    "request": label,
                    "queries": timing.queries,
                    "median ms": f"{timing.median_ms:.1f}",
                    "p95 ms": f"{timing.p95_ms:.1f}",
                    "KB": f"{timing.size_bytes / 1024:.0f}",
                }
            )
    return rows
