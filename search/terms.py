"""Significant terms and phrases: what the comments under a question say
more often than the consultation around them, for planners' summaries.

A comment's summary terms (`summary_terms`) are its words, lowercased, with
Spanish and English stop words (search/stopwords.py), numbers, words of one
or two letters and URLs left out, plus its phrases: two kept words next to
each other within a sentence (stop words between them do not separate them,
punctuation does). Each term is keyed by its folded spelling, so
"participación" and "participacion" count as one; the accented spelling a
comment used is kept beside the key to show it.

Both backends store the keys when they index a comment and count them for a
set of published comments (`SearchBackend.term_counts`); the significance is
computed here, once, from those counts: Elasticsearch's JLH score on
document frequencies (each term counts once per comment).

Large groups are ranked from a sample, like Elasticsearch's `sampler`
aggregation but deterministic: every comment has a bucket, 0-1023, from a
fixed hash of its id (`bucket`), and a group of n published comments is
ranked from those in its first ceil(1024 * SAMPLE / n) buckets, against
its background's own sample (for a question, the consultation's; for the
consultation, the site's comments in the consultation's buckets). As the
background holds the scope, a term's share of the background is taken as
at least its share of the scope times scope size / background size, which
keeps a term the background's sample happened to miss from looking
infinitely significant. A group of at most SAMPLE comments is read whole,
so small consultations get exact scores. The counts shown are exact: the
few terms chosen are counted again over every comment; their accented
spelling comes from the sample."""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings

from search.analysis import fold
from search.backends import get_backend
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


def significant_terms(
    consultation_id,
    *,
    questions=None,
    section=None,
    tag=None,
    since=None,
    until=None,
    limit=8,
    min_count=MIN_COUNT,
    backend=None,
):
    """For each question id of `questions` (None among them: the whole
    consultation; `questions=None`: the whole consultation and every
    question of it), the `limit` most significant terms of its published
    comments within the filters (a section id, a theme's name in any
    capitalisation, created since (inclusive) / until (exclusive)), each in
    at least `min_count` comments (of the sample, for a sampled scope).

    The background of a question is the consultation's published comments
    within the same filters; that of the whole consultation, every published
    comment of the site. Where the background holds nothing the scope does
    not (a consultation with one question, a site with one consultation) the
    terms are the most frequent ones instead. A scope of more than
    PUENTE_SUMMARY_TERMS_SAMPLE comments is ranked from a sample of about
    that many (see the module's docstring); each term's count and
    background are exact. Four requests to the backend, whatever the number
    of questions."""
    backend = backend or get_backend()
    if questions is None:
        questions = [None, *_question_ids(consultation_id)]
    scopes = list(dict.fromkeys(questions))
    if not scopes:
        return {}
    sample = settings.PUENTE_SUMMARY_TERMS_SAMPLE
    filters = {"consultation": consultation_id, "section": section, "tag": tag}
    filters |= {"since": since, "until": until}
    # 1. How many comments each scope and each background has.
    sized = {scope: TermGroup(**filters, question=scope, size=0) for scope in scopes}
    sized["consultation"] = TermGroup(**filters, size=0)
    if None in scopes:
        sized["site"] = TermGroup(size=0)
    unique = list(dict.fromkeys(sized.values()))  # the consultation is None's
    counted = dict(zip(unique, backend.term_counts(unique), strict=True))
    sizes = {name: counted[group].total for name, group in sized.items()}
    buckets = {scope: sample_buckets(sizes[scope], sample) for scope in scopes}
    consultation_buckets = sample_buckets(sizes["consultation"], sample)
    # 2. Each scope's most frequent terms in its sample.
    samples = [
        TermGroup(**filters, question=scope, min_count=min_count, buckets=buckets[scope])
        for scope in scopes
    ]
    found = dict(zip(scopes, backend.term_counts(samples), strict=True))
    # 3. The candidates' counts in their backgrounds' samples: the
    # consultation's in its sample for the questions', the site's in the
    # same buckets for the consultation's.
    wanted = {
        "consultation": {
            key for scope in scopes if scope is not None for key in found[scope].counts
        },
        "site": set(found[None].counts) if None in scopes else set(),
    }
    wanted = {where: keys for where, keys in wanted.items() if keys}
    requests = [
        TermGroup(
            **({} if where == "site" else filters),
            keys=tuple(sorted(keys)),
            buckets=buckets[None] if where == "site" else consultation_buckets,
        )
        for where, keys in wanted.items()
    ]
    behind = dict(zip(wanted, backend.term_counts(requests) if requests else [], strict=True))
    chosen = {}
    for scope in scopes:
        where = "site" if scope is None else "consultation"
        share = sizes[scope] / sizes[where] if sizes[where] else 1
        chosen[scope] = _most_significant(found[scope], behind.get(where), share, limit)
    # 4. Exact counts of the chosen terms, in their scopes and backgrounds.
    return _exactly(backend, filters, scopes, buckets, chosen)


