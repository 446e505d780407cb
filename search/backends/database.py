"""The comment index in the database itself: PostgreSQL full text (a tsvector
table with a GIN index) or SQLite FTS5, whichever the database is.

Only the text lives in the index table (comment_search_text, made by
migration 0002), already analysed by search/analysis.py; every filter,
facet, order and page is a query on the live comments table, so statuses,
flags and themes are always current and only the text waits for index().
User text reaches SQL only as parameters, and inside them only as quoted
lexemes (tsquery) or quoted strings (FTS5 syntax), never as operators."""

import json
from collections import defaultdict
from functools import lru_cache

from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL

from comments.models import Comment, CommentStatus, TaggedComment, Theme
from moderation.models import Flag
from search.analysis import analyse, keys
from search.backends.base import IndexUnavailable, SearchBackend
from search.documents import CommentDoc, docs_for
from search.filters import filtered_comments, searched_statuses
from search.highlight import END, START, markup, strip_markers
from search.models import SummaryTerm
from search.query import FACETS, WORD, Hit, SearchResult, sort_facet
from search.terms import BUCKETS, TermCounts, bucket, summary_terms

# The index table (migration 0002); its name is written out in each
# statement rather than formatted in.
TABLE = "comment_search_text"
COMMENTS = Comment._meta.db_table
SNIPPET_LENGTH = 300
# Ids per query when reading comments back, below SQLite's parameter limit.
CHUNK = 500


class Terms:
    """A query's text as index keys: one route of words and phrases per
    language; a route is None when a word has no usable key in it."""

    def __init__(self, text):
        self.routes = {}
        if not text:
            return
        for position, language in enumerate(("es", "en")):
            words = [keys(word)[position] for word in text.words]
            phrases = [[keys(word)[position] for word in phrase] for phrase in text.phrases]
            usable = all(words) and all(all(phrase) for phrase in phrases)
            self.routes[language] = (words, phrases) if usable else None

    def __bool__(self):
        return any(self.routes.values())

    def key_sets(self):
        """Every key per language, to find the matched words of a body."""
        found = {}
        for language, route in self.routes.items():
            words, phrases = route or ((), ())
            found[language] = set(words).union(*map(set, phrases))
        return found


class PostgreSQL:
    # English keys get their own namespace in the one tsvector, so a query's
    # Spanish route cannot be satisfied by English keys or the other way round.
    PREFIX = {"es": "", "en": "~"}
    PREFIXES = ("", "~")  # analyse's order: Spanish, English
    MAX_POSITION = 16383  # PostgreSQL's largest word position
    MAX_POSITIONS = 256  # positions PostgreSQL keeps per lexeme

    def delete(self, cursor, ids):
        cursor.execute("DELETE FROM comment_search_text WHERE comment_id = ANY(%s)", [ids])

    def bodies(self):
        return "SELECT comment_id, body FROM comment_search_text"

    @staticmethod
    @lru_cache(maxsize=100_000)
    def lexeme(key):
        return "'" + key.replace("\\", "\\\\").replace("'", "''") + "'"

    def vector(self, body):
        """A tsvector literal of the body's keys and their positions."""
        positions = defaultdict(list)
        limit = self.MAX_POSITION
        for prefix, found in zip(self.PREFIXES, analyse(body), strict=True):
            for position, key in enumerate(found, 1):
                spots = positions[prefix + key]
                # Ascending already; only positions past the limit repeat it.
                if len(spots) < self.MAX_POSITIONS and not (spots and spots[-1] == limit):
                    spots.append(min(position, limit))
        lexeme = self.lexeme
        return " ".join(
            f"{lexeme(key)}:{','.join(map(str, spots))}" for key, spots in positions.items()
        )

    def match_param(self, terms):
        routes = []
        for language, route in terms.routes.items():
            if route is None:
                continue
            words, phrases = route
            prefix = self.PREFIX[language]
            parts = [self.lexeme(prefix + word) for word in words] + [
                "(" + " <-> ".join(self.lexeme(prefix + word) for word in phrase) + ")"
                for phrase in phrases
            ]
            routes.append("(" + " & ".join(parts) + ")")
        return " | ".join(routes)

    def matching_ids(self):
        return "SELECT comment_id FROM comment_search_text WHERE vector @@ %s::tsquery"

    def join(self):
        return (
            [f"{TABLE}.comment_id = {COMMENTS}.id", f"{TABLE}.vector @@ %s::tsquery"],
            f"ts_rank({TABLE}.vector, %s::tsquery)",
        )

    def after_rebuild(self, cursor):
        # Bulk inserts wait in the GIN index's pending list, which every
        # search would scan and which makes the planner shun the index; and
        # fresh statistics tell the planner when the index pays.
        cursor.execute("SELECT gin_clean_pending_list('comment_search_text_vector_idx')")
        cursor.execute("ANALYZE comment_search_text")

    def write(self, cursor, docs):
        cursor.executemany(
            "INSERT INTO comment_search_text (comment_id, body, vector) "
            "VALUES (%s, %s, %s::tsvector) ON CONFLICT (comment_id) "
            "DO UPDATE SET body = EXCLUDED.body, vector = EXCLUDED.vector",
            [(doc.id, doc.body, self.vector(doc.body)) for doc in docs],
        )


