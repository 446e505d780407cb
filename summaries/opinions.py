"""Opinion groups on the database side: the reactions a consultation's
analysis reads, the analysis kept per consultation and per question
(OpinionGroups), and its refresh in the background.

The analysis itself is summaries/opinion_groups.py (numbers in, numbers
out). Here:

- reaction_arrays() reads the reactions on published comments in one
  streamed query, as three numpy arrays;
- refresh() computes the whole consultation and each of its questions and
  stores them at the consultation's cursor (comments.ConsultationActivity),
  read before the reactions: a reaction that lands while it reads leaves the
  stored analysis behind the cursor, never ahead of it;
- stored() reads what was last computed, and whether it is still current,
  in one query; pages show that and never compute;
- request_refresh() queues the task (refresh_opinion_groups) when the stored
  analysis is missing or behind the cursor: at once for a closed
  consultation, at most every PUENTE_OPINION_GROUPS["interval"] seconds for
  an open one. One row update decides, so that of many page views at once,
  one queues it.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import numpy as np
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from comments.models import Comment, CommentStatus, ConsultationActivity, Reaction, Stance
from consultations.models import ConsultationPage
from consultations.status import Status
from summaries.models import WHOLE_CONSULTATION, OpinionGroups, OpinionGroupsRefresh
from summaries.opinion_groups import Analysis, GroupingSettings, analyse

logger = logging.getLogger(__name__)

# Rows per round trip while streaming the reactions.
CHUNK_SIZE = 20_000
# A long-ago request time for a refresh row created unclaimed.
NEVER = datetime(2000, 1, 1, tzinfo=UTC)
_ROW = np.dtype(
    [("participant", np.int64), ("comment", np.int64), ("vote", np.int8), ("question", np.int64)]
)
_VOTE = Case(
    When(stance=Stance.AGREE, then=Value(1)),
    When(stance=Stance.DISAGREE, then=Value(-1)),
    default=Value(0),
    output_field=IntegerField(),
)


def _interval():
    return timedelta(seconds=django_settings.PUENTE_OPINION_GROUPS["interval"])


def _read(consultation_id, question=None):
    """Every reaction on the consultation's published comments (of one
    question, replies included, when `question` is given) as one structured
    array sorted by (participant, comment): the same reactions give the same
    arrays whatever order the database returns them in.

    One query, composed by the ORM and read through a plain cursor in
    chunks straight into numpy: Django's iterator() costs twice the time
    (a server-side cursor on PostgreSQL, a Python object per row)."""
    reactions = Reaction.objects.filter(
        comment__consultation_id=consultation_id, comment__status=CommentStatus.PUBLISHED
    )
    if question is not None:
        reactions = reactions.filter(comment__question_id=question)
    reactions = (
        reactions.annotate(
            vote=_VOTE, anchor=Coalesce(F("comment__question_id"), Value(WHOLE_CONSULTATION))
        )
        .values_list("user_id", "comment_id", "vote", "anchor")
        .order_by()
    )
    sql, params = reactions.query.sql_with_params()
    with connections[reactions.db].cursor() as cursor:
        cursor.execute(sql, params)
        array = np.fromiter(_rows(cursor), dtype=_ROW)
    return array[np.lexsort((array["comment"], array["participant"]))]


def _rows(cursor):
    while chunk := cursor.fetchmany(CHUNK_SIZE):
        yield from chunk


def _columns(array):
    return (
        np.ascontiguousarray(array["participant"]),
        np.ascontiguousarray(array["comment"]),
        np.ascontiguousarray(array["vote"]),
    )


def moderated_out(consultation_id):
    """{scope: how many comments moderation took out after people reacted
    to them}, for the whole consultation and each question with any. Pol.is
    keeps such comments as columns nobody voted on, which count only in its
    correction for people who reacted to few comments; analyse() does the
    same given their number (docs/opinion-groups.md). One query."""
    reacted = Q(agree_count__gt=0) | Q(disagree_count__gt=0) | Q(pass_count__gt=0)
    rows = (
        Comment.objects.filter(
            reacted,
            consultation_id=consultation_id,
            status__in=[CommentStatus.HIDDEN, CommentStatus.REMOVED],
        )
        .values_list(Coalesce(F("question_id"), Value(WHOLE_CONSULTATION)))
        .annotate(count=Count("pk"))
        .order_by()
    )
    # Keyed by question; comments on no question (sections) count in the whole only.
    by_question = dict(rows)
    whole = sum(by_question.values())
    return by_question | {WHOLE_CONSULTATION: whole}


def reaction_arrays(consultation_id, question=WHOLE_CONSULTATION):
    """(participants, comments, votes): one entry per reaction on a published
    comment of the consultation, or of one question (its replies included);
    agree +1, disagree -1, pass 0."""
    return _columns(_read(consultation_id, None if question == WHOLE_CONSULTATION else question))


def compute(consultation, question=WHOLE_CONSULTATION, settings=None) -> Analysis:
    """The analysis of the consultation (or one of its questions) as the
    reactions stand now. Slow on a large consultation: pages never call it,
    the background task does (refresh)."""
    consultation_id = getattr(consultation, "pk", consultation)
    return analyse(
        *reaction_arrays(consultation_id, question),
        settings=settings or GroupingSettings.from_settings(),
        moderated_out=moderated_out(consultation_id).get(question, 0),
    )


def current_cursor(consultation_id):
    """The consultation's change counter now (0 before its first comment)."""
    found = ConsultationActivity.objects.filter(consultation_id=consultation_id)
    return found.values_list("last_seq", flat=True).first() or 0


