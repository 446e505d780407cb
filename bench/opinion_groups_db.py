"""Opinion groups on the database side (issue 19): one consultation with
10,000 people, 2,000 comments and 500,000 reactions, beside a smaller one
whose rows the reads must skip. Times summaries.opinions.reaction_arrays
(the whole consultation and one question), refresh (the whole consultation
and each of its 8 questions; then again with nothing changed) and stored(),
and prints the reactions query's plan on PostgreSQL.

People belong to three hidden camps that agree with different comments, so
the analysis has groups to find. Everything is written in bulk."""

import os
import random
import statistics
import time
import tracemalloc
from datetime import timedelta

import numpy as np
from django.db import connection
from django.utils import timezone

from bench.procfs import rss_mb
from bench.search import make_users
from comments.models import Comment, CommentStatus, ConsultationActivity, Reaction, Stance
from summaries import opinions
from summaries.models import WHOLE_CONSULTATION, OpinionGroups
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

PEOPLE = 10_000
COMMENTS = 2_000
REACTIONS = 500_000
QUESTIONS = 8
REPLY_SHARE = 0.25
HIDDEN_SHARE = 0.03
CAMPS = 3
# The consultation beside it: its rows are in the same tables.
OTHER_COMMENTS, OTHER_REACTIONS = 400, 100_000
POPULARITY_EXPONENT = 0.8
REPEATS = 3
SEED = 19
HIDDEN, PUBLISHED = CommentStatus.HIDDEN, CommentStatus.PUBLISHED
# Targets: the read about a second on PostgreSQL (issue 19, part C); the
# analysis at most 5 s.
READ_TARGET_S = 1.0


def progress(what, started):
    print(f"[{time.perf_counter() - started:4.0f} s] {what}", flush=True)


def consultation(index, title, opens):
    return ConsultationPageFactory(
        parent=index,
        title=title,
        opens_at=opens,
        closes_at=opens + timedelta(days=60),
        questions=[f"¿Pregunta {n}?" for n in range(QUESTIONS)],
    )


def fill_comments(page, count, authors, rng, opens):
    questions = list(page.questions.values_list("pk", flat=True))
    replies = int(count * REPLY_SHARE)
    top = [
        Comment(
            consultation=page,
            question_id=rng.choice(questions),
            author_id=rng.choice(authors),
            body=f"Comentario {n}.",
            status=HIDDEN if rng.random() < HIDDEN_SHARE else PUBLISHED,
            created=opens + timedelta(minutes=n),
            seq=n + 1,
        )
        for n in range(count - replies)
    ]
    Comment.objects.bulk_create(top, batch_size=2_000)
    for comment in top:
        comment.root_id = comment.pk
    Comment.objects.bulk_update(top, ["root"], batch_size=2_000)
    children = []
    for n in range(replies):
        parent = rng.choice(top)
        children.append(
            Comment(
                consultation=page,
                question_id=parent.question_id,
                parent=parent,
                root_id=parent.pk,
                depth=1,
                author_id=rng.choice(authors),
                body=f"Respuesta {n}.",
                status=CommentStatus.PUBLISHED,
                created=parent.created + timedelta(minutes=1),
                seq=len(top) + n + 1,
            )
        )
    Comment.objects.bulk_create(children, batch_size=2_000)
    ConsultationActivity.objects.update_or_create(consultation=page, defaults={"last_seq": count})
    return [c.pk for c in top + children]


def fill_reactions(comment_ids, people, total, generator):
    """`total` distinct (person, comment) reactions: each person about the
    same number, popular comments more often; each camp agrees with its own
    share of the comments and mostly disagrees with the rest."""
    comment_ids = np.asarray(comment_ids)
    weights = 1 / (np.arange(len(comment_ids)) + 1) ** POPULARITY_EXPONENT
    weights = generator.permutation(weights / weights.sum())
    camp_of_person = generator.integers(0, CAMPS, len(people))
    agree_rate = generator.choice([0.15, 0.5, 0.85], size=(CAMPS, len(comment_ids)))
    each = total // len(people)
    stances = (Stance.AGREE, Stance.DISAGREE, Stance.PASS)
    batch, written = [], 0
    for person, camp in zip(people, camp_of_person, strict=True):
        chosen = generator.choice(len(comment_ids), size=each, replace=False, p=weights)
        draws = generator.random(each)
        rates = agree_rate[camp, chosen]
        kinds = np.where(draws < rates, 0, np.where(draws < rates + (1 - rates) * 0.8, 1, 2))
        batch.extend(
            Reaction(comment_id=int(comment_ids[c]), user_id=person, stance=stances[k])
            for c, k in zip(chosen.tolist(), kinds.tolist(), strict=True)
        )
        if len(batch) >= 50_000:
            Reaction.objects.bulk_create(batch, batch_size=10_000)
            written += len(batch)
            batch = []
    Reaction.objects.bulk_create(batch, batch_size=10_000)
    return written + len(batch)


