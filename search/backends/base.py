"""What every comment index backend does. Documents come from
search.documents; queries and results are search.query's types."""

from collections.abc import Callable, Iterable

from search.documents import CommentDoc
from search.query import SearchQuery, SearchResult


class IndexUnavailable(Exception):
    """The index could not be reached or refused the write; the database is
    unaffected and the backlog keeps the change."""


class SearchBackend:
    name = ""
    # False when the index is the database itself and always current.
    keeps_copy = True

    def index(self, docs: list[CommentDoc]) -> None:
        """Add or replace these documents (one bulk request). Raises
        IndexUnavailable."""
        raise NotImplementedError

    def remove(self, ids: list[int]) -> None:
        """Remove these comments if present. Raises IndexUnavailable."""
        raise NotImplementedError

    def search(self, query: SearchQuery) -> SearchResult:
        """Raises IndexUnavailable; never raises on odd text (the query's
        text is already parsed and bounded)."""
        raise NotImplementedError

    def rebuild(self, batches: Iterable[list[CommentDoc]], progress: Callable[[int], None]) -> None:
        """Build a complete new index from `batches` while searches keep
        answering from the old one, then switch to it at once. `progress` is
        called with the number of documents after each batch."""
        raise NotImplementedError

    def dump(self) -> dict[int, dict]:
        """Every indexed document as {id: CommentDoc.as_dict()} with the same
        value types, for checking the index against the database."""
        raise NotImplementedError

    def term_counts(self, groups: list) -> list:
        """Summary terms (search/terms.py): for each TermGroup, a TermCounts
        of its published comments (of its first `buckets` sample buckets):
        how many there are, and how many contain each term key, as the group
        asks (its most frequent keys, or the keys it names, with their
        accented forms if asked). One round trip to the index for all
        groups."""
        raise NotImplementedError

    def clear(self) -> None:
        """Empty the index (tests)."""
        raise NotImplementedError
