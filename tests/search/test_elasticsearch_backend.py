"""search/backends/elasticsearch.py against a real server (osmem-server, an
OpenSearch-API server, started by tools/services.py): the alias and its
concrete indices, rebuilds that keep answering, a dead cluster, and the
index read back whole. What a search finds is the conformance suite's."""

import os
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from search.backends import get_backend
from search.backends.base import IndexMissing, IndexUnavailable
from search.documents import CommentDoc
from search.query import FacetValue, SearchQuery, parse_text

pytestmark = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL (osmem-server)"
)

EVERY_STATUS = ("published", "hidden", "removed", "held")
START = datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def make_doc(pk, body="Un comentario sobre el transporte.", **fields):
    values = {
        "id": pk,
        "consultation": 1,
        "consultation_title": "Movilidad urbana",
        "question": None,
        "section": 10,
        "parent": None,
        "author": 100 + pk,
        "author_name": f"Persona {pk}",
        "body": body,
        "status": "published",
        "created": START + timedelta(minutes=pk),
        "edited": None,
        "reasons": (),
        "tags": (),
        "flag_count": 0,
        "reply_count": 0,
        "agree": 0,
        "disagree": 0,
        "pass_count": 0,
    }
    values.update(fields)
    return CommentDoc(**values)


def found(backend, text="", **filters):
    query = SearchQuery(visible_statuses=EVERY_STATUS, text=parse_text(text), **filters)
    return [hit.id for hit in backend.search(query).hits]


@pytest.fixture
def backend(settings):
    """The Elasticsearch backend on an alias of its own, removed afterwards."""
    settings.PUENTE_SEARCH_BACKEND = "elasticsearch"
    settings.PUENTE_SEARCH_INDEX = f"test-comments-{uuid.uuid4().hex}"
    backend = get_backend()
    yield backend
    backend.clear()


def indices_named(backend):
    """Every concrete index of this test's alias, whether aliased or not."""
    return sorted(backend.client.indices.get(index=f"{backend.alias}*").body)


def test_first_write_creates_the_index_and_alias(backend):
    assert indices_named(backend) == []
    # Searching before anything exists says so (search/health.py decides
    # whether that is a new site or a lost index).
    with pytest.raises(IndexMissing):
        found(backend)

    backend.index([make_doc(1), make_doc(2)])

    concrete = backend.concrete_indices()
    assert len(concrete) == 1
    assert concrete[0].startswith(f"{backend.alias}-")
    assert indices_named(backend) == concrete
    assert found(backend) == [2, 1]


def test_a_write_after_the_index_vanished_recreates_it(backend):
    backend.index([make_doc(1)])
    # Someone else (another process's clear) removes the index this instance
    # has already checked: the next write must not create a stray index
    # named like the alias with a guessed mapping.
    backend.client.indices.delete(index=backend.concrete_indices()[0])

    backend.index([make_doc(2, tags=("Vivienda",))])

    assert backend.client.indices.exists_alias(name=backend.alias)
    assert found(backend, tag="VIVIENDA") == [2]


def test_rebuild_swaps_the_alias_and_keeps_answering(backend):
    backend.index([make_doc(1, "El transporte público"), make_doc(2, "Las bicicletas")])
    (old_index,) = backend.concrete_indices()
    seen_during_rebuild, progress = [], []

    def report(count):
        progress.append(count)
        seen_during_rebuild.append(found(backend))

    batches = [
        [make_doc(2, "Las bicicletas"), make_doc(3, "Los autobuses nocturnos")],
        [make_doc(4, "Las aceras anchas")],
    ]
    backend.rebuild(iter(batches), report)

    assert progress == [2, 3]
    # Between batches the old index answered, complete and alone.
    assert seen_during_rebuild == [[2, 1], [2, 1]]
    (new_index,) = backend.concrete_indices()
    assert new_index != old_index
    assert indices_named(backend) == [new_index]
    assert found(backend) == [4, 3, 2]
    assert found(backend, "autobús") == [3]
    backend.index([make_doc(5)])
    assert found(backend) == [5, 4, 3, 2]


def test_a_failed_rebuild_leaves_the_old_index_in_place(backend):
    backend.index([make_doc(1)])
    (old_index,) = backend.concrete_indices()

    def batches():
        yield [make_doc(2)]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(batches(), lambda count: None)

    assert backend.concrete_indices() == [old_index]
    assert indices_named(backend) == [old_index]
    assert found(backend) == [1]


