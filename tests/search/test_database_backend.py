"""The database backend's own details, beyond the conformance suite: its
text table follows index(), remove() and rebuild(), PostgreSQL answers
from the GIN index, hostile text is only ever text, highlights are escaped,
and a search costs a fixed number of queries."""

import pytest
from django.db import connection
from django.utils import timezone

from comments.models import Comment, CommentStatus
from core.text import fold
from search.analysis import analyse, keys
from search.backends.base import IndexUnavailable
from search.backends.database import (
    SNIPPET_LENGTH,
    DatabaseBackend,
    PostgreSQL,
    Terms,
    highlight,
)
from search.documents import docs_for, iter_all_docs, load_docs
from search.highlight import END, START
from search.query import FACETS, INDEXED_STATUSES, SearchQuery, parse_text

pytestmark = pytest.mark.django_db

MODERATOR_VIEW = tuple(str(status) for status in INDEXED_STATUSES)


def query(text="", **criteria):
    return SearchQuery(visible_statuses=MODERATOR_VIEW, text=parse_text(text), **criteria)


def found(backend, text, **criteria):
    return {hit.id for hit in backend.search(query(text, per_page=100, **criteria)).hits}


@pytest.fixture
def backend(db):
    chosen = DatabaseBackend()
    chosen.clear()
    return chosen


@pytest.fixture
def write(make_consultation, make_user):
    """write(body, status=...) -> a comment on one consultation, not indexed."""
    page = make_consultation(questions=["¿Qué opinas?"])
    author = make_user()

    def make(body, status=CommentStatus.PUBLISHED):
        comment = Comment.objects.create(
            consultation=page,
            question=page.ordered_questions[0],
            author=author,
            body=body,
            status=status,
            created=timezone.now(),
            seq=0,
        )
        comment.root = comment
        comment.save(update_fields=["root"])
        return comment

    return make


def index(backend, *comments):
    backend.index(load_docs([comment.pk for comment in comments]))


def table_rows():
    column = "comment_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column}, body FROM comment_search_text")  # noqa: S608
        return dict(cursor.fetchall())


# Analysis.


def test_spanish_and_english_keys_fold_accents_case_and_plurals():
    spanish = {keys(word)[0] for word in ("participación", "participacion", "PARTICIPACIONES")}
    english = {keys(word)[1] for word in ("policy", "Policies")}
    assert len(spanish) == 1 and len(english) == 1
    assert fold("CICLOVÍA Ñandú") == "ciclovia nandu"
    assert analyse("¡Hola, mundo!") == (["hol", "mund"], ["hola", "mundo"])


# The text table follows the writes.


def test_index_edit_and_remove_keep_the_table_in_step(backend, write):
    comment = write("Pedimos una ciclovía segura.")
    assert found(backend, "ciclovia") == set()  # not indexed yet
    index(backend, comment)
    assert table_rows() == {comment.pk: comment.body}
    assert found(backend, "ciclovias") == {comment.pk}

    comment.body = "Mejor un tranvía."
    comment.save(update_fields=["body"])
    index(backend, comment)
    assert table_rows() == {comment.pk: "Mejor un tranvía."}
    assert found(backend, "ciclovia") == set()
    assert found(backend, "tranvia") == {comment.pk}

    backend.remove([comment.pk])
    assert table_rows() == {}
    assert found(backend, "tranvia") == set()
    backend.remove([comment.pk])  # removing what is not there is fine


def test_dump_shows_the_text_as_indexed(backend, write):
    comment = write("Texto original.")
    index(backend, comment)
    Comment.objects.filter(pk=comment.pk).update(body="Texto cambiado.")
    dumped = backend.dump()
    assert dumped[comment.pk]["body"] == "Texto original."
    assert dumped[comment.pk]["id"] == comment.pk
    index(backend, comment)
    assert backend.dump() == {comment.pk: load_docs([comment.pk])[0].as_dict()}


def test_rebuild_replaces_everything_and_reports_progress(backend, write):
    kept = [write(f"Comentario número {n} sobre árboles.") for n in range(5)]
    gone = write("Borrado por su autora.", status=CommentStatus.DELETED)
    index(backend, kept[0])
    # A row for a comment that has left the index, as a missed removal leaves.
    backend.index(docs_for([gone]))
    assert set(table_rows()) == {kept[0].pk, gone.pk}
    seen = []
    backend.rebuild(iter_all_docs(2), seen.append)
    assert seen == [2, 4, 5]
    assert set(table_rows()) == {comment.pk for comment in kept}
    assert set(backend.dump()) == {comment.pk for comment in kept}
    assert found(backend, "arbol") == {comment.pk for comment in kept}