def fill(rng, generator, started):
    index = ConsultationIndexPageFactory(parent=ensure_site())
    opens = timezone.now() - timedelta(days=90)
    page = consultation(index, "Plan de movilidad 2027", opens)
    other = consultation(index, "Otra consulta", opens)
    people = make_users(PEOPLE, "persona")
    comments = fill_comments(page, COMMENTS, people[:1_500], rng, opens)
    other_comments = fill_comments(other, OTHER_COMMENTS, people[:300], rng, opens)
    progress("comments written", started)
    reactions = fill_reactions(comments, people, REACTIONS, generator)
    fill_reactions(other_comments, people, OTHER_REACTIONS, generator)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return page, reactions


def timed(function, repeats=REPEATS):
    timings, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), max(timings), result


def plan(page_id):
    """The reactions query's plan, with what it really did (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return []
    reactions = Reaction.objects.filter(
        comment__consultation_id=page_id, comment__status=CommentStatus.PUBLISHED
    ).values_list("user_id", "comment_id", "stance")
    sql, params = reactions.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def row(what, measure, value, note=""):
    return {"what": what, "measure": measure, "value": value, "note": note}


def run():
    rng, generator = random.Random(SEED), np.random.default_rng(SEED)
    started = time.perf_counter()
    page, reaction_count = fill(rng, generator, started)
    progress(f"filled {COMMENTS:,} comments, {reaction_count:,} reactions", started)
    question = page.ordered_questions[0].pk
    rows = []

    median, worst, arrays = timed(lambda: opinions.reaction_arrays(page.pk))
    mark = " MISS" if connection.vendor == "postgresql" and median > READ_TARGET_S else ""
    rows.append(
        row(
            "reaction_arrays, whole consultation",
            "median / worst s",
            f"{median:.2f} / {worst:.2f}{mark}",
            f"{len(arrays[0]):,} reactions on published comments",
        )
    )
    median, worst, arrays = timed(lambda: opinions.reaction_arrays(page.pk, question))
    rows.append(
        row(
            "reaction_arrays, one question",
            "median / worst s",
            f"{median:.2f} / {worst:.2f}",
            f"{len(arrays[0]):,} reactions",
        )
    )
    progress("reaction_arrays", started)

    rss_before = rss_mb(os.getpid())
    first = time.perf_counter()
    stored_rows = opinions.refresh(page.pk)
    elapsed = time.perf_counter() - first
    rss_after = rss_mb(os.getpid())
    whole = next(r for r in stored_rows if r.question == WHOLE_CONSULTATION)
    analysis = whole.analysis
    rows.append(
        row(
            f"refresh: whole + {QUESTIONS} questions",
            "s",
            f"{elapsed:.2f}",
            f"whole {whole.seconds:.2f} s (read included); status {analysis['status']}, "
            f"{len(analysis.get('groups', []))} groups, {analysis.get('grouped')} of "
            f"{analysis.get('participants')} people grouped",
        )
    )
    per_question = [r.seconds for r in stored_rows if r.question != WHOLE_CONSULTATION]
    rows.append(
        row(
            "refresh: one question (of the above)",
            "median / worst s",
            f"{statistics.median(per_question):.2f} / {max(per_question):.2f}",
        )
    )
    rows.append(row("refresh: RSS", "MB before / after", f"{rss_before:,.0f} / {rss_after:,.0f}"))
    progress("refresh", started)

    median, worst, _ = timed(lambda: opinions.refresh(page.pk))
    rows.append(row("refresh, nothing changed", "median / worst s", f"{median:.3f} / {worst:.3f}"))
    median, worst, _ = timed(lambda: opinions.stored(page))
    rows.append(row("stored(), whole", "median / worst s", f"{median:.4f} / {worst:.4f}"))

    # Peak memory of a full recompute, as Python and numpy allocate it.
    OpinionGroups.objects.filter(consultation=page).update(cursor=-1)
    tracemalloc.start()
    opinions.refresh(page.pk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(row("refresh: peak allocated", "MB", f"{peak / 2**20:,.0f}", "tracemalloc"))
    progress("refresh again", started)

    for line in plan(page.pk):
        print(f"    {line}")
    return rows