class SQLite:
    def delete(self, cursor, ids):
        cursor.execute(
            "DELETE FROM comment_search_text WHERE rowid IN (SELECT value FROM json_each(%s))",
            [json.dumps(ids)],
        )

    def bodies(self):
        return "SELECT rowid, body FROM comment_search_text"

    @staticmethod
    def string(keys_):
        """An FTS5 string: the keys as a phrase, never as query syntax."""
        return '"' + " ".join(keys_).replace('"', '""') + '"'

    def match_param(self, terms):
        routes = []
        for column, route in terms.routes.items():
            if route is None:
                continue
            words, phrases = route
            parts = [f"{column} : {self.string([word])}" for word in words] + [
                f"{column} : {self.string(phrase)}" for phrase in phrases
            ]
            routes.append("(" + " AND ".join(parts) + ")")
        return " OR ".join(routes)

    def matching_ids(self):
        return "SELECT rowid FROM comment_search_text WHERE comment_search_text MATCH %s"

    def join(self):
        # bm25() is lower for better matches.
        return ([f"{TABLE}.rowid = {COMMENTS}.id", f"{TABLE} MATCH %s"], f"-bm25({TABLE})")

    def after_rebuild(self, cursor):
        pass

    def write(self, cursor, docs):
        self.delete(cursor, [doc.id for doc in docs])
        rows = []
        for doc in docs:
            es, en = analyse(doc.body)
            rows.append((doc.id, " ".join(es), " ".join(en), doc.body))
        cursor.executemany(
            "INSERT INTO comment_search_text (rowid, es, en, body) VALUES (%s, %s, %s, %s)", rows
        )


ENGINES = {"postgresql": PostgreSQL, "sqlite": SQLite}


def engine():
    try:
        return ENGINES[connection.vendor]()
    except KeyError:
        raise IndexUnavailable(f"No comment index for {connection.vendor}.") from None


