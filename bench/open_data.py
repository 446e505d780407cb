"""The open-data files of one closed consultation with 100,000 published
comments (and 8,000 more that moderation or their authors took out): the
time to stream the CSV and the JSON file through the view (Django's test
client, in process, reading the response piece by piece as a server would),
their size, the SQL queries, and the peak memory the export allocated
(tracemalloc, in a second run, since tracing slows Python down); then the
CSV file's time for other chunk sizes (summaries.opendata.CHUNK_SIZE).

Everything is written in bulk, not through comments/actions.py."""

import random
import time
import tracemalloc
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from comments.models import Comment, CommentStatus, TaggedComment, Theme
from summaries import opendata
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

PUBLISHED = 100_000
# Comments the files leave out, mixed in among the published ones.
UNPUBLISHED = {
    CommentStatus.HIDDEN: 3_000,
    CommentStatus.REMOVED: 1_500,
    CommentStatus.HELD: 2_000,
    CommentStatus.DELETED: 1_500,
}
AUTHORS = 3_000
REPLY_SHARE = 0.3
TAGGED_SHARE = 0.15
THEMES = ("Movilidad", "Agua", "Seguridad", "Parques", "Vivienda", "Presupuesto", "Basura")
DAYS = 60
BATCH = 2_000
# Other chunk sizes, timed on the CSV file only.
SWEEP_CHUNKS = (250, 500, 2_000, 5_000)
SENTENCES = (
    "La ciclovía de la avenida Juárez necesita separadores físicos.",
    "En la colonia Centro el agua llega sólo dos días por semana.",
    "Propongo que el plazo del artículo 4 sea de un año, no de seis meses.",
    "=SUMA(A1:A9) no debería ejecutarse en una hoja de cálculo.",
    'Hace falta alumbrado en el parque "Las Águilas", sobre todo de noche.',
    "Los camiones pasan cada cuarenta minutos; así nadie deja el coche.",
    "- Más banquetas\n- Menos baches\n- Rampas en cada esquina",
    "I support the proposal, but the budget should be published monthly.",
)


def body(rng):
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.choice((1, 1, 2, 3, 5))))


def fill(page, rng):
    question_ids = [q.pk for q in page.ordered_questions]
    section_ids = [s.pk for s in page.ordered_sections]
    password = make_password(None)
    authors = User.objects.bulk_create(
        User(email=f"autor{i}@example.org", display_name=f"Autor {i}", password=password)
        for i in range(AUTHORS)
    )
    total = PUBLISHED + sum(UNPUBLISHED.values())
    statuses = [CommentStatus.PUBLISHED] * PUBLISHED
    for status, n in UNPUBLISHED.items():
        statuses += [status] * n
    rng.shuffle(statuses)
    start = timezone.now() - timedelta(days=DAYS + 1)
    step = timedelta(days=DAYS) / total
    tops = int(total * (1 - REPLY_SHARE))

    def anchor():
        if rng.random() < 0.7:
            return {"question_id": rng.choice(question_ids)}
        return {"section_id": rng.choice(section_ids)}

    comments = [
        Comment(
            consultation=page,
            author=rng.choice(authors),
            body="" if statuses[i] == CommentStatus.DELETED else body(rng),
            status=statuses[i],
            created=start + step * i,
            edited=start + step * i + timedelta(hours=1) if rng.random() < 0.05 else None,
            seq=i + 1,
            agree_count=rng.randint(0, 40),
            disagree_count=rng.randint(0, 15),
            pass_count=rng.randint(0, 5),
            **anchor(),
        )
        for i in range(tops)
    ]
    Comment.objects.bulk_create(comments, batch_size=BATCH)
    for comment in comments:
        comment.root_id = comment.pk
    replies = []
    for i in range(tops, total):
        parent = rng.choice(comments)
        replies.append(
            Comment(
                consultation=page,
                author=rng.choice(authors),
                body="" if statuses[i] == CommentStatus.DELETED else body(rng),
                status=statuses[i],
                parent=parent,
                root_id=parent.root_id,
                depth=1,
                created=start + step * i,
                seq=i + 1,
                question_id=parent.question_id,
                section_id=parent.section_id,
            )
        )
        if statuses[i] == CommentStatus.PUBLISHED:
            parent.reply_count += 1
    Comment.objects.bulk_update(comments, ["root", "reply_count"], batch_size=BATCH)
    Comment.objects.bulk_create(replies, batch_size=BATCH)
    themes = [Theme.objects.create(name=name, slug=name.lower()) for name in THEMES]
    tagged = []
    for comment in comments + replies:
        if rng.random() < TAGGED_SHARE:
            for theme in rng.sample(themes, rng.choice((1, 1, 2))):
                tagged.append(TaggedComment(content_object=comment, tag=theme))
    TaggedComment.objects.bulk_create(tagged, batch_size=BATCH)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Comment.objects.filter(consultation=page, status=CommentStatus.PUBLISHED).count()


def download(client, url):
    """Read the response as a server would, piece by piece, keeping none."""
    size = pieces = 0
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    for piece in response.streaming_content:
        size += len(piece)
        pieces += 1
    return size, pieces


def run():
    rng = random.Random(6)
    index = ConsultationIndexPageFactory(parent=ensure_site())
    now = timezone.now()
    page = ConsultationPageFactory(
        parent=index,
        opens_at=now - timedelta(days=DAYS + 2),
        closes_at=now - timedelta(hours=1),
        questions=["¿Qué cambiarías del transporte?", "¿Dónde falta agua?", "¿Algo más?"],
        sections=[("Objeto", "Qué regula."), ("Plazos", "Seis meses."), ("Presupuesto", "...")],
    )
    started = time.perf_counter()
    published = fill(page, rng)
    print(f"generated {published:,} published comments in {time.perf_counter() - started:.0f} s")
    client = Client()
    rows = []
    for kind in ("csv", "json"):
        url = f"/consultations/{page.pk}/export.{kind}"
        download(client, url)  # warm: the site's root paths, imports
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            size, pieces = download(client, url)
            seconds = time.perf_counter() - started
        query_count = len(queries)
        tracemalloc.start()
        download(client, url)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            {
                "file": kind.upper(),
                "comments": f"{published:,}",
                "chunk": f"{opendata.CHUNK_SIZE:,}",
                "seconds": f"{seconds:.2f}",
                "rows/s": f"{published / seconds:,.0f}",
                "MB out": f"{size / 1e6:.1f}",
                "pieces": pieces,
                "queries": query_count,
                "peak MB (tracemalloc)": f"{peak / 1e6:.1f}",
            }
        )
    default = opendata.CHUNK_SIZE
    try:
        for chunk in SWEEP_CHUNKS:
            opendata.CHUNK_SIZE = chunk
            url = f"/consultations/{page.pk}/export.csv"
            started = time.perf_counter()
            size, pieces = download(client, url)
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "file": "CSV (chunk sweep)",
                    "comments": f"{published:,}",
                    "chunk": f"{chunk:,}",
                    "seconds": f"{seconds:.2f}",
                    "rows/s": f"{published / seconds:,.0f}",
                    "MB out": f"{size / 1e6:.1f}",
                    "pieces": pieces,
                    "queries": "",
                    "peak MB (tracemalloc)": "",
                }
            )
    finally:
        opendata.CHUNK_SIZE = default
    return rows
