"""What a search asks and what it answers, the same for every backend.

Text: every word must match and every "quoted phrase" must match as a
sequence, under the Spanish analysis or under the English one (accents and
case folded, words stemmed so plurals find singulars). Filters narrow the
set; `visible_statuses` is what the person searching may see and is never
widened by `statuses`."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from comments.models import CommentStatus
from search.highlight import strip_markers

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
MAX_PER_PAGE = 100
FACETS = ("consultation", "status", "reason", "tag")
FACET_SIZE = 20
# A deleted comment has no text left to find; it leaves the index.
INDEXED_STATUSES = (
    CommentStatus.PUBLISHED,
    CommentStatus.HIDDEN,
    CommentStatus.REMOVED,
    CommentStatus.HELD,
)

WORD = re.compile(r"\w+")


class QueryError(ValueError):
    """A query that cannot be run, in words for the person who wrote it."""


@dataclass(frozen=True)
class Text:
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self):
        return bool(self.words or self.phrases)

    @property
    def all_words(self):
        return self.words + tuple(word for phrase in self.phrases for word in phrase)


def clean(text):
    """Compatibility-normalised, with every space as a plain space and without
    control or format characters (zero-width spaces among them) or highlight
    markers."""
    kept = []
    for char in unicodedata.normalize("NFKC", strip_markers(text or "")):
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf", "Co", "Cs", "Cn"):
            kept.append(char)
    return "".join(kept).strip()


def parse_text(raw):
    """Words and quoted phrases. An unbalanced quote opens nothing: the words
    after it count as words. Raises QueryError when too long."""
    text = clean(raw)
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            _("Write at most %(limit)d characters to search for.") % {"limit": MAX_QUERY_LENGTH}
        )
    parts = text.split('"')
    if len(parts) % 2 == 0:
        # The last quote has no partner.
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    words, phrases = [], []
    for position, part in enumerate(parts):
        found = [word.casefold() for word in WORD.findall(part)]
        if position % 2 and len(found) > 1:
            phrases.append(tuple(found))
        else:
            words.extend(found)
    parsed = Text(tuple(dict.fromkeys(words)), tuple(dict.fromkeys(phrases)))
    if len(parsed.all_words) > MAX_TERMS:
        raise QueryError(_("Search for at most %(limit)d words.") % {"limit": MAX_TERMS})
    return parsed


@dataclass(frozen=True)
class SearchQuery:
    visible_statuses: tuple[str, ...]
    text: Text = field(default_factory=Text)
    consultation: int | None = None
    question: int | None = None
    section: int | None = None
    statuses: tuple[str, ...] = ()
    reason: str | None = None
    tag: str | None = None
    author: int | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    page: int = 1
    per_page: int = 20
    # (year, comment id) when the text is exactly a folio (PUE-2026-000123):
    # then the search finds that comment, if the filters leave it, and
    # nothing else (search.results).
    folio: tuple[int, int] | None = None

    @property
    def allowed_statuses(self):
        """The statuses to search: those asked for, within those visible."""
        if not self.statuses:
            return tuple(self.visible_statuses)
        return tuple(status for status in self.statuses if status in self.visible_statuses)

    @property
    def offset(self):
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Hit:
    id: int
    # Safe HTML (search.highlight.markup): the matching passage, "" without text.
    highlight: str = ""


@dataclass(frozen=True)
class FacetValue:
    value: str | int
    count: int


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    # Facet name (FACETS) -> values, most frequent first, at most FACET_SIZE.
    facets: dict[str, list[FacetValue]]


def sort_facet(counts):
    """Most frequent first, then by value: the same order on every backend."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return [FacetValue(value, count) for value, count in ordered[:FACET_SIZE] if count]
