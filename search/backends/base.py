"""What every comment index backend does. Documents come from
search.documents; queries and results are search.query's types."""

from collections.abc import Callable, Iterable

from search.documents import CommentDoc
from search.query import SearchQuery, SearchResult


class IndexUnavailable(Exception):
    """The index could not be reached or refused the write; the database is
    unaffected and the backlog keeps the change."""

    # Seconds after which asking again may succeed (the API's Retry-After).
    retry_after = 60


class IndexMissing(IndexUnavailable):
    """There is no index (the alias points nowhere): a new site's, not yet
    written, or one the search server lost. search/health.py tells which."""


class IndexRebuilding(IndexUnavailable):
    """The index lost its documents and is being rebuilt from the database
    (search/health.py); searching it now would find only part of them."""

    retry_after = 120


class SearchBackend:
    name = ""
    # False when the index is the database itself and always current.
    keeps_copy = True
    # True when the index lives outside the database and can lose its
    # documents on its own (a search server restarted empty); then
    # search/health.py checks it against the database.
    separate_store = False

    def index(self, docs: list[CommentDoc], *, create: bool = True) -> None:
        """Add or replace these documents (one bulk request). Raises
        IndexUnavailable; IndexMissing if there is no index and not
        `create`."""
        raise NotImplementedError

    def remove(self, ids: list[int]) -> None:
        """Remove these comments if present. Raises IndexUnavailable."""
        raise NotImplementedError

    def search(self, query: SearchQuery) -> SearchResult:
        """Raises IndexUnavailable (IndexMissing if there is no index);
        never raises on odd text (the query's text is already parsed and
        bounded)."""
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
        groups. Raises IndexUnavailable (IndexMissing if there is no
        index)."""
        raise NotImplementedError

    def count(self) -> int:
        """How many documents the index holds (separate stores only).
        Raises IndexMissing, IndexUnavailable."""
        raise NotImplementedError

    def refresh_now(self) -> None:
        """Make every write so far visible to count and search (separate
        stores only). Raises IndexUnavailable."""
        raise NotImplementedError

    def clear(self) -> None:
        """Empty the index (tests)."""
        raise NotImplementedError
