"""The comment index in Elasticsearch, written with elasticsearch-dsl.

Searches and writes go through an alias (PUENTE_SEARCH_INDEX) that points
at one concrete index, `<alias>-<timestamp>`. A rebuild fills a new concrete
index while the alias keeps answering from the old one, then moves the alias
in one atomic update_aliases call and drops the old index.

The index has a single shard: the comment index stays far below the size at
which a shard needs splitting, and with one shard the facet counts of terms
aggregations are exact rather than per-shard estimates."""

import logging
import re
from datetime import UTC, datetime

from django.conf import settings
from django.utils.module_loading import import_string
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError
from elasticsearch.dsl import (
    Date,
    DateNanos,
    Document,
    Integer,
    Keyword,
    Q,
    Text,
    analyzer,
    normalizer,
    token_filter,
)
from elasticsearch.helpers import BulkIndexError, ScanError, bulk, scan

from comments.models import CommentStatus
from search.backends.base import IndexMissing, IndexUnavailable, SearchBackend
from search.documents import CommentDoc
from search.highlight import END, START, markup
from search.query import FACET_SIZE, FACETS, INDEXED_STATUSES, Hit, SearchResult, sort_facet
from search.terms import BUCKETS, TermCounts, bucket, summary_terms

logger = logging.getLogger(__name__)

# Anything the client or the bulk helpers raise when the cluster cannot be
# reached, times out or refuses a request.
FAILURES = (ApiError, TransportError, BulkIndexError, ScanError)
# Elasticsearch refuses from + size beyond index.max_result_window (default).
MAX_RESULT_WINDOW = 10_000
SNIPPET_LENGTH = 300
# Between a summary term's key and its accented form in summary_forms; keys
# are letters, digits, apostrophes and spaces.
FORM_SEPARATOR = "|"
# A rebuild's requests carry whole batches and nobody waits on them.
REBUILD_TIMEOUT = 120

# Spanish: accents folded, Spanish stop words dropped, words stemmed. The
# folded copy of each word is added beside the original (preserve_original)
# because the Snowball Spanish stemmer recognises suffixes by their accents
# ("participación" -> "particip"): stemming only folded words would leave
# "participacion" and "participaciones" apart, stemming only originals would
# let an unaccented search miss an accented comment. (light_spanish, which
# folds vowels itself, would be the natural choice, but osmem-server, the
# test server, indexes empty terms with it; see the search notes.)
spanish = analyzer(
    "puente_spanish",
    tokenizer="standard",
    filter=[
        "lowercase",
        token_filter("puente_folding", "asciifolding", preserve_original=True),
        token_filter("puente_spanish_stop", "stop", stopwords="_spanish_"),
        token_filter("puente_spanish_stemmer", "stemmer", language="spanish"),
    ],
)
# Without the possessive_english stemmer Elasticsearch's own English analyzer
# starts with: osmem-server indexes empty terms with it too.
english = analyzer(
    "puente_english",
    tokenizer="standard",
    filter=[
        "lowercase",
        "asciifolding",
        token_filter("puente_english_stop", "stop", stopwords="_english_"),
        token_filter("puente_english_stemmer", "stemmer", language="english"),
    ],
)
# A theme is matched whatever its capitalisation; facets still show the
# names as the themes spell them, so the raw keyword stays the main field.
folded_keyword = normalizer("puente_lowercase", filter=["lowercase"])


class CommentDocument(Document):
    # Identifiers are keywords: they are only ever matched exactly, and a
    # keyword's terms aggregation orders ties by key as text, as sort_facet does.
    consultation = Keyword()
    consultation_title = Text(analyzer=spanish)
    question = Keyword()
    section = Keyword()
    parent = Keyword()
    author = Keyword()
    author_name = Text(analyzer="standard", fields={"raw": Keyword()})
    body = Text(analyzer=spanish, fields={"english": Text(analyzer=english)})
    status = Keyword()
    # Nanoseconds keep Django's microseconds, so created ranges and ordering
    # agree with the database to the microsecond.
    created = DateNanos(required=True)
    edited = Date()
    reasons = Keyword(multi=True)
    tags = Keyword(multi=True, fields={"folded": Keyword(normalizer=folded_keyword)})
    # The id again as a field: sorting on _id needs fielddata Elasticsearch 8
    # disables by default.
    id = Integer()
    flag_count = Integer()
    reply_count = Integer()
    agree = Integer()
    disagree = Integer()
    pass_count = Integer()
    # Summary terms (search/terms.py), derived from the body: the folded keys,
    # counted with terms aggregations, and "key|form" for each key the
    # comment wrote with accents, to show it so.
    summary_terms = Keyword(multi=True)
    summary_forms = Keyword(multi=True)
    # The comment's sample bucket (search/terms.py `bucket`), from its id.
    summary_bucket = Integer()

    class Index:
        settings = {"number_of_shards": 1}

    @classmethod
    def bulk_action(cls, doc, index):
        terms = summary_terms(doc.body)
        document = cls(
            meta={"id": doc.id, "index": index},
            **doc.as_dict(),
            summary_terms=list(terms),
            summary_forms=[f"{key}{FORM_SEPARATOR}{form}" for key, form in terms.items() if form],
            summary_bucket=bucket(doc.id),
        )
        return document.to_dict(include_meta=True, skip_empty=False)

    def to_comment_doc(self):
        values = self.to_dict(skip_empty=False)
        values["created"] = parse_date(values["created"])
        values["edited"] = parse_date(values.get("edited"))
        values["reasons"] = tuple(values.get("reasons") or ())
        values["tags"] = tuple(values.get("tags") or ())
        known = CommentDoc.__dataclass_fields__
        return CommentDoc(**{name: values.get(name) for name in known})