class DatabaseBackend(SearchBackend):
    name = "database"
    keeps_copy = True

    # Writing.

    def index(self, docs, *, create=True):
        # The database's index always exists: `create` has nothing to do.
        if not docs:
            return
        with self._writing() as cursor:
            engine().write(cursor, docs)
            write_terms(cursor, docs)

    def remove(self, ids):
        chosen = engine()
        ids = [int(comment_id) for comment_id in ids]
        with self._writing() as cursor:
            chosen.delete(cursor, ids)
            delete_terms(ids)

    def rebuild(self, batches, progress):
        """One transaction: searches answer from the old rows until it
        commits (PostgreSQL readers never wait; SQLite readers may wait
        briefly for the commit)."""
        chosen = engine()
        count = 0
        with self._writing() as cursor:
            cursor.execute("DELETE FROM comment_search_text")
            SummaryTerm.objects.all().delete()
            for batch in batches:
                chosen.write(cursor, batch)
                write_terms(cursor, batch, fresh=True)
                count += len(batch)
                progress(count)
            chosen.after_rebuild(cursor)
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {SummaryTerm._meta.db_table}")
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Summary terms are counted from their indexes alone once the
            # table's pages are marked all-visible, which a bulk load leaves
            # to autovacuum; VACUUM cannot run in a transaction (tests).
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {SummaryTerm._meta.db_table}")

    def clear(self):
        with self._writing() as cursor:
            cursor.execute("DELETE FROM comment_search_text")
            SummaryTerm.objects.all().delete()

    def dump(self):
        """The comments whose text is indexed, with the text as indexed; the
        rest comes from the comments table, which every search reads live."""
        with connection.cursor() as cursor:
            cursor.execute(engine().bodies())
            bodies = dict(cursor.fetchall())
        dumped = {}
        ids = sorted(bodies)
        for start in range(0, len(ids), CHUNK):
            comments = (
                Comment.objects.filter(pk__in=ids[start : start + CHUNK])
                .select_related("consultation", "author")
                .order_by("pk")
            )
            for doc in docs_for(list(comments)):
                dumped[doc.id] = {**doc.as_dict(), "body": bodies[doc.id]}
        # A row whose comment is gone still shows, so a check finds it.
        blank = dict.fromkeys(CommentDoc.__dataclass_fields__)
        for comment_id in set(ids) - set(dumped):
            dumped[comment_id] = {**blank, "id": comment_id, "body": bodies[comment_id]}
        return dumped

    class _writing:
        """A transaction whose database errors become IndexUnavailable."""

        def __enter__(self):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.cursor = connection.cursor()
            return self.cursor

        def __exit__(self, kind, error, trace):
            self.cursor.close()
            self.atomic.__exit__(kind, error, trace)
            if isinstance(error, DatabaseError):
                raise IndexUnavailable(str(error)) from error
            return False

    # Searching.

    def search(self, query):
        chosen = engine()
        filtered = filtered_comments(query)
        terms = Terms(query.text)
        if (query.text and not terms) or not searched_statuses(query):
            return SearchResult(0, [], {name: [] for name in FACETS})
        matching = filtered
        if terms:
            param = chosen.match_param(terms)
            # Fixed SQL; the text reaches it only as a parameter.
            matching = filtered.filter(id__in=RawSQL(chosen.matching_ids(), [param]))  # noqa: S611
        try:
            facets, total = self._facets(matching)
            hits = self._hits(query, filtered, chosen, terms, total)
        except DatabaseError as error:
            raise IndexUnavailable(str(error)) from error
        return SearchResult(total, hits, facets)

    @staticmethod
    def _facets(matching):
        """Every facet's counts over every match in one statement, so the
        text match runs once however many facets and matches there are.
        Each comment has one status, so the status counts add up to the
        total."""
        inner, params = (
            matching.order_by().values("id", "status", "consultation_id").query.sql_with_params()
        )
        materialized = "MATERIALIZED" if _materialized_ctes() else ""
        flag, tagged, theme = (
            Flag._meta.db_table,
            TaggedComment._meta.db_table,
            Theme._meta.db_table,
        )
        statement = f"""
            WITH matched AS {materialized} ({inner})
            SELECT 'status', status, consultation_id, COUNT(*)
                FROM matched GROUP BY status, consultation_id
            UNION ALL
            SELECT 'reason', reason, NULL, COUNT(DISTINCT comment_id)
                FROM {flag} WHERE comment_id IN (SELECT id FROM matched) GROUP BY reason
            UNION ALL
            SELECT 'tag', theme.name, NULL, COUNT(DISTINCT tagged.content_object_id)
                FROM {tagged} tagged JOIN {theme} theme ON theme.id = tagged.tag_id
                WHERE tagged.content_object_id IN (SELECT id FROM matched) GROUP BY theme.name
        """  # noqa: S608 - table names from the models; values only as parameters
        counts = {name: defaultdict(int) for name in FACETS}
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            for facet, value, consultation, count in cursor.fetchall():
                if facet == "status":
                    counts["status"][value] += count
                    counts["consultation"][consultation] += count
                else:
                    counts[facet][value] += count
        total = sum(counts["status"].values())
        return {name: sort_facet(counts[name]) for name in FACETS}, total

    @staticmethod
    def _hits(query, filtered, chosen, terms, total):
        if query.offset >= total:
            return []
        window = slice(query.offset, query.offset + query.per_page)
        if not terms:
            ids = filtered.order_by("-created", "-id").values_list("id", flat=True)[window]
            return [Hit(comment_id) for comment_id in ids]
        param = chosen.match_param(terms)
        where, rank = chosen.join()
        rows = (
            filtered.extra(  # noqa: S610 - fixed SQL; the only input is a parameter
                tables=[TABLE],
                where=where,
                params=[param],
                select={"relevance": rank},
                select_params=[param] if "%s" in rank else [],
            )
            .order_by("-relevance", "-created", "-id")
            .values_list("id", "body")[window]
        )
        found = terms.key_sets()
        return [Hit(comment_id, highlight(body, found)) for comment_id, body in rows]

    # Summary terms: counted in the database from SummaryTerm, every group
    # in one statement.

    def term_counts(self, groups):
        parts, params = [], []
        for position, group in enumerate(groups):
            sql, values = _term_count_sql(position, group)
            if sql:
                parts.append(sql)
                params += values
        if not parts:
            return []
        statement = " UNION ALL ".join(parts)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                rows = cursor.fetchall()
        except DatabaseError as error:
            raise IndexUnavailable(str(error)) from error
        totals = [0] * len(groups)
        counts = [defaultdict(int) for _ in groups]
        forms = [defaultdict(dict) for _ in groups]
        for position, term, form, count in rows:
            if term is None:
                totals[position] = count
                continue
            counts[position][term] += count
            if form:
                forms[position][term][form] = count
        return [
            TermCounts(totals[position], dict(counts[position]), dict(forms[position]))
            for position in range(len(groups))
        ]


