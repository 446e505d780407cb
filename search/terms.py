"""Summary terms: what of a comment's text is counted for the planners'
summaries, and the shapes the search backends count them in.

A comment's summary terms (`summary_terms`) are its words, lowercased, with
Spanish and English stop words (search/stopwords.py), numbers, words of one
or two letters and URLs left out, plus its phrases: two kept words next to
each other within a sentence (stop words between them do not separate them,
punctuation does). Each term is keyed by its folded spelling, so
"participación" and "participacion" count as one; the accented spelling a
comment used is kept beside the key to show it.

search/significance.py ranks them (which terms a group says more often
than its background)."""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from core.text import fold
from search.stopwords import ALL as STOP_WORDS

# A term must be in at least this many comments of its scope, so one odd
# comment cannot top the list.
MIN_COUNT = 3
# The most frequent terms of each scope whose significance is computed (like
# the shard_size of Elasticsearch's significant_terms).
CANDIDATES = 200
# Longer "words" are pasted identifiers or hashes, not words.
MAX_WORD_LENGTH = 30
# A phrase is two words: room for both at their longest and the space.
MAX_TERM_LENGTH = 2 * MAX_WORD_LENGTH + 1
# Sample buckets: a comment's is the top 10 bits of Knuth's multiplicative
# hash of its id, ((id * 2654435761) mod 2**32) >> 22, the id first taken
# mod 2**31 so that the product fits in 64 bits in SQL too (migration 0005).
BUCKETS = 1024

STOP = frozenset(fold(word) for word in STOP_WORDS)

TOKEN = re.compile(
    r"(?P<link>(?:https?://|www\.)\S+|[^\s@]+@[^\s@]+\.\w+)"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
    r"|(?P<mark>[^\w\s]|_)"
)


def summary_terms(text):
    """The text's term keys, each with the accented spelling the text first
    gave it ("" when the text only wrote it as its key):
    {"participacion": "participación", "transporte publico": "transporte público",
    "calle": ""}."""
    found = {}
    previous = None  # the last kept word of the current sentence: (key, form)
    for match in TOKEN.finditer(unicodedata.normalize("NFKC", text or "")):
        if match.lastgroup != "word":
            # A link, an address or punctuation ends the sentence.
            previous = None
            continue
        word = _word(match.group())
        if word is SKIP:
            continue
        if word is BREAK:
            previous = None
            continue
        key, form = word
        _keep(found, key, form)
        if previous is not None and previous[0] != key:
            _keep(found, f"{previous[0]} {key}", f"{previous[1]} {form}")
        previous = word
    return found


SKIP, BREAK = object(), object()


def bucket(comment_id):
    """The comment's sample bucket, 0 to BUCKETS - 1, as BUCKET_SQL computes it."""
    return ((comment_id % 2**31) * 2654435761 % 2**32) >> 22


def sample_buckets(size, sample):
    """How many buckets to read of a group of `size` comments for a sample of
    about `sample`: all of them for a group no larger than the sample."""
    if size <= sample:
        return BUCKETS
    return max(1, math.ceil(BUCKETS * sample / size))


@lru_cache(maxsize=100_000)
def _word(token):
    """(key, form) of a word to keep; SKIP for a stop word or one too short
    or too long to mean anything; BREAK for a number, which is content we
    do not count and so separates the words around it ("10am", "3er" too)."""
    form = token.replace("’", "'").casefold()
    if fold(form) in STOP:
        return SKIP
    if form.endswith("'s"):
        form = form[:-2]
    key = fold(form)
    if key[0].isdigit():
        return BREAK
    if len(key) <= 2 or key in STOP or len(key) > MAX_WORD_LENGTH:
        return SKIP
    return key, form


def _keep(found, key, form):
    accented = form if form != key else ""
    if not found.get(key):
        found[key] = accented


@dataclass(frozen=True)
class TermGroup:
    """A set of published comments and what to count in it: the `size` most
    frequent terms with at least `min_count` comments (count desc, then key
    in code point order), or, when `keys` is given, exactly those keys
    (those no comment has are left out), with their accented forms when
    `forms`. Only the comments of the first `buckets` sample buckets count,
    the total too; the total is counted only if `total`."""

    consultation: int | None = None  # None: the whole site
    question: int | None = None  # None: every question, and sections
    section: int | None = None
    tag: str | None = None  # a theme's name, any capitalisation
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    keys: tuple[str, ...] | None = None
    size: int = CANDIDATES
    min_count: int = 1
    buckets: int = BUCKETS
    forms: bool = False
    total: bool = True


@dataclass(frozen=True)
class TermCounts:
    total: int  # published comments in the group
    counts: dict  # term key -> comments containing it
    # With `forms`: term key -> {accented form: comments that wrote it so}.
    forms: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Term:
    text: str  # what to show: a word or a two-word phrase, accented if written so
    count: int  # published comments in the scope containing it
    background: int  # published comments in the background containing it
    score: float  # significance (higher first)