def parse_date(value):
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def make_client():
    options = dict(getattr(settings, "ELASTICSEARCH_OPTIONS", {}))
    if isinstance(options.get("node_class"), str) and "." in options["node_class"]:
        options["node_class"] = import_string(options["node_class"])
    # Short timeouts and a single retry: a search page or a comment post must
    # not hang on a sick cluster; the backlog retries writes later.
    options.setdefault("request_timeout", 5)
    options.setdefault("max_retries", 1)
    options.setdefault("retry_on_timeout", False)
    # Production lists the nodes in the options (ELASTICSEARCH_URL may name several).
    hosts = options.pop("hosts", None) or settings.ELASTICSEARCH_URL
    return Elasticsearch(hosts, **options)


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"
    keeps_copy = True
    separate_store = True

    def __init__(self):
        self.client = make_client()
        self.alias = settings.PUENTE_SEARCH_INDEX.lower()
        # None, True (the refresh API's "true"), or "wait_for".
        refresh = getattr(settings, "PUENTE_SEARCH_REFRESH", False)
        self.refresh = "true" if refresh is True else refresh or None
        self._alias_ready = False

    # Index management

    def new_index_name(self):
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        return f"{self.alias}-{stamp}"

    def create_index(self, name):
        CommentDocument._index.clone(name=name).create(using=self.client)

    def concrete_indices(self):
        """The indices the alias points at now (none before the first write)."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def ensure_alias(self, create=True):
        """Create the first concrete index and the alias unless they exist
        (IndexMissing instead, unless `create`). Checked once per instance:
        after that a write that finds the alias gone fails (require_alias)
        and checks again."""
        if self._alias_ready:
            return
        if not self.client.indices.exists_alias(name=self.alias):
            if not create:
                raise IndexMissing(f"no index behind the alias {self.alias}")
            # A fixed name rather than a timestamp: processes that all find
            # the alias missing at once create the same index, and one alias
            # on two indices would refuse every write.
            first = f"{self.alias}-first"
            try:
                self.create_index(first)
            except ApiError as error:
                if error.status_code != 400 or "already_exists" not in str(error):
                    raise
            self.client.indices.update_aliases(
                actions=[{"add": {"index": first, "alias": self.alias}}]
            )
        self._alias_ready = True

    def bulk(self, actions, **kwargs):
        actions = list(actions)
        if not actions:
            return
        bulk(
            self.client,
            actions,
            chunk_size=len(actions),
            refresh=self.refresh,
            **kwargs,
        )

    # The interface

    def index(self, docs, *, create=True):
        if not docs:
            return
        actions = [CommentDocument.bulk_action(doc, self.alias) for doc in docs]
        try:
            self.ensure_alias(create)
            try:
                # Never let a write create a stray index named like the alias
                # with a guessed mapping.
                self.bulk(actions, require_alias=True)
            except BulkIndexError:
                if self.client.indices.exists_alias(name=self.alias):
                    raise
                self._alias_ready = False
                self.ensure_alias(create)
                self.bulk(actions, require_alias=True)
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error

    def remove(self, ids):
        if not ids:
            return
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": pk} for pk in ids]
        try:
            # A comment never indexed, or no index yet: nothing to remove.
            self.bulk(actions, require_alias=True, ignore_status=(404,))
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error

    def search(self, query):
        request = self.build_search(query)
        try:
            response = request.execute()
        except NotFoundError as error:
            raise IndexMissing(str(error)) from error
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error
        hits = [
            Hit(id=int(hit.meta.id), highlight=self.snippet(hit) if query.text else "")
            for hit in response.hits
        ]
        facets = {}
        for name in FACETS:
            counts = {
                bucket.key: bucket.doc_count
                for bucket in getattr(response.aggregations, name).buckets
            }
            if name == "consultation":
                counts = {int(key): count for key, count in counts.items()}
            facets[name] = sort_facet(counts)
        return SearchResult(total=response.hits.total.value, hits=hits, facets=facets)

    def build_search(self, query):
        filters = status_filters(query.allowed_statuses)
        for name in ("consultation", "question", "section", "author"):
            value = getattr(query, name)
            if value is not None:
                filters.append(Q("term", **{name: value}))
        if query.reason:
            filters.append(Q("term", reasons=query.reason))
        if query.tag:
            filters.append(Q("term", tags__folded=query.tag))
        created = {}
        if query.created_from is not None:
            created["gte"] = query.created_from.isoformat()
        if query.created_to is not None:
            created["lt"] = query.created_to.isoformat()
        if created:
            filters.append(Q("range", created=created))

        search = CommentDocument.search(using=self.client, index=self.alias).extra(
            track_total_hits=True
        )
        if query.text:
            search = search.query(
                "bool",
                should=[text_query(query.text, "body"), text_query(query.text, "body.english")],
                minimum_should_match=1,
                filter=filters,
            ).sort("_score", {"created": "desc"}, {"id": "desc"})
            search = search.highlight_options(
                pre_tags=[START],
                post_tags=[END],
                fragment_size=SNIPPET_LENGTH,
                number_of_fragments=1,
                no_match_size=0,
            ).highlight("body", "body.english")
        else:
            search = search.query("bool", filter=filters).sort({"created": "desc"}, {"id": "desc"})

        for name, field in (
            ("consultation", "consultation"),
            ("status", "status"),
            ("reason", "reasons"),
            ("tag", "tags"),
        ):
            # Ties by key as text, which is how sort_facet breaks them, so the
            # top FACET_SIZE are the same values the database backend reports.
            search.aggs.bucket(
                name,
                "terms",
                field=field,
                size=FACET_SIZE,
                order=[{"_count": "desc"}, {"_key": "asc"}],
            )

        start, stop = query.offset, query.offset + query.per_page
        if stop > MAX_RESULT_WINDOW:
            # Past the window Elasticsearch refuses the whole request; the
            # count and facets are still worth answering.
            start, stop = 0, 0
        return search[start:stop]

    @staticmethod
    def snippet(hit):
        """The passage with the most matches, preferring the Spanish one."""
        fragments = []
        highlight = getattr(hit.meta, "highlight", None)
        for field in ("body", "body.english"):
            found = list(getattr(highlight, field, None) or []) if highlight else []
            if found:
                fragments.append(found[0])
        if not fragments:
            return ""
        return markup(max(fragments, key=lambda fragment: fragment.count(START)))

    def rebuild(self, batches, progress):
        name = self.new_index_name()
        client = self.client.options(request_timeout=REBUILD_TIMEOUT)
        try:
            CommentDocument._index.clone(name=name).create(using=client)
            # No periodic refreshes while filling an index nobody reads yet.
            self.client.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
            count = 0
            for batch in batches:
                bulk(
                    client,
                    [CommentDocument.bulk_action(doc, name) for doc in batch],
                    chunk_size=max(len(batch), 1),
                )
                count += len(batch)
                progress(count)
            self.client.indices.put_settings(index=name, settings={"refresh_interval": None})
            client.indices.refresh(index=name)
            old = self.concrete_indices()
            self.client.indices.update_aliases(
                actions=[{"remove": {"index": index, "alias": self.alias}} for index in old]
                + [{"add": {"index": name, "alias": self.alias}}]
            )
        except FAILURES as error:
            self.drop_quietly(name)
            raise IndexUnavailable(str(error)) from error
        except BaseException:
            self.drop_quietly(name)
            raise
        self._alias_ready = True
        for index in old:
            # The alias has moved: a failure here leaves only an unused index.
            self.drop_quietly(index)

    # Summary terms: terms aggregations over summary_terms, one request for
    # every group (search/terms.py computes the significance).

    def term_counts(self, groups):
        if not groups:
            return []
        search = CommentDocument.search(using=self.client, index=self.alias)
        search = search.query("bool", filter=status_filters([CommentStatus.PUBLISHED])).extra(
            size=0, track_total_hits=False
        )
        for position, group in enumerate(groups):
            term_aggregations(
                search.aggs.bucket(f"g{position}", "filter", filter=group_filter(group)), group
            )
        try:
            response = search.execute()
        except NotFoundError as error:
            raise IndexMissing(str(error)) from error
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error
        found = []
        for position in range(len(groups)):
            result = getattr(response.aggregations, f"g{position}").to_dict()
            counts = {}
            if "terms" in result:
                counts = {item["key"]: item["doc_count"] for item in result["terms"]["buckets"]}
            if "keys" in result:
                buckets = result["keys"]["buckets"]
                counts = {
                    key: item["doc_count"] for key, item in buckets.items() if item["doc_count"]
                }
            forms = {}
            for item in result.get("forms", {}).get("buckets", ()):
                key, form = item["key"].split(FORM_SEPARATOR, 1)
                forms.setdefault(key, {})[form] = item["doc_count"]
            found.append(TermCounts(result["doc_count"], counts, forms))
        return found

    def count(self):
        try:
            return self.client.count(index=self.alias)["count"]
        except NotFoundError as error:
            raise IndexMissing(str(error)) from error
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error

    def refresh_now(self):
        try:
            self.client.indices.refresh(index=self.alias, ignore_unavailable=True)
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error

    def drop_quietly(self, name):
        try:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        except FAILURES:
            logger.warning("Could not delete the index %s", name, exc_info=True)

    def dump(self):
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                return {}
            docs = {}
            for hit in scan(self.client, index=self.alias, query={"query": {"match_all": {}}}):
                doc = CommentDocument.from_es(hit).to_comment_doc()
                docs[doc.id] = doc.as_dict()
            return docs
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error

    def clear(self):
        try:
            indices = self.concrete_indices()
            if indices:
                self.client.indices.delete(index=",".join(indices), ignore_unavailable=True)
        except FAILURES as error:
            raise IndexUnavailable(str(error)) from error
        self._alias_ready = False


def status_filters(allowed):
    """`status in allowed` as the cheaper clause. Every document holds one of
    INDEXED_STATUSES and nearly all are published, so "not hidden, removed or
    held" selects the same documents as "published" while reading only the
    few rare statuses' postings; with every status allowed there is nothing
    to filter."""
    allowed = [status for status in INDEXED_STATUSES if status in allowed]
    excluded = [status for status in INDEXED_STATUSES if status not in allowed]
    if not allowed:
        return [Q("match_none")]
    if not excluded:
        return []
    if CommentStatus.PUBLISHED in allowed:
        return [~Q("terms", status=excluded)]
    return [Q("terms", status=allowed)]


def group_filter(group):
    """A summary terms group's filters (search/terms.py TermGroup)."""
    filters = []
    for name in ("consultation", "question", "section"):
        value = getattr(group, name)
        if value is not None:
            filters.append(Q("term", **{name: value}))
    if group.tag:
        filters.append(Q("term", tags__folded=group.tag))
    created = {}
    if group.since is not None:
        created["gte"] = group.since.isoformat()
    if group.until is not None:
        created["lt"] = group.until.isoformat()
    if created:
        filters.append(Q("range", created=created))
    if group.buckets < BUCKETS:
        filters.append(Q("range", summary_bucket={"lt": group.buckets}))
    return Q("bool", filter=filters)