def _term_count_sql(position, group):
    """SQL for one TermGroup's rows of (group position, term, form, count):
    its total as a row whose term is NULL (its comments' own rows, term ""),
    and its terms."""
    rows = _term_rows(group).order_by()
    parts, params = [], []
    if group.total:
        inner, values = _comment_rows(group).values("term").query.sql_with_params()
        parts.append(f"SELECT {position:d}, NULL, NULL, COUNT(*) FROM ({inner}) comments")  # noqa: S608
        params += values
    if group.keys is not None:
        if group.keys:
            inner, values = (
                rows.filter(term__in=group.keys).values("term", "form").query.sql_with_params()
            )
            form, by = ("form", ", form") if group.forms else ("''", "")
            parts.append(
                f"SELECT {position:d}, term, {form}, COUNT(*) FROM ({inner}) terms "  # noqa: S608
                f"GROUP BY term{by}"
            )
            params += values
    elif group.size:
        inner, values = rows.exclude(term="").values("term").query.sql_with_params()
        collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
        parts.append(
            f"SELECT * FROM (SELECT {position:d}, term, '', COUNT(*) FROM ({inner}) terms "  # noqa: S608
            f"GROUP BY term HAVING COUNT(*) >= %s "
            f"ORDER BY COUNT(*) DESC, term{collate} LIMIT %s) ranked{position:d}"
        )
        params += [*values, group.min_count, group.size]
    return " UNION ALL ".join(parts), params


def write_terms(cursor, docs, fresh=False):
    """Replace these comments' summary terms: rows for the published ones."""
    if not fresh:
        delete_terms([doc.id for doc in docs])
    # Each published comment's terms, and its own row (term "").
    published = [
        (doc, summary_terms(doc.body)) for doc in docs if doc.status == CommentStatus.PUBLISHED
    ]
    if not published:
        return
    table = SummaryTerm._meta.db_table
    columns = "comment_id, term, form, consultation_id, question, section, created, bucket"
    if connection.vendor == "postgresql":
        # COPY's text format written whole: several times faster than
        # INSERT, and than COPY row by row, for the rows of a batch.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write("".join(_copy_lines(doc, terms) for doc, terms in published))
        return
    rows = [
        (doc.id, key, form, doc.consultation, doc.question, doc.section, doc.created, sampled)
        for doc, terms in published
        for sampled in [bucket(doc.id)]
        for key, form in [("", ""), *terms.items()]
    ]
    cursor.executemany(
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
        rows,
    )


