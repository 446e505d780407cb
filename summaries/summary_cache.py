"""A summary computed once per state of its consultation: kept in Django's
cache and read back while nothing it shows has changed.

The key holds what the summary is computed from, read in one query
(`state`): the consultation's cursor (comments.models.ConsultationActivity,
moved by every comment write, moderation decision and reaction), a count
and the last id of the site's flags and theme rows (a flag or a theme does
not move the cursor), and the search index's last complete
sync (the terms come from the index, which takes a write a moment after
it). Then what the output depends on besides the data: the scope's
filters, the consultation's dates and last publication (its title and its
questions' texts), the language, the time zone and the last day shown
(per day runs to today while the consultation is open), the request's
scheme and host (the links are absolute), the terms' backend and sample,
and the cache's generation (core/kept.py: a restore or an upgrade
starts a new one). Anything else (a theme renamed) shows after TIMEOUT at
the latest.

A consultation without a cursor (its comments written in bulk, never
through comments/actions.py) is computed on every view: nothing would tell
the cache of a change."""

import dataclasses
import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation

from comments.models import ConsultationActivity, TaggedComment
from core import kept
from moderation.models import Flag
from search.models import IndexState
from summaries.summary import summarise

# Bump when the Summary's shape or its figures' meaning changes: entries
# written by the previous code are never read again.
VERSION = 1
# The longest an entry is kept (what the key cannot see, like a theme
# renamed, shows after this at the latest).
TIMEOUT = 3600


def cached_summary(scope, *, request=None, now=None, terms_backend=None):
    """summarise(scope, ...) from the cache when the consultation has not
    changed since it was computed for the same filters, language, zone and
    host; else computed and kept. A repeat view costs one query."""
    now = now or timezone.now()
    current = state(scope.consultation.pk)
    if current[0] is None:
        return summarise(scope, request=request, now=now, terms_backend=terms_backend)
    key = cache_key(scope, current, request=request, now=now, terms_backend=terms_backend)
    kept = cache.get(key)
    if kept is not None:
        return dataclasses.replace(kept, scope=scope)
    summary = summarise(scope, request=request, now=now, terms_backend=terms_backend)
    # The scope holds the page: the caller's is put back on reading.
    cache.set(key, dataclasses.replace(summary, scope=None), TIMEOUT)
    return summary


def state(consultation_id):
    """(cursor or None, flags, last flag id, theme rows, last theme row id,
    index's last sync): what may change a consultation's summary, in one
    query. Flags and themes are counted over the whole site, not the
    consultation's comments only: a flag anywhere recomputes every summary
    once, but the count reads two small tables instead of the
    consultation's comments (100,000 comments: 1 ms against 100)."""
    flags, tagged = Flag._meta.db_table, TaggedComment._meta.db_table
    activity = ConsultationActivity._meta.db_table
    statement = f"""
        SELECT
            (SELECT last_seq FROM {activity} WHERE consultation_id = %s),
            (SELECT COUNT(*) FROM {flags}),
            (SELECT MAX(id) FROM {flags}),
            (SELECT COUNT(*) FROM {tagged}),
            (SELECT MAX(id) FROM {tagged}),
            (SELECT last_sync FROM {IndexState._meta.db_table} WHERE id = 1)
    """  # noqa: S608 - table names from the models; values only as parameters
    with connection.cursor() as cursor:
        cursor.execute(statement, [consultation_id])
        return tuple(cursor.fetchone())


def cache_key(scope, current, *, request=None, now=None, terms_backend=None):
    consultation = scope.consultation
    end = min(filter(None, (consultation.closes_at, now or timezone.now(), scope.until)))
    zone = timezone.get_current_timezone()
    parts = (
        tuple(current),
        (scope.question, scope.section, scope.tag, scope.since, scope.until),
        (consultation.opens_at, consultation.closes_at, consultation.last_published_at),
        translation.get_language(),
        str(zone),
        timezone.localtime(end - timedelta(microseconds=1), zone).date(),
        (request.scheme, request.get_host()) if request is not None else None,
        terms_backend.name if terms_backend is not None else settings.PUENTE_SEARCH_BACKEND,
        settings.PUENTE_SEARCH_INDEX,
        settings.PUENTE_SUMMARY_TERMS_SAMPLE,
        kept.generation(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"summary:{VERSION}:{consultation.pk}:{digest}"
