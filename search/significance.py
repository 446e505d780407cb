"""Significant terms and phrases: what the comments under a question say
more often than the consultation around them, for planners' summaries.

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

from django.conf import settings

from core.text import fold
from search import health
from search.backends import get_backend
from search.backends.base import IndexMissing
from search.terms import (
    BUCKETS,
    MIN_COUNT,
    Term,
    TermGroup,
    sample_buckets,
    words_of,
)


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
    leave_out=None,
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
    of questions.

    A scope's own words are left out, since they say nothing the planner
    does not know: the consultation's title's, and a question's text's for
    that question (a phrase goes when all its words do). `leave_out` maps
    each scope to those texts; by default they are read from the database
    (one query). Raises IndexUnavailable, or IndexRebuilding when the
    index was lost (search/health.py): no terms would be untrue."""
    backend = backend or get_backend()
    health.ensure_ready(backend)
    if questions is None:
        questions = [None, *_question_ids(consultation_id)]
    scopes = list(dict.fromkeys(questions))
    if not scopes:
        return {}
    if leave_out is None:
        leave_out = own_texts(consultation_id, scopes)
    left_out = {scope: words_of(leave_out.get(scope, ())) for scope in scopes}
    sample = settings.PUENTE_SUMMARY_TERMS_SAMPLE
    filters = {"consultation": consultation_id, "section": section, "tag": tag}
    filters |= {"since": since, "until": until}
    # 1. How many comments each scope and each background has.
    sized = {scope: TermGroup(**filters, question=scope, size=0) for scope in scopes}
    sized["consultation"] = TermGroup(**filters, size=0)
    if None in scopes:
        sized["site"] = TermGroup(size=0)
    unique = list(dict.fromkeys(sized.values()))  # the consultation is None's
    try:
        counted = dict(zip(unique, backend.term_counts(unique), strict=True))
    except IndexMissing:
        health.on_missing(backend)
        return {scope: [] for scope in scopes}  # a new site: nothing written yet
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
        chosen[scope] = _most_significant(
            found[scope], behind.get(where), share, limit, left_out[scope]
        )
    # 4. Exact counts of the chosen terms, in their scopes and backgrounds.
    return _exactly(backend, filters, scopes, buckets, chosen)


def _question_ids(consultation_id):
    from consultations.models import ConsultationQuestion

    return list(
        ConsultationQuestion.objects.filter(page_id=consultation_id)
        .order_by("sort_order", "pk")
        .values_list("pk", flat=True)
    )


def own_texts(consultation_id, scopes):
    """{scope: [the consultation's title, and the question's text for a
    question]}: the texts whose words a scope's terms leave out."""
    from consultations.models import ConsultationPage, ConsultationQuestion

    rows = list(
        ConsultationQuestion.objects.filter(page_id=consultation_id).values_list(
            "pk", "text", "page__title"
        )
    )
    if rows:
        title = rows[0][2]
    else:
        title = (
            ConsultationPage.objects.filter(pk=consultation_id)
            .values_list("title", flat=True)
            .first()
        )
    texts = {pk: text for pk, text, _title in rows}
    return {scope: [title or "", texts.get(scope, "")] for scope in scopes}


def _most_significant(scope, background, share, limit, left_out=frozenset()):
    """[(key, score)], the best first, from the samples' counts, without the
    keys all of whose words are `left_out`. `share`: the scope's size over
    the background's (1: the background is the scope, and the score the
    frequency)."""
    if background is None or not scope.counts:
        return []
    scored = []
    for key, count in scope.counts.items():
        if left_out and all(word in left_out for word in key.split(" ")):
            continue
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
            Term(
                text=_shown(key, spelled.get(key)),
                count=count,
                background=behind,
                score=score,
                key=key,
            )
            for score, count, key, behind in terms
        ]
    return result


def _shown(key, forms):
    """The spelling most comments used for a key: of the words it stands
    for ("proyecto", "proyectos"), the one most comments wrote whatever its
    accents, then its accented spelling if any comment used one (ties:
    the first in code point order); the key when nothing was written."""
    if not forms:
        return key
    by_word = {}
    for form, count in forms.items():
        by_word.setdefault(fold(form), {})[form] = count
    _total, _word, spellings = min(
        ((sum(counts.values()), word, counts) for word, counts in by_word.items()),
        key=lambda item: (-item[0], item[1]),
    )
    return min(spellings.items(), key=lambda item: (fold(item[0]) == item[0], -item[1], item[0]))[0]
