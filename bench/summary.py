"""A consultation's summary (issue 6) for one consultation with 100,000
comments and 500,000 reactions: the time of summaries.summary.summarise on
each search backend side by side (the backend answers the significant
terms; every other figure comes from the database), unfiltered and with
each kind of filter, then the admin page and the CSV and XLSX files as a
planner gets them. Target: 2 s for a summary. Then the same scopes through
the summary cache (summaries/summary_cache.py): the first view computes and
keeps it, a repeat view reads the consultation's state and the cache.

Comments use bench/search.py's text generator; everything is written in
bulk, and both indexes are built once before timing."""

import random
import statistics
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.roles import PLANNER
from bench.search import REASON_WEIGHTS, STATUS_WEIGHTS, THEMES, body, make_users
from comments.models import (
    Comment,
    CommentStatus,
    ConsultationActivity,
    Reaction,
    Stance,
    TaggedComment,
    Theme,
)
from moderation.models import Flag
from search import indexing
from search.backends import get_backend
from summaries.summary import Scope, day_bounds, summarise
from summaries.summary_cache import cached_summary
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    ensure_site,
)

COMMENTS = 100_000
REACTIONS = 500_000
REPLY_SHARE = 0.25
QUESTIONS = 8
SECTIONS = 4
AUTHORS = 8_000
REACTORS = 20_000
DAYS = 60
FLAGGED_SHARE = 0.03
TAGGED_SHARE = 0.05
# Reactions go mostly to a few comments, as in any discussion.
POPULARITY_EXPONENT = 0.8
STANCE_WEIGHTS = {Stance.AGREE: 0.55, Stance.DISAGREE: 0.3, Stance.PASS: 0.15}
REPEATS = 5
TARGET_S = 2.0


def progress(what, started):
    print(f"[{time.perf_counter() - started:4.0f} s] {what}", flush=True)