# COPY's text format: these characters are escaped in a field.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_lines(doc, terms):
    """A comment's rows in COPY's text format: its own (term "") and one
    per term, in the columns' order."""
    tail = "\t".join(
        (
            "",
            str(doc.consultation),
            "\\N" if doc.question is None else str(doc.question),
            "\\N" if doc.section is None else str(doc.section),
            doc.created.isoformat(),
            f"{bucket(doc.id)}\n",
        )
    )
    head = f"{doc.id}\t"
    return "".join(
        [
            f"{head}\t{tail}",
            *(
                f"{head}{key.translate(_COPY_ESCAPES)}\t{form.translate(_COPY_ESCAPES)}{tail}"
                for key, form in terms.items()
            ),
        ]
    )


def delete_terms(ids):
    for start in range(0, len(ids), CHUNK):
        SummaryTerm.objects.filter(comment_id__in=ids[start : start + CHUNK]).delete()


def _term_rows(group):
    """The group's SummaryTerm rows. Filtered by section, theme or date,
    they are the terms of the comments whose own rows (term "") match:
    those are found first (summary_term_comment_idx), then their terms by
    the primary key, rather than reading all the consultation's (or
    question's) term rows to keep a week's."""
    if _narrowed(group):
        comments = _comment_rows(group).values("comment_id")
        return SummaryTerm.objects.filter(comment_id__in=comments)
    rows = SummaryTerm.objects.all()
    if group.consultation is not None:
        rows = rows.filter(consultation_id=group.consultation)
    if group.question is not None:
        rows = rows.filter(question=group.question)
    if group.buckets < BUCKETS:
        rows = rows.filter(bucket__lt=group.buckets)
    return rows


def _narrowed(group):
    return (
        group.section is not None
        or bool(group.tag)
        or group.since is not None
        or group.until is not None
    )


def _comment_rows(group):
    """The group's comments: their own rows (term "")."""
    rows = SummaryTerm.objects.filter(term="")
    if group.consultation is not None:
        rows = rows.filter(consultation_id=group.consultation)
    if group.question is not None:
        rows = rows.filter(question=group.question)
    if group.section is not None:
        rows = rows.filter(section=group.section)
    if group.tag:
        rows = rows.filter(
            comment_id__in=TaggedComment.objects.filter(tag__name__iexact=group.tag).values(
                "content_object_id"
            )
        )
    if group.since is not None:
        rows = rows.filter(created__gte=group.since)
    if group.until is not None:
        rows = rows.filter(created__lt=group.until)
    if group.buckets < BUCKETS:
        rows = rows.filter(bucket__lt=group.buckets)
    return rows


def _materialized_ctes():
    # PostgreSQL 12 and SQLite 3.35 know the keyword; older SQLite
    # materialises a CTE used twice anyway.
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version_info >= (3, 35)
    return True


def highlight(body, found):
    """Safe HTML: a passage of at most SNIPPET_LENGTH characters around the
    first matched word, every matched word (as written) in <mark>."""
    body = strip_markers(body)
    spans = []
    for match in WORD.finditer(body):
        es, en = keys(match.group())
        if es in found["es"] or en in found["en"]:
            spans.append(match.span())
    start, end = 0, len(body)
    if len(body) > SNIPPET_LENGTH:
        first = spans[0][0] if spans else 0
        start = max(0, first - SNIPPET_LENGTH // 4)
        if start:
            space = body.find(" ", start, first)
            start = space + 1 if space != -1 else start
        end = min(len(body), start + SNIPPET_LENGTH)
        if end < len(body):
            space = body.rfind(" ", first, end)
            end = space if space > first else end
    pieces, position = [], start
    for span_start, span_end in spans:
        if span_start >= start and span_end <= end:
            pieces += [body[position:span_start], START, body[span_start:span_end], END]
            position = span_end
    pieces.append(body[position:end])
    return markup("".join(pieces).strip())
