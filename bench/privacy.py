"""The ARCO paths of one person with 1,000 comments (300 of them edited
once), 2,000 reactions and 50 reports, among 20 other people's 5,000
comments: the time, size and SQL queries of building their data file, and
the time and queries of deleting their account, for each choice (withdraw
the comments, or keep them anonymised). The deletion goes through
privacy/actions.py as a person's would; the data is written in bulk."""

import io
import random
import time
import zipfile
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from comments.models import Comment, CommentRevision, Reaction, Stance
from moderation.models import Flag, FlagReason
from privacy import actions
from privacy.export import build_zip
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

MINE = 1_000
EDITED = 300
OTHERS = 20
OTHERS_COMMENTS = 5_000
MY_REACTIONS = 2_000
MY_FLAGS = 50
PASSWORD = "una-contraseña-de-banco-1"  # noqa: S105 - a throwaway account


def person(n, password=None):
    return User.objects.create(
        email=f"banco{n}@example.com",
        display_name=f"Persona de banco {n}",
        password=make_password(password) if password else "!",
    )


def build(rng, label):
    ensure_site()
    from consultations.models import HomePage

    index = ConsultationIndexPageFactory(parent=HomePage.objects.get(), slug=f"consultas-{label}")
    page = ConsultationPageFactory(
        parent=index, slug=f"consulta-{label}", questions=["¿Qué opinas?"]
    )
    question = page.ordered_questions[0]
    me = person(f"{label}-yo", PASSWORD)
    others = [person(f"{label}-{n}") for n in range(OTHERS)]
    now = timezone.now()
    seq = iter(range(1, 10**7))
    comments = Comment.objects.bulk_create(
        Comment(
            consultation=page,
            question=question,
            author=me if n < MINE else rng.choice(others),
            body=f"Comentario {n}: la ciclovía de la avenida necesita sombra y separadores.",
            created=now - timedelta(minutes=n),
            seq=next(seq),
        )
        for n in range(MINE + OTHERS_COMMENTS)
    )
    Comment.objects.filter(consultation=page).update(root_id=models_f("pk"))
    mine = [c for c in comments if c.author_id == me.pk]
    theirs = [c for c in comments if c.author_id != me.pk]
    CommentRevision.objects.bulk_create(
        CommentRevision(comment=c, body=f"Versión anterior de {c.pk}.", created=now)
        for c in mine[:EDITED]
    )
    Reaction.objects.bulk_create(
        Reaction(comment=c, user=me, stance=rng.choice(Stance.values))
        for c in rng.sample(theirs, MY_REACTIONS)
    )
    Flag.objects.bulk_create(
        Flag(comment=c, user=me, reason=FlagReason.SPAM, note="Nota de banco")
        for c in rng.sample(theirs, MY_FLAGS)
    )
    return me


def models_f(name):
    from django.db.models import F

    return F(name)


def timed(function):
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
    return result, elapsed, len(queries)


def run():
    rng = random.Random(13)
    rows = []
    me = build(rng, "export")
    content, elapsed, queries = timed(lambda: build_zip(me))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    rows.append(
        {
            "path": "access: build the data file (1,000 comments)",
            "seconds": round(elapsed, 3),
            "queries": queries,
            "zip_kb": round(len(content) / 1024, 1),
            "unzipped_kb": round(unpacked / 1024, 1),
        }
    )
    for choice in (actions.WITHDRAW, actions.ANONYMISE):
        me = build(rng, choice)
        with transaction.atomic():
            outcome, elapsed, queries = timed(
                lambda me=me, choice=choice: actions.do_delete_account(
                    me, password=PASSWORD, comments=choice
                )
            )
        rows.append(
            {
                "path": f"cancellation: delete the account ({choice})",
                "seconds": round(elapsed, 3),
                "queries": queries,
                "zip_kb": "",
                "unzipped_kb": (
                    f"{outcome['withdrawn']} withdrawn, {outcome['reactions']} reactions"
                ),
            }
        )
    return rows