def _cursor_subquery(field="consultation_id"):
    activity = ConsultationActivity.objects.filter(consultation_id=OuterRef(field))
    return Coalesce(Subquery(activity.values("last_seq")[:1]), Value(0))


def refresh(consultation_id, settings=None):
    """Compute and store the opinion groups of the whole consultation and of
    each of its questions; remove those of questions no longer on the page.
    Nothing is computed when every scope is stored at the current cursor.
    Returns the consultation's OpinionGroups rows (an empty list when the
    consultation is gone)."""
    consultation = ConsultationPage.objects.filter(pk=consultation_id).first()
    if consultation is None:
        return []
    scopes = _scopes(consultation)
    existing = list(
        OpinionGroups.objects.filter(consultation_id=consultation_id).annotate(
            current=_cursor_subquery()
        )
    )
    # The cursor before the reactions: whatever moves after this is seen by
    # the next refresh.
    cursor = existing[0].current if existing else current_cursor(consultation_id)
    if _all_at(((row.question, row.cursor) for row in existing), scopes, cursor):
        return sorted(existing, key=lambda row: scopes.index(row.question))

    settings = settings or GroupingSettings.from_settings()
    started = time.perf_counter()
    reactions = _read(consultation_id)
    taken_out = moderated_out(consultation_id)
    read_seconds = time.perf_counter() - started
    rows = []
    for scope in scopes:
        started = time.perf_counter()
        whole = scope == WHOLE_CONSULTATION
        subset = reactions if whole else reactions[reactions["question"] == scope]
        analysis = analyse(
            *_columns(subset), settings=settings, moderated_out=taken_out.get(scope, 0)
        )
        seconds = time.perf_counter() - started
        if whole:
            seconds += read_seconds
        rows.append(
            OpinionGroups(
                consultation_id=consultation_id,
                question=scope,
                cursor=cursor,
                computed_at=timezone.now(),
                seconds=round(seconds, 3),
                analysis=analysis.to_json(),
            )
        )
    with transaction.atomic():
        OpinionGroups.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["consultation", "question"],
            update_fields=["cursor", "computed_at", "seconds", "analysis"],
        )
        OpinionGroups.objects.filter(consultation_id=consultation_id).exclude(
            question__in=scopes
        ).delete()
    logger.info(
        "opinion groups of consultation %s computed at cursor %s in %.2f s (%d reactions)",
        consultation_id,
        cursor,
        sum(row.seconds for row in rows),
        len(reactions),
    )
    return rows


def stale_consultation_ids():
    """Consultations with activity whose whole-consultation analysis is
    missing or behind their cursor (one query): what a scheduled safety net
    refreshes, in case a queued task was lost."""
    stored = OpinionGroups.objects.filter(
        consultation_id=OuterRef("consultation_id"),
        question=WHOLE_CONSULTATION,
        cursor=OuterRef("last_seq"),
    )
    return list(
        ConsultationActivity.objects.filter(last_seq__gt=0)
        .exclude(Exists(stored))
        .order_by("consultation_id")
        .values_list("consultation_id", flat=True)
    )


