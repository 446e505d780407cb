"""The threads a reader who is not signed in sees, rendered once per state
of the discussion and kept in Django's cache (Redis in production, shared by
every app process).

Rendering a busy consultation's threads is most of what its page costs
(about 0.3 s of a core for 120 threads and their replies), and every reader
who is not signed in sees the same threads: nothing in them depends on who
asks. So they are kept under a key of what they show (`variant`): the
consultation, its last publication (sections, questions, their texts) and
when each section last changed, whether it takes comments, the language,
the time zone, the order, the expanded thread and its page, the address
(sign-in links come back to it), a token that changes when someone's public
name does, the cache's generation (core/kept.py: a restore or an upgrade
starts a new one), and the templates' source. The entry holds the cursor it was
rendered at: every comment write, moderation decision and reaction moves
the cursor (comments/actions.py), so an entry at the current cursor is
exactly what a fresh render would show.

When the cursor has moved, one request renders the new state while the
others show the previous entry with its own cursor: live pages catch up
from that cursor (comments/catch_up.py) and miss nothing; a page without
JavaScript is one render behind at most. A consultation without a cursor
row (comments only ever written in bulk, never through comments/actions.py)
is rendered on every view: nothing would tell the cache of a change.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template import RequestContext
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from core import kept

# Bump when what an entry holds changes shape.
VERSION = 1
# The longest an entry is kept: the key cannot see a catalogue changed in place.
TIMEOUT = 600
# How long a request may hold the right to render a state before another
# takes it (a render that died).
RENDER_LOCK_SECONDS = 30
# Pages of an expanded thread kept; past it (a page number nobody reaches by
# following links) every view renders, so made-up numbers fill no cache.
MAX_CACHED_PAGE = 50
NAMES_KEY = "threads:names"
# What a comment shows of its author: saving one of these moves the token.
NAME_FIELDS = frozenset({"display_name", "erased_at"})
TEMPLATES = ("comments/thread.html", "comments/comment.html", "comments/thread_pages.html")


@dataclass(frozen=True)
class RenderedThread:
    """A thread's HTML where the page template expects a Thread."""

    html: SafeString

    def __bool__(self):
        return bool(self.html)


def cacheable(request, *, page_number):
    """Whether this view of the threads is one every anonymous reader shares."""
    if request.user.is_authenticated:
        return False
    return page_number is not None and 1 <= page_number <= MAX_CACHED_PAGE


def variant(
    consultation, request, *, section_changed_at, accepts_comments, sort, expanded, page_number
):
    """The cache key of one way of showing the threads (the cursor apart)."""
    parts = (
        consultation.pk,
        consultation.live_revision_id,
        consultation.last_published_at,
        sorted(section_changed_at.items()),
        accepts_comments,
        translation.get_language(),
        str(timezone.get_current_timezone()),
        sort,
        expanded,
        page_number,
        request.path,
        names_token(),
        kept.generation(),
        templates_digest(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"threads:{VERSION}:{consultation.pk}:{digest}"


def rendered(key, cursor, render):
    """(cursor, {anchor key: HTML}) for the threads at `cursor` or, while
    another request renders that state, the last one rendered before it."""
    found = cache.get(key)
    if found is not None and found[0] >= cursor:
        return found
    lock = f"{key}:rendering"
    locked = cache.add(lock, 1, RENDER_LOCK_SECONDS)
    if found is not None and not locked:
        return found
    try:
        htmls = render()
        cache.set(key, (cursor, htmls), TIMEOUT)
    finally:
        if locked:
            cache.delete(lock)
    return cursor, htmls


def render_threads(request, context, titled_threads):
    """{anchor key: HTML} of comments/thread.html for each (key, title,
    thread), with the page's context processors run once."""
    template = get_template("comments/thread.html").template
    html = {}
    page_context = RequestContext(request, context)
    with page_context.bind_template(template):
        for key, title, thread in titled_threads:
            with page_context.push(key=key, title=title, thread=thread):
                html[key] = SafeString(template.render(page_context))
    return html


def names_token():
    return kept.token(NAMES_KEY)


def forget_names(sender, instance, created, update_fields=None, **kwargs):
    """post_save of the user model: a public name changed (or may have), so
    no kept thread shows the old one."""
    if created or (update_fields is not None and not NAME_FIELDS & set(update_fields)):
        return
    kept.renew(NAMES_KEY)


_templates_digest = None


def templates_digest():
    """The thread templates' source: entries written by a previous release
    are not read by the next."""
    global _templates_digest
    if _templates_digest is None or settings.DEBUG:  # DEBUG: templates edited while it runs
        sources = [get_template(name).template.source for name in TEMPLATES]
        _templates_digest = hashlib.sha256("\x00".join(sources).encode()).hexdigest()[:16]
    return _templates_digest
