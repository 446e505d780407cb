"""A consultation's discussion as it grows to 10, 1,000 and 10,000 comments:
the comments API's first page and the consultation page (HTML), SQL queries
and server time (Django's test client, in process)."""

import random
from datetime import timedelta

from django.db import connection
from django.db.models import F
from django.test import Client, override_settings
from django.utils import timezone

from bench.measure import measure_get
from comments.models import Comment, CommentStatus, ConsultationActivity
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    ensure_site,
)

SIZES = (10, 1_000, 10_000)
REPEATS = 15  # the biggest page takes a few hundred ms
AUTHORS = 25
# Share of the comments at each depth: top level, replies, replies to replies, deeper.
DEPTH_SHARES = (0.6, 0.25, 0.1, 0.05)
DELETED_SHARE = 0.02
BODIES = (
    "Estoy de acuerdo con el objetivo, pero el plazo me parece corto.",
    "¿Cómo se va a medir el avance?\nNo queda claro en el texto.",
    "Propongo añadir una mesa de seguimiento con las colonias.\n\n"
    "Hay un ejemplo en https://example.org/mesas/seguimiento que funcionó bien.",
    "El párrafo sobre presupuesto debería decir de dónde sale el dinero. " * 4,
)


def build_comments(page, size, rng):
    """Plain records for `size` comments: a forest whose parents always come
    earlier, anchored over the page's questions and sections."""
    anchors = [{"question_id": q.pk} for q in page.questions.all()]
    anchors += [{"section_id": s.pk} for s in page.sections.all()]
    start = timezone.now() - timedelta(days=20)
    counts = [max(1, round(size * share)) for share in DEPTH_SHARES[:-1]]
    counts.append(size - sum(counts))
    levels, records = [], []
    for depth, count in enumerate(counts):
        if depth and not levels[-1]:
            break
        level = []
        for _ in range(max(0, count)):
            if depth == 0:
                parent = None
                anchor = rng.choice(anchors)
                created = start + timedelta(seconds=rng.uniform(0, 15 * 86400))
            else:
                parent = rng.choice(levels[-1])
                anchor = parent["anchor"]
                created = parent["created"] + timedelta(seconds=rng.uniform(60, 86400))
            record = {
                "parent": parent,
                "anchor": anchor,
                "created": created,
                "depth": depth,
                "replies": 0,
            }
            if parent is not None:
                parent["replies"] += 1
            level.append(record)
        levels.append(level)
        records += level
    # Change numbers in the order the comments were written, as the actions take them.
    for seq, record in enumerate(sorted(records, key=lambda r: r["created"]), start=1):
        record["seq"] = seq
    return levels


def create_discussion(page, authors, size, rng):
    levels = build_comments(page, size, rng)
    for depth, level in enumerate(levels):
        objects = []
        for n, record in enumerate(level):
            deleted = rng.random() < DELETED_SHARE
            parent = record["parent"]
            objects.append(
                Comment(
                    consultation=page,
                    author=rng.choice(authors),
                    body="" if deleted else f"{BODIES[n % len(BODIES)]} ({depth}.{n})",
                    status=CommentStatus.DELETED if deleted else CommentStatus.PUBLISHED,
                    created=record["created"],
                    seq=record["seq"],
                    depth=depth,
                    parent_id=parent["pk"] if parent else None,
                    root_id=parent["root"] if parent else None,
                    reply_count=record["replies"],
                    agree_count=rng.randint(0, 30),
                    disagree_count=rng.randint(0, 10),
                    pass_count=rng.randint(0, 5),
                    **record["anchor"],
                )
            )
        created = Comment.objects.bulk_create(objects, batch_size=2_000)
        for record, comment in zip(level, created, strict=True):
            record["pk"] = comment.pk
            record["root"] = record["parent"]["root"] if record["parent"] else comment.pk
        if depth == 0:
            Comment.objects.filter(pk__in=[c.pk for c in created]).update(root_id=F("pk"))
    ConsultationActivity.objects.update_or_create(
        consultation_id=page.pk, defaults={"last_seq": size}
    )
    # Planner statistics, as autovacuum would gather after a bulk load.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Comment._meta.db_table}")


def caches_setting(cached):
    backend = "locmem.LocMemCache" if cached else "dummy.DummyCache"
    return {"default": {"BACKEND": f"django.core.cache.backends.{backend}"}}


def run():
    rng = random.Random(3)
    index = ConsultationIndexPageFactory(parent=ensure_site())
    authors = [UserFactory() for _ in range(AUTHORS)]
    reader = UserFactory()
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(reader)
    rows = []
    for size in SIZES:
        page = ConsultationPageFactory(
            parent=index,
            sections=[(f"Sección {n}", "Texto del borrador. " * 20) for n in range(5)],
            questions=[f"¿Pregunta {n}?" for n in range(3)],
        )
        create_discussion(page, authors, size, rng)
        assert Comment.objects.filter(consultation=page).count() == size
        for label, client, url, cached in (
            (
                "API comments, first page",
                anonymous,
                f"/api/v1/consultations/{page.pk}/comments/",
                True,
            ),
            ("page HTML, anonymous, threads rendered", anonymous, page.url, False),
            ("page HTML, anonymous, threads kept", anonymous, page.url, True),
            ("page HTML, signed in", signed_in, page.url, True),
        ):
            # comments/thread_cache.py: without a cache every view renders.
            with override_settings(CACHES=caches_setting(cached)):
                client.get(url)  # the kept row's queries are those of a repeat view
                timing = measure_get(client, url, REPEATS)
            rows.append(
                {
                    "comments": size,
                    "request": label,
                    "queries": timing.queries,
                    "median ms": round(timing.median_ms, 2),
                    "p95 ms": round(timing.p95_ms, 2),
                    "KB": round(timing.size_bytes / 1024, 1),
                }
            )
    return rows
