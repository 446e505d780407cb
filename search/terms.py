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
document frequencies (each term counts once per comment)."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

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
    (those no comment has are left out)."""

    consultation: int | None = None  # None: the whole site
    question: int | None = None  # None: every question, and sections
    section: int | None = None
    tag: str | None = None  # a theme's name, any capitalisation
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    keys: tuple[str, ...] | None = None
    size: int = CANDIDATES
    min_count: int = 1


@dataclass(frozen=True)
class TermCounts:
    total: int  # published comments in the group
    counts: dict  # term key -> comments containing it


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
    at least `min_count` comments.

    The background of a question is the consultation's published comments
    within the same filters; that of the whole consultation, every published
    comment of the site. Where the background holds nothing the scope does
    not (a consultation with one question, a site with one consultation) the
    terms are the most frequent ones instead. At most three requests to the
    backend, whatever the number of questions."""
    backend = backend or get_backend()
    if questions is None:
        questions = [None, *_question_ids(consultation_id)]
    scopes = list(dict.fromkeys(questions))
    if not scopes:
        return {}
    filters = {"consultation": consultation_id, "section": section, "tag": tag}
    filters |= {"since": since, "until": until}
    within = TermGroup(**filters)
    # 1. Each scope's most frequent terms, and the size of the consultation
    # within the filters (a question's background) whether or not its own
    # terms are asked for.
    groups = [TermGroup(**filters, question=scope, min_count=min_count) for scope in scopes]
    if None not in scopes:
        groups.append(TermGroup(**filters, size=0))
    counted = backend.term_counts(groups)
    found = dict(zip(scopes, counted, strict=False))
    consultation = found[None] if None in scopes else counted[-1]
    # 2. The candidates' background counts: in the consultation for the
    # questions' (those its own top terms do not already give), in the site
    # for the consultation's.
    missing = {
        key
        for scope in scopes
        if scope is not None
        for key in found[scope].counts
        if key not in consultation.counts
    }
    requests, owners = [], []
    if missing:
        requests.append(TermGroup(**filters, keys=tuple(sorted(missing))))
        owners.append("consultation")
    if None in scopes and found[None].counts:
        requests.append(TermGroup(keys=tuple(sorted(found[None].counts))))
        owners.append("site")
    answers = dict(zip(owners, backend.term_counts(requests) if requests else [], strict=True))
    consultation_counts = TermCounts(
        consultation.total,
        consultation.counts | answers.get("consultation", TermCounts(0, {})).counts,
    )
    chosen = {}
    for scope in scopes:
        background = answers.get("site") if scope is None else consultation_counts
        chosen[scope] = _most_significant(found[scope], background, limit)
    return _with_forms(backend, within, chosen)


def _question_ids(consultation_id):
    from consultations.models import ConsultationQuestion

    return list(
        ConsultationQuestion.objects.filter(page_id=consultation_id)
        .order_by("sort_order", "pk")
        .values_list("pk", flat=True)
    )


def _most_significant(scope, background, limit):
    """[(key, count, background count, score)], the best first."""
    if background is None or not scope.counts:
        return []
    same = background.total == scope.total
    scored = []
    for key, count in scope.counts.items():
        behind = background.counts.get(key, count)
        score = count / scope.total if same else jlh(count, scope.total, behind, background.total)
        if score > 0:
            scored.append((key, count, behind, score))
    scored.sort(key=lambda item: (-item[3], -item[1], item[0]))
    return scored[:limit]


def jlh(count, size, background_count, background_size):
    """Elasticsearch's JLH score: how much more often, absolutely and
    relatively, the term is found in the subset than in the background
    (which contains the subset); 0 when not more often."""
    if not size or not background_size or not background_count:
        return 0.0
    subset, superset = count / size, background_count / background_size
    if subset <= superset:
        return 0.0
    return (subset - superset) * (subset / superset)


def _with_forms(backend, within, chosen):
    """Each chosen key shown in the accented spelling its scope's comments
    use most (ties: the first in code point order), else as the key."""
    scopes = [scope for scope, best in chosen.items() if best]
    groups = [
        TermGroup(
            consultation=within.consultation,
            question=scope,
            section=within.section,
            tag=within.tag,
            since=within.since,
            until=within.until,
            keys=tuple(sorted(key for key, *_ in chosen[scope])),
        )
        for scope in scopes
    ]
    forms = dict(zip(scopes, backend.term_forms(groups) if groups else [], strict=True))
    result = {}
    for scope, best in chosen.items():
        spelled = forms.get(scope, {})
        result[scope] = [
            Term(text=_shown(key, spelled.get(key)), count=count, background=behind, score=score)
            for key, count, behind, score in best
        ]
    return result


def _shown(key, forms):
    if not forms:
        return key
    return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]