def test_rebuild_without_an_alias_creates_it(backend):
    backend.rebuild(iter([[make_doc(1)]]), lambda count: None)

    assert len(backend.concrete_indices()) == 1
    assert found(backend) == [1]


def test_dump_returns_the_documents_as_indexed(backend):
    docs = [
        make_doc(1, "¿Participación? «Sí» — con tildes, ñ y emoji 🚲", tags=("Movilidad",)),
        make_doc(
            2,
            "Respuesta",
            parent=1,
            question=7,
            section=None,
            status="hidden",
            edited=datetime(2024, 3, 2, 8, 0, 0, 654321, tzinfo=timezone(timedelta(hours=-5))),
            reasons=("offensive", "spam"),
            tags=("Agua", "Vivienda"),
            flag_count=3,
            reply_count=1,
            agree=4,
            disagree=5,
            pass_count=6,
        ),
    ]
    backend.index(docs)

    assert backend.dump() == {doc.id: doc.as_dict() for doc in docs}

    backend.remove([1, 999])  # an id never indexed is no error
    assert backend.dump() == {2: docs[1].as_dict()}


def test_index_replaces_a_document(backend):
    backend.index([make_doc(1, "Primera versión", tags=("Agua",))])
    backend.index([make_doc(1, "Segunda versión", status="held", tags=())])

    assert backend.dump()[1]["body"] == "Segunda versión"
    assert found(backend, "primera") == []
    assert found(backend, "segunda", statuses=("held",)) == [1]


def test_remove_before_anything_was_indexed(backend):
    backend.remove([1])

    assert indices_named(backend) == []


def test_search_answers_through_the_shared_types(backend):
    backend.index(
        [
            make_doc(1, "La participación ciudadana importa.", tags=("Vivienda",)),
            make_doc(2, "Public policies for citizens.", consultation=2, tags=("vivienda",)),
            make_doc(3, "Otra cosa", status="hidden", reasons=("spam",)),
        ]
    )

    result = backend.search(
        SearchQuery(visible_statuses=("published",), text=parse_text("participaciones"))
    )
    assert result.total == 1
    assert [hit.id for hit in result.hits] == [1]
    assert str(result.hits[0].highlight) == "La <mark>participación</mark> ciudadana importa."

    result = backend.search(SearchQuery(visible_statuses=EVERY_STATUS))
    assert result.total == 3
    assert all(hit.highlight == "" for hit in result.hits)
    assert result.facets["consultation"] == [FacetValue(1, 2), FacetValue(2, 1)]
    assert result.facets["status"] == [FacetValue("published", 2), FacetValue("hidden", 1)]
    assert result.facets["reason"] == [FacetValue("spam", 1)]
    assert result.facets["tag"] == [FacetValue("Vivienda", 1), FacetValue("vivienda", 1)]

    # Permission: a status outside the visible ones is never searched.
    assert found(backend, statuses=("hidden",)) == [3]
    assert (
        backend.search(SearchQuery(visible_statuses=("published",), statuses=("hidden",))).total
        == 0
    )


def test_deep_pages_answer_counts_without_hits(backend):
    backend.index([make_doc(1)])

    result = backend.search(SearchQuery(visible_statuses=EVERY_STATUS, page=1000, per_page=100))

    assert result.total == 1
    assert result.hits == []


def test_a_dead_cluster_raises_index_unavailable(backend, settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    dead = get_backend()
    assert dead is not backend  # the changed setting dropped the cached backend

    with pytest.raises(IndexUnavailable):
        dead.index([make_doc(1)])
    with pytest.raises(IndexUnavailable):
        dead.remove([1])
    with pytest.raises(IndexUnavailable):
        dead.search(SearchQuery(visible_statuses=EVERY_STATUS, text=parse_text("algo")))
    with pytest.raises(IndexUnavailable):
        dead.rebuild(iter([[make_doc(1)]]), lambda count: None)
    with pytest.raises(IndexUnavailable):
        dead.dump()
    with pytest.raises(IndexUnavailable):
        dead.clear()


def test_a_write_that_may_not_create_the_index_says_it_is_missing(backend):
    with pytest.raises(IndexMissing):
        backend.index([make_doc(1)], create=False)
    assert indices_named(backend) == []

    backend.index([make_doc(1)])
    backend.index([make_doc(2)], create=False)
    assert backend.count() == 2
    # The server lost it after this instance had found the alias.
    backend.client.indices.delete(index=backend.concrete_indices()[0])

    with pytest.raises(IndexMissing):
        backend.index([make_doc(3)], create=False)
    assert indices_named(backend) == []
    with pytest.raises(IndexMissing):
        backend.count()
