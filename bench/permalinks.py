"""A comment's permalink, /c/<id>/ (comments/permalinks.py): the redirect to
the consultation page at the page of threads that shows the comment. One
question with 2,000 top-level comments and 3,000 replies (chains up to ten
deep), 20 threads a page: a comment on the first page of threads, one on
the last (deepest) page, and a reply ten deep on a late page, for an
anonymous reader and a signed-in one; SQL queries per redirect and the
median and p95 server time (Django's test client, in process)."""

import math
import random
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.roles import CITIZEN
from bench.measure import measure_get
from comments.models import Comment, CommentStatus, ConsultationActivity
from comments.threads import THREADS_PER_PAGE
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    ensure_site,
)

TOP_LEVEL = 2_000
REPLIES = 3_000
DEEP = 10  # the depth of the deep reply's chain
OTHER_QUESTION = 500  # top-level comments on a second question
AUTHORS = 50
REPEATS = 200


def measure_redirect(client, url, repeats):
    """measure_get of the 302 after a first GET (the per-process caches, such
    as Wagtail's site root paths, warm), and where it leads."""
    target = client.get(url)["Location"]
    timing = measure_get(client, url, repeats, status=302)
    return timing.queries, timing.median_ms, timing.p95_ms, target


def build(rng):
    """The discussion, in bulk: top-level comments a minute apart, replies
    to random earlier comments, and one chain DEEP replies long under a
    thread on the last page but one. Returns (first, last, deep reply)."""
    index = ConsultationIndexPageFactory(parent=ensure_site())
    page = ConsultationPageFactory(
        parent=index, questions=["¿Qué opinas de la ciclovía?", "¿Y del transporte público?"]
    )
    question, other = page.ordered_questions[:2]
    authors = [UserFactory(roles=[CITIZEN]) for _ in range(AUTHORS)]
    start = timezone.now() - timedelta(days=30)
    seq = iter(range(1, 10**7))
    tops = [
        Comment(
            consultation=page,
            question=other if n >= TOP_LEVEL else question,
            author=rng.choice(authors),
            body=f"Comentario {n}: la ciclovía necesita sombra y separadores.",
            status=CommentStatus.PUBLISHED,
            created=start + timedelta(minutes=n),
            seq=next(seq),
        )
        for n in range(TOP_LEVEL + OTHER_QUESTION)
    ]
    Comment.objects.bulk_create(tops, batch_size=2_000)
    for comment in tops:
        comment.root_id = comment.pk
    Comment.objects.bulk_update(tops, ["root"], batch_size=2_000)
    chain_root = tops[TOP_LEVEL - THREADS_PER_PAGE - 1]
    parents = [c for c in tops if c.question_id == question.pk]
    for depth in range(1, DEEP + 1):
        # One level at a time, so that a reply's parent already has its id.
        level = []
        count = REPLIES // DEEP
        for n in range(count):
            parent = chain_root if n == 0 else rng.choice(parents)
            level.append(
                Comment(
                    consultation=page,
                    question=question,
                    author=rng.choice(authors),
                    body=f"Respuesta {depth}.{n}: no estoy de acuerdo con el plazo.",
                    status=CommentStatus.PUBLISHED,
                    created=parent.created + timedelta(minutes=rng.randint(1, 600)),
                    seq=next(seq),
                    parent=parent,
                    root_id=parent.root_id,
                    depth=parent.depth + 1,
                )
            )
        Comment.objects.bulk_create(level, batch_size=2_000)
        chain_root = level[0]
        parents = level
    ConsultationActivity.objects.update_or_create(
        consultation_id=page.pk, defaults={"last_seq": next(seq) - 1}
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    deep = Comment.objects.get(pk=chain_root.pk)
    assert deep.depth == DEEP
    first = tops[0]
    last = tops[TOP_LEVEL - 1]
    return first, last, deep


def run():
    rng = random.Random(7)
    first, last, deep = build(rng)
    reader = UserFactory(roles=[CITIZEN])
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(reader)
    last_page = math.ceil(TOP_LEVEL / THREADS_PER_PAGE)
    cases = (
        ("first thread page", first, 1),
        (f"last thread page ({last_page})", last, last_page),
        (f"reply {DEEP} deep, page {last_page - 1}", deep, last_page - 1),
    )
    rows = []
    for label, comment, expected_page in cases:
        for who, client in (("anonymous", anonymous), ("signed in", signed_in)):
            queries, median, p95, target = measure_redirect(client, f"/c/{comment.pk}/", REPEATS)
            if expected_page > 1:
                assert f"page={expected_page}#comment-{comment.pk}" in target, target
            else:
                assert "page=" not in target and target.endswith(f"#comment-{comment.pk}")
            rows.append(
                {
                    "comment": label,
                    "reader": who,
                    "queries": queries,
                    "median ms": round(median, 2),
                    "p95 ms": round(p95, 2),
                }
            )
    return rows
