"""Summary terms: what of a comment's text is counted for the planners'
summaries, and the shapes the search backends count them in.

A comment's summary terms (`summary_terms`) are its words, lowercased, with
Spanish and English stop words (search/stopwords.py), numbers, words of one
or two letters and URLs left out, plus its phrases: two kept words next to
each other within a sentence (stop words between them do not separate them,
punctuation does). Each term is keyed by the Snowball stem of its folded
spelling, so "proyecto", "proyectos" and "Proyectos" count as one term, and
"participación" and "participacion" too; the stemmer is the comment's
language's (English when the comment has more English stop words than
Spanish ones, Spanish otherwise). The spelling a comment used is kept
beside the key, and the summary shows the spelling most comments used.

search/significance.py ranks them (which terms a group says more often
than its background). Changing the keys changes what the indexes hold: run
`manage.py search_rebuild` after."""

import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import snowballstemmer

from core.text import fold
from search.stopwords import ALL as STOP_WORDS
from search.stopwords import ENGLISH, SPANISH

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
# The stop words of one language only: what tells a comment's language.
SPANISH_ONLY = frozenset(fold(word) for word in SPANISH) - frozenset(fold(w) for w in ENGLISH)
ENGLISH_ONLY = frozenset(fold(word) for word in ENGLISH) - frozenset(fold(w) for w in SPANISH)

TOKEN = re.compile(
    r"(?P<link>(?:https?://|www\.)\S+|[^\s@]+@[^\s@]+\.\w+)"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
    r"|(?P<mark>[^\w\s]|_)"
)


def summary_terms(text):
    """The text's term keys (stems), each with the spelling the text first
    gave it, lowercased (an accented spelling of the same word given later
    takes its place): {"particip": "participación", "transport public":
    "transporte público", "call": "calles"}."""
    # (link, word, mark): one of the three is not empty.
    tokens = TOKEN.findall(unicodedata.normalize("NFKC", text or ""))
    language = _language(token for _link, token, _mark in tokens if token)
    found = {}
    previous = None  # the last kept word of the current sentence: (key, form)
    for _link, token, _mark in tokens:
        if not token:
            # A link, an address or punctuation ends the sentence.
            previous = None
            continue
        word = _word(token, language)
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


def words_of(texts):
    """The word keys (stems, no phrases) of some texts: a question's own
    words, which its summary leaves out."""
    return {key for text in texts for key in summary_terms(text) if " " not in key}


def _language(words):
    """The comment's language: "en" when more of the words are English-only
    stop words than Spanish-only ones, else "es" (the site's first one)."""
    return "en" if sum(map(_side, words)) > 0 else "es"


@lru_cache(maxsize=100_000)
def _side(word):
    """1 for an English-only stop word, -1 for a Spanish-only one, else 0."""
    folded = fold(word.replace("’", "'"))
    return (folded in ENGLISH_ONLY) - (folded in SPANISH_ONLY)


_local = threading.local()


def _stem(word, language):
    # Snowball stemmer objects keep state while stemming: one per thread.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {
            "es": snowballstemmer.stemmer("spanish"),
            "en": snowballstemmer.stemmer("english"),
        }
    return stemmers[language].stemWord(word)


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
def _word(token, language="es"):
    """(key, form) of a word to keep: its stem in `language` and its
    lowercased spelling; SKIP for a stop word or one too short or too long
    to mean anything; BREAK for a number, which is content we do not count
    and so separates the words around it ("10am", "3er" too)."""
    form = token.replace("’", "'").casefold()
    if fold(form) in STOP:
        return SKIP
    if form.endswith("'s"):
        form = form[:-2]
    folded = fold(form)
    if folded[0].isdigit():
        return BREAK
    if len(folded) <= 2 or folded in STOP or len(folded) > MAX_WORD_LENGTH:
        return SKIP
    return _stem(folded, language), form


def _keep(found, key, form):
    """The first spelling of a key, unless a later one is the same word
    with its accents."""
    first = found.get(key)
    if first is None or (form != first and first == fold(first) and fold(form) == first):
        found[key] = form


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
    text: str  # what to show: a word or a two-word phrase, as most comments spelled it
    count: int  # published comments in the scope containing it
    background: int  # published comments in the background containing it
    score: float  # significance (higher first)
    key: str = ""  # the stems it stands for ("proyect", "transport public")
