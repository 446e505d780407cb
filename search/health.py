"""Whether the comment index can answer: a search server that restarted
empty, or lost part of its documents, must not answer moderators' searches
and the summaries' terms with a silent fraction of the comments.

Only an index kept outside the database can lose its documents on its own
(`SearchBackend.separate_store`: Elasticsearch). The database backend's
index is rows of the database, as whole as the comments: it is never checked.

The index is lost when
- the alias points nowhere while the database has comments the index should
  already hold (those it takes, less those waiting in the backlog:
  indexing.expected_in_index); with none, the site is new, there is nothing
  to find, and the first write creates the index; or
- it holds less than DEPLETED_RATIO of those comments, of at least
  DEPLETED_MINIMUM. The backlog already accounts for every change on its way,
  so the count falls short only by writes not yet refreshed (counted again
  after a refresh) or by a change some code forgot to schedule: a few, never
  half. Half is a loss.

A lost index answers IndexRebuilding (503) and its rebuild from the
database is queued through the worker, once (indexing.request_rebuild); once
the rebuild has replaced it, searches answer again. A whole index is
remembered for CHECK_SECONDS in Django's cache, so a search costs one cache
read; a search that finds the alias gone meanwhile checks at once. Without
the cache (Redis down) every search checks: slower, never wrong."""

from contextlib import suppress

from django.core.cache import cache
from django.utils.translation import gettext as _

from search import indexing
from search.backends.base import IndexMissing, IndexRebuilding

# How long a whole index is taken as whole without asking again.
CHECK_SECONDS = 30
DEPLETED_RATIO = 0.5
DEPLETED_MINIMUM = 20


def ensure_ready(backend):
    """Return if `backend`'s index can answer; raise IndexRebuilding if it
    was lost (queueing its rebuild), IndexUnavailable if it cannot be
    reached."""
    if not backend.separate_store or _remembered(backend):
        return
    if indexing.rebuild_pending():
        raise IndexRebuilding("the search index is being rebuilt")
    if lost(backend):
        _rebuild()
    _remember(backend, True)


def on_missing(backend):
    """A search found no index behind the alias. Return on a new site (there
    is nothing to find); else raise IndexRebuilding, queueing the rebuild."""
    _remember(backend, False)
    if indexing.expected_in_index().exists():
        _rebuild()


def unavailable_message(error=None):
    """What to tell a person the search cannot answer (`error`: the
    IndexUnavailable raised)."""
    if isinstance(error, IndexRebuilding):
        return _("The search index is being rebuilt; try again in a few minutes.")
    return _("Search is unavailable right now; try again in a minute.")


def lost(backend):
    """The index is missing or holds far fewer documents than the database
    says it should (the module's docstring says how far)."""
    try:
        indexed = backend.count()
    except IndexMissing:
        return indexing.expected_in_index().exists()
    expected = indexing.expected_in_index().count()
    if expected < DEPLETED_MINIMUM or indexed >= expected * DEPLETED_RATIO:
        return False
    # Documents written in the last second may not be counted yet.
    backend.refresh_now()
    return backend.count() < expected * DEPLETED_RATIO


def _key(backend):
    return f"search-health:{backend.name}:{getattr(backend, 'alias', '')}"


def _remembered(backend):
    try:
        return cache.get(_key(backend))
    except Exception:
        return None  # no cache: check


def _remember(backend, whole):
    # No cache: the next search checks again.
    with suppress(Exception):
        if whole:
            cache.set(_key(backend), True, CHECK_SECONDS)
        else:
            cache.delete(_key(backend))


def _rebuild():
    indexing.request_rebuild()
    # The immediate task backend (development) has rebuilt it already.
    if indexing.rebuild_pending():
        raise IndexRebuilding("the search index was lost; it is being rebuilt")