def _question_ids(consultation_id):
    from consultations.models import ConsultationQuestion

    return list(
        ConsultationQuestion.objects.filter(page_id=consultation_id)
        .order_by("sort_order", "pk")
        .values_list("pk", flat=True)
    )


def _most_significant(scope, background, share, limit):
    """[(key, score)], the best first, from the samples' counts. `share`: the
    scope's size over the background's (1: the background is the scope, and
    the score the frequency)."""
    if background is None or not scope.counts:
        return []
    scored = []
    for key, count in scope.counts.items():
        subset = count / scope.total
        if share >= 1:
            score = subset
        else:
            superset = background.counts.get(key, 0) / background.total
            score = _jlh(subset, max(superset, subset * share))
        if score > 0:
            scored.append((key, count, score))
    scored.sort(key=lambda item: (-item[2], -item[1], item[0]))
    return [(key, score) for key, _, score in scored[:limit]]


def jlh(count, size, background_count, background_size):
    """Elasticsearch's JLH score: how much more often, absolutely and
    relatively, the term is found in the subset than in the background
    (which contains the subset); 0 when not more often."""
    if not size or not background_size or not background_count:
        return 0.0
    return _jlh(count / size, background_count / background_size)


def _jlh(subset, superset):
    if subset <= superset or not superset:
        return 0.0
    return (subset - superset) * (subset / superset)


def _exactly(backend, filters, scopes, buckets, chosen):
    """The chosen terms as Terms: each counted over all its scope's comments
    and all its background's, and shown in the accented spelling its scope's
    comments (of its sample) use most (ties: the first in code point order),
    else as the key."""
    shown = [scope for scope in scopes if chosen[scope]]
    groups, slots = [], {}

    def ask(slot, **group):
        slots[slot] = len(groups)
        groups.append(TermGroup(total=False, **group))

    for scope in shown:
        keys = tuple(sorted(key for key, _ in chosen[scope]))
        # The forms from the sample; the counts exact.
        ask(
            ("forms", scope),
            **filters,
            question=scope,
            keys=keys,
            forms=True,
            buckets=buckets[scope],
        )
        if buckets[scope] < BUCKETS:
            ask(("counts", scope), **filters, question=scope, keys=keys)
    in_consultation = {key for scope in shown if scope is not None for key, _ in chosen[scope]}
    if in_consultation:
        ask(("counts", "consultation"), **filters, keys=tuple(sorted(in_consultation)))
    if None in shown:
        ask(("counts", "site"), keys=tuple(sorted(key for key, _ in chosen[None])))
    counted = backend.term_counts(groups) if groups else []

    def answer(kind, scope):
        slot = slots.get((kind, scope), slots.get(("forms", scope)))
        return counted[slot]

    result = {}
    for scope in scopes:
        if not chosen[scope]:
            result[scope] = []
            continue
        spelled = answer("forms", scope).forms
        mine = answer("counts", scope).counts
        background = answer("counts", "site" if scope is None else "consultation").counts
        terms = [
            (score, mine.get(key, 0), key, background.get(key, 0)) for key, score in chosen[scope]
        ]
        # Ties in score by the exact count, then the key.
        terms.sort(key=lambda item: (-item[0], -item[1], item[2]))
        result[scope] = [
            Term(text=_shown(key, spelled.get(key)), count=count, background=behind, score=score)
            for score, count, key, behind in terms
        ]
    return result


def _shown(key, forms):
    if not forms:
        return key
    return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]