def fill(rng):
    index = ConsultationIndexPageFactory(parent=ensure_site())
    opens = timezone.now() - timedelta(days=DAYS + 1)
    page = ConsultationPageFactory(
        parent=index,
        title="Plan de movilidad 2027",
        opens_at=opens,
        closes_at=opens + timedelta(days=DAYS),
        questions=[f"¿Pregunta {n}?" for n in range(QUESTIONS)],
        sections=[(f"Sección {n}", "Texto del borrador.") for n in range(SECTIONS)],
    )
    questions = list(page.questions.values_list("pk", flat=True))
    sections = list(page.sections.values_list("pk", flat=True))
    authors = make_users(AUTHORS, "autora")
    reactors = make_users(REACTORS, "lectora")
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    replies = int(COMMENTS * REPLY_SHARE)
    top = []
    for seq in range(1, COMMENTS - replies + 1):
        anchor = rng.random() < 0.7
        top.append(
            Comment(
                consultation=page,
                question_id=rng.choice(questions) if anchor else None,
                section_id=None if anchor else rng.choice(sections),
                author_id=rng.choice(authors),
                body=body(rng),
                status=rng.choices(statuses, status_weights)[0],
                created=opens + timedelta(seconds=rng.uniform(0, DAYS * 86400)),
                seq=seq,
            )
        )
    Comment.objects.bulk_create(top, batch_size=2_000)
    for comment in top:
        comment.root_id = comment.pk
    Comment.objects.bulk_update(top, ["root"], batch_size=2_000)
    children = []
    for seq in range(COMMENTS - replies + 1, COMMENTS + 1):
        parent = rng.choice(top)
        parent.reply_count += 1
        children.append(
            Comment(
                consultation=page,
                question_id=parent.question_id,
                section_id=parent.section_id,
                parent=parent,
                root_id=parent.pk,
                depth=1,
                author_id=rng.choice(authors),
                body=body(rng),
                status=rng.choices(statuses, status_weights)[0],
                created=parent.created + timedelta(seconds=rng.uniform(60, 3 * 86400)),
                seq=seq,
            )
        )
    Comment.objects.bulk_create(children, batch_size=2_000)
    everyone = top + children
    ConsultationActivity.objects.update_or_create(
        consultation=page, defaults={"last_seq": COMMENTS}
    )

    # Reactions: distinct (comment, person) pairs, popular comments first.
    weights = [1 / (rank + 1) ** POPULARITY_EXPONENT for rank in range(len(everyone))]
    order = everyone[:]
    rng.shuffle(order)
    stances, stance_weights = list(STANCE_WEIGHTS), list(STANCE_WEIGHTS.values())
    counter = {Stance.AGREE: "agree_count", Stance.DISAGREE: "disagree_count"}
    counter[Stance.PASS] = "pass_count"
    pairs, reactions = set(), []
    while len(reactions) < REACTIONS:
        for position in rng.choices(range(len(order)), weights, k=REACTIONS):
            comment, person = order[position], rng.choice(reactors)
            if len(reactions) == REACTIONS or (comment.pk, person) in pairs:
                continue
            pairs.add((comment.pk, person))
            stance = rng.choices(stances, stance_weights)[0]
            reactions.append(Reaction(comment_id=comment.pk, user_id=person, stance=stance))
            setattr(comment, counter[stance], getattr(comment, counter[stance]) + 1)
    Reaction.objects.bulk_create(reactions, batch_size=10_000)
    for comment in everyone:
        if comment.status == CommentStatus.DELETED:
            comment.body = ""
    Comment.objects.bulk_update(
        everyone,
        ["reply_count", "agree_count", "disagree_count", "pass_count", "body"],
        batch_size=2_000,
    )

    reasons, reason_weights = list(REASON_WEIGHTS), list(REASON_WEIGHTS.values())
    flaggers = reactors[:60]
    Flag.objects.bulk_create(
        [
            Flag(
                comment_id=comment.pk,
                user_id=person,
                reason=rng.choices(reasons, reason_weights)[0],
            )
            for comment in everyone
            if rng.random() < FLAGGED_SHARE
            for person in rng.sample(flaggers, rng.randint(1, 3))
        ],
        batch_size=5_000,
    )
    Theme.objects.bulk_create(
        [Theme(name=name, slug=slugify(name)) for name in THEMES], ignore_conflicts=True
    )
    themes = list(Theme.objects.filter(name__in=THEMES).values_list("pk", flat=True))
    TaggedComment.objects.bulk_create(
        [
            TaggedComment(content_object_id=comment.pk, tag_id=theme)
            for comment in everyone
            if rng.random() < TAGGED_SHARE
            for theme in rng.sample(themes, rng.choice((1, 1, 2)))
        ],
        batch_size=5_000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return page, questions, sections, len(reactions)


def time_summary(scope, backend):
    """(first call s, median of REPEATS s, the summary)."""
    started = time.perf_counter()
    summary = summarise(scope, terms_backend=backend)
    first = time.perf_counter() - started
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        summary = summarise(scope, terms_backend=backend)
        timings.append(time.perf_counter() - started)
    return first, statistics.median(timings), max(timings), summary


def seconds(first, median, worst):
    mark = " MISS" if worst > TARGET_S else ""
    return f"{first:.2f} / {median:.2f} / {worst:.2f}{mark}"


def run():
    rng = random.Random(6)
    started = time.perf_counter()
    page, questions, sections, reaction_count = fill(rng)
    progress(f"filled {COMMENTS:,} comments, {reaction_count:,} reactions", started)
    names = ["database"] + (["elasticsearch"] if settings.ELASTICSEARCH_URL else [])
    since, until = day_bounds(
        timezone.localdate(page.opens_at) + timedelta(days=20),
        timezone.localdate(page.opens_at) + timedelta(days=26),
    )
    scopes = [
        ("whole consultation", Scope(page)),
        ("one question", Scope(page, question=questions[0])),
        ("one section", Scope(page, section=sections[0])),
        ("one theme", Scope(page, tag=THEMES[0])),
        ("one week", Scope(page, since=since, until=until)),
    ]
    rows = []
    with override_settings(PUENTE_SEARCH_INDEX=f"bench-summary-{uuid.uuid4().hex[:8]}"):
        try:
            backends = {}
            for name in names:
                building = time.perf_counter()
                backends[name] = get_backend(name)
                indexing.rebuild(backend=backends[name])
                progress(f"indexed {name} in {time.perf_counter() - building:.1f} s", started)
            for label, scope in scopes:
                row = {"summary": label, "measure": "first / median / worst s"}
                published = ""
                for name in ("database", "elasticsearch"):
                    if name not in backends:
                        row[name] = ""
                        continue
                    first, median, worst, summary = time_summary(scope, backends[name])
                    row[name] = seconds(first, median, worst)
                    p = summary.participation
                    published = f"{p.comments + p.replies:,} comments, {p.reactions:,} reactions"
                row["covers"] = published
                rows.append(row)
                progress(label, started)
            rows += cached_rows(scopes, backends["database"])
            progress("cached", started)
            rows += page_rows(page)
            progress("page and files", started)
        finally:
            if "elasticsearch" in names:
                get_backend("elasticsearch").clear()
    return rows


def cached_rows(scopes, backend):
    """Each scope through the cache (database backend): the first view,
    which computes and keeps it, and the median of REPEATS repeat views."""
    rows = []
    for label, scope in scopes:
        started = time.perf_counter()
        cached_summary(scope, terms_backend=backend)
        first = time.perf_counter() - started
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            cached_summary(scope, terms_backend=backend)
            timings.append(time.perf_counter() - started)
        rows.append(
            {
                "summary": f"{label}, cached",
                "measure": "first s / repeat median ms",
                "database": f"{first:.2f} / {statistics.median(timings) * 1000:.1f}",
                "elasticsearch": "",
                "covers": "",
            }
        )
    return rows


def page_rows(page):
    """The admin page and the files as a planner's browser gets them
    (database backend, as `make run`)."""
    client = Client()
    client.force_login(UserFactory(roles=[PLANNER]))
    rows = []
    for label, url in (
        ("admin page", reverse("summaries_admin:summary", args=[page.pk])),
        ("API", reverse("api-consultation-summary", args=[page.pk])),
        # The CSV is a ZIP of one file per table ("csv" redirects to it).
        ("CSV (ZIP)", reverse("summaries_admin:export", args=[page.pk, "zip"])),
        ("XLSX", reverse("summaries_admin:export", args=[page.pk, "xlsx"])),
    ):
        timings, size = [], 0
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            size = len(response.content)
            assert response.status_code == 200, (label, response.status_code)
        rows.append(
            {
                "summary": f"{label} (whole consultation)",
                "measure": "median s / KB",
                "database": f"{statistics.median(timings):.2f} / {size / 1024:,.0f}",
                "elasticsearch": "",
                "covers": "",
            }
        )
    return rows