def term_aggregations(parent, group):
    """Under `parent`, the aggregations a summary terms group asks for."""
    if group.keys is not None:
        if not group.keys:
            return
        if group.buckets < BUCKETS:
            # A sample: few comments, read through.
            parent.bucket(
                "terms",
                "terms",
                field="summary_terms",
                include=list(group.keys),
                size=len(group.keys),
            )
        else:
            # Every comment: each key's postings.
            parent.bucket(
                "keys",
                "filters",
                filters={key: Q("term", summary_terms=key) for key in group.keys},
            )
        if group.forms:
            parent.bucket(
                "forms",
                "terms",
                field="summary_forms",
                include=forms_pattern(group.keys),
                # A key has one or two accented spellings, rarely more.
                size=max(10 * len(group.keys), 10),
            )
    elif group.size:
        parent.bucket(
            "terms",
            "terms",
            field="summary_terms",
            size=group.size,
            min_doc_count=group.min_count,
            order=[{"_count": "desc"}, {"_key": "asc"}],
        )


def forms_pattern(keys):
    """A regular expression (Lucene syntax, matched whole) for the
    summary_forms of these keys."""
    escaped = (
        "".join(char if char.isalnum() or char == " " else "\\" + char for char in key)
        for key in keys
    )
    return "(" + "|".join(escaped) + ")" + re.escape(FORM_SEPARATOR) + ".*"


def text_query(text, field):
    """Every word and every phrase under one field's analysis. The words go
    in one match query: a stop word alone would match nothing, within the
    others it is simply dropped."""
    must = []
    if text.words:
        must.append(Q("match", **{field: {"query": " ".join(text.words), "operator": "and"}}))
    must += [Q("match_phrase", **{field: " ".join(phrase)}) for phrase in text.phrases]
    return Q("bool", must=must)
