"""A search run for a person: the backend's hits turned into comments from
the database (the index may lag; the database decides what is shown), and
facet values given their labels. A search for a folio (PUE-2026-000123)
asks no backend: the database finds the one comment it names."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch

from comments.models import Comment, CommentStatus, TaggedComment, parse_folio
from consultations.models import ConsultationPage
from moderation.models import Flag, FlagReason
from search import health
from search.backends import get_backend
from search.backends.base import IndexMissing
from search.filters import filtered_comments
from search.query import FACETS, Hit, SearchQuery, SearchResult, sort_facet


@dataclass
class Result:
    comment: Comment
    highlight: str
    reasons: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass
class Page:
    query: SearchQuery
    total: int
    results: list[Result]
    # name -> [(value, label, count)]
    facets: dict[str, list[tuple]]

    @property
    def pages(self):
        return max(1, -(-self.total // self.query.per_page))

    @property
    def has_next(self):
        return self.query.page < self.pages

    @property
    def has_previous(self):
        return self.query.page > 1


def run(query):
    """Raises search.backends.base.IndexUnavailable when the index is down,
    IndexRebuilding when it was lost (search/health.py); a folio's search
    answers even then."""
    found = by_folio(query) if query.folio is not None else from_backend(query)
    order = {hit.id: position for position, hit in enumerate(found.hits)}
    comments = (
        Comment.objects.filter(pk__in=order, status__in=query.visible_statuses)
        .select_related("consultation", "author", "question", "section", "parent__author")
        .prefetch_related(
            Prefetch(
                "tagged_items",
                queryset=TaggedComment.objects.select_related("tag"),
                to_attr="theme_links",
            ),
            Prefetch(
                "flags", queryset=Flag.objects.only("comment_id", "reason"), to_attr="flag_list"
            ),
        )
    )
    highlights = {hit.id: hit.highlight for hit in found.hits}
    results = sorted(
        (
            Result(
                comment=comment,
                highlight=highlights[comment.pk],
                reasons=sorted({flag.reason for flag in comment.flag_list}),
                tags=sorted((link.tag.name for link in comment.theme_links), key=str.casefold),
            )
            for comment in comments
        ),
        key=lambda result: order[result.comment.pk],
    )
    facets = found.facets if query.folio is None else folio_facets(results)
    return Page(query=query, total=found.total, results=results, facets=labelled(facets))


def from_backend(query):
    backend = get_backend()
    health.ensure_ready(backend)
    try:
        return backend.search(query)
    except IndexMissing:
        health.on_missing(backend)
        return SearchResult(total=0, hits=[], facets={name: [] for name in FACETS})


def by_folio(query):
    """The comment a folio names, from the database: if it exists, its
    folio is the one asked for (the year too: Comment.folio decides), the
    person may see it and the filters leave it; else nothing. Facets come
    from folio_facets."""
    number = query.folio[1]
    comment = filtered_comments(query).filter(pk=number).only("pk", "created").first()
    found = [] if comment is None or parse_folio(comment.folio) != query.folio else [comment.pk]
    hits = [Hit(comment_id) for comment_id in found] if query.offset == 0 else []
    return SearchResult(total=len(found), hits=hits, facets={})


def folio_facets(results):
    """The facets of a folio's search (its one result), counted as the
    backends count them."""
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    for result in results:
        comment = result.comment
        counts["consultation"][comment.consultation_id] += 1
        counts["status"][comment.status] += 1
        counts["reason"].update(result.reasons)
        counts["tag"].update(result.tags)
    return {name: sort_facet(counts[name]) for name in FACETS}


def labelled(facets):
    titles = dict(
        ConsultationPage.objects.filter(
            pk__in=[value.value for value in facets.get("consultation", [])]
        ).values_list("pk", "title")
    )
    labels = {
        "consultation": lambda value: titles.get(value, str(value)),
        "status": lambda value: (
            CommentStatus(value).label if value in CommentStatus.values else value
        ),
        "reason": lambda value: FlagReason(value).label if value in FlagReason.values else value,
        "tag": str,
    }
    return {
        name: [(value.value, labels[name](value.value), value.count) for value in values]
        for name, values in facets.items()
    }