def test_a_failed_write_is_index_unavailable_and_leaves_the_transaction_usable(backend, write):
    comment = write("Algo.")
    docs = load_docs([comment.pk])
    with connection.cursor() as cursor:
        # Undone with the test's transaction.
        cursor.execute("DROP TABLE comment_search_text")
    with pytest.raises(IndexUnavailable):
        backend.index(docs)
    # The failure rolled back to its savepoint: the caller's transaction
    # still works.
    assert Comment.objects.filter(pk=comment.pk).exists()


# PostgreSQL: the GIN index serves the text match.


@pytest.mark.postgres_only
def test_postgresql_text_match_uses_the_gin_index(backend):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    engine = PostgreSQL()
    words = ["agua", "calle", "parque", "escuela", "ruido", "árboles", "vecinos", "basura"]
    # A few thousand comments of realistic length that never say "semáforo".
    bodies = (
        (n, " ".join(words[(n * k) % 8] for k in range(1, 40)) + f" comentario {n}")
        for n in range(1, 5001)
    )
    rows = [(n, body, engine.vector(body)) for n, body in bodies]
    rows.append((9999, "Un semáforo inteligente.", engine.vector("Un semáforo inteligente.")))
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO comment_search_text (comment_id, body, vector) "
            "VALUES (%s, %s, %s::tsvector)",
            rows,
        )
        engine.after_rebuild(cursor)
        param = engine.match_param(Terms(parse_text("semaforos")))
        cursor.execute("EXPLAIN " + engine.matching_ids(), [param])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "comment_search_text_vector_idx" in plan, plan
        cursor.execute(engine.matching_ids(), [param])
        assert cursor.fetchall() == [(9999,)]


# Hostile text is text.

HOSTILE = [
    '"',
    '""',
    '"participación',
    'a" OR "b',
    "NEAR(a b, 2)",
    "a AND b OR NOT c",
    "* ^ : ( ) - + { } [ ]",
    "es : participación",
    "col:word",
    "'; DROP TABLE comments_comment; --",
    "\\' \\\\ \\x00",
    "a & b | !c <-> d:* 'e'",
    "🙂 participación 👍🏽",
    "e\u0301 n\u0303",  # combining marks
    "مشاركة المواطنين",  # right to left
    "\u202eparticipación\u202c",
    "x" * 500,
    " ".join(["palabra"] * 32),
    "_ __ ___",
    "١٢٣ ½ ² Ⅻ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_returns_normally(backend, write, text):
    comment = write("Participación de los vecinos near the river; AND OR NOT.")
    index(backend, comment)
    result = backend.search(query(text))
    assert result.total == len(result.hits)
    assert set(result.facets) == set(FACETS)


def test_query_syntax_words_are_plain_words(backend, write):
    comment = write("We live near the river, and not far.")
    other = write("Lejos del río.")
    index(backend, comment, other)
    assert found(backend, "NEAR") == {comment.pk}
    assert found(backend, "not AND") == {comment.pk}
    assert found(backend, '"near the"') == {comment.pk}
    assert found(backend, "OR") == set()


# Highlights.


def test_highlight_escapes_the_body_and_marks_only_matches(backend, write):
    body = f'<script>alert("x")</script> & <mark>falso</mark> {START}forjado{END} participación'
    comment = write(body)
    index(backend, comment)
    [hit] = backend.search(query("participaciones")).hits
    html = str(hit.highlight)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in html
    assert "&lt;mark&gt;falso&lt;/mark&gt;" in html
    assert "<mark>participación</mark>" in html
    assert html.count("<mark>") == 1
    assert START not in html and END not in html
    assert "forjado" in html


def test_highlight_of_a_long_body_is_a_snippet_around_the_first_match():
    body = "relleno " * 100 + "Un semáforo en rojo. " + "relleno " * 100
    html = str(highlight(body, {"es": {keys("semaforo")[0]}, "en": set()}))
    assert "<mark>semáforo</mark>" in html
    text = html.replace("<mark>", "").replace("</mark>", "")
    assert len(text) <= SNIPPET_LENGTH
    assert not text.startswith("elleno")  # cut at a word boundary


def test_highlight_without_matches_is_the_beginning():
    html = str(highlight("palabra " * 100, {"es": {"nada"}, "en": set()}))
    assert "<mark>" not in html and html.startswith("palabra")


# Cost.


def test_a_search_makes_two_queries_however_many_match(backend, write, django_assert_num_queries):
    comments = [write(f"Participación número {n}.") for n in range(30)]
    index(backend, *comments)
    for text in ("participación", ""):
        with django_assert_num_queries(2):
            result = backend.search(query(text, per_page=25))
        assert (result.total, len(result.hits)) == (30, 25)
    with django_assert_num_queries(1):
        assert backend.search(query("inexistente")).total == 0