@dataclass
class StoredGroups:
    """What was last computed for one scope, and when."""

    analysis: dict
    computed_at: datetime
    cursor: int
    # Computed at the consultation's cursor as it is now: no comment or
    # reaction has changed since.
    current: bool


def stored(consultation, question=WHOLE_CONSULTATION):
    """The stored analysis of the consultation (or one question), or None
    when none was computed yet: one query, never computes."""
    consultation_id = getattr(consultation, "pk", consultation)
    row = (
        OpinionGroups.objects.filter(consultation_id=consultation_id, question=question)
        .annotate(current_cursor=_cursor_subquery())
        .values("analysis", "computed_at", "cursor", "current_cursor")
        .first()
    )
    if row is None:
        return None
    return StoredGroups(
        analysis=row["analysis"],
        computed_at=row["computed_at"],
        cursor=row["cursor"],
        current=row["cursor"] == row["current_cursor"],
    )


def _is_current(consultation):
    """(whether every scope is stored at the current cursor, that cursor)."""
    rows = list(
        OpinionGroups.objects.filter(consultation_id=consultation.pk)
        .annotate(current_cursor=_cursor_subquery())
        .values_list("question", "cursor", "current_cursor")
    )
    if not rows:
        return False, current_cursor(consultation.pk)
    cursor = rows[0][2]
    return _all_at((row[:2] for row in rows), _scopes(consultation), cursor), cursor


def _scopes(consultation):
    """The scopes stored for a consultation: the whole, then each question."""
    return [WHOLE_CONSULTATION, *(question.pk for question in consultation.ordered_questions)]


def _all_at(stored, scopes, cursor):
    """Whether the stored (question, cursor) pairs are exactly `scopes`, all
    at `cursor`: nothing to recompute."""
    stored = list(stored)
    return sorted(question for question, _ in stored) == sorted(scopes) and all(
        at == cursor for _, at in stored
    )


def request_refresh(consultation, now=None):
    """Queue a refresh of the consultation's opinion groups if they are
    missing or behind its cursor, and either the consultation is closed (and
    no request was made at this cursor yet) or the last request is older
    than the interval. Computes nothing itself: the task is queued once the
    caller's transaction commits (a worker runs it in production). True if
    this call queued it."""
    now = now or timezone.now()
    current, cursor = _is_current(consultation)
    if current:
        return False
    closed = consultation.status_at(now) in (Status.CLOSED, Status.REPORTED)
    since = now - _interval()
    pending = OpinionGroupsRefresh.objects.filter(pk=consultation.pk)
    last = pending.values_list("requested_at", "cursor").first()
    if last is None:
        # Created unclaimed, so that the update below decides the first
        # request as it decides every other.
        OpinionGroupsRefresh.objects.bulk_create(
            [OpinionGroupsRefresh(consultation_id=consultation.pk, requested_at=NEVER, cursor=-1)],
            ignore_conflicts=True,
        )
    elif not (last[0] < since or (closed and last[1] < cursor)):
        return False
    due = Q(requested_at__lt=since) | Q(cursor__lt=cursor) if closed else Q(requested_at__lt=since)
    # Of concurrent requests, the first update wins; the others find the row
    # already at `now` and this cursor.
    if not pending.filter(due).update(requested_at=now, cursor=cursor):
        return False
    transaction.on_commit(partial(_enqueue, consultation.pk, now), robust=True)
    return True


def _enqueue(consultation_id, requested_at):
    try:
        refresh_opinion_groups.enqueue(consultation_id)
    except Exception:
        # Let the next page view ask again.
        OpinionGroupsRefresh.objects.filter(pk=consultation_id, requested_at=requested_at).update(
            requested_at=NEVER, cursor=-1
        )
        logger.exception("could not queue the opinion groups of consultation %s", consultation_id)


@task()
def refresh_opinion_groups(consultation_id):
    """The background refresh request_refresh queues (summaries/tasks.py
    names it for the worker)."""
    return len(refresh(consultation_id))
