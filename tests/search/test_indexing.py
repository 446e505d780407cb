"""The path from an action to the index: the backlog written with the
change, the task on commit, an index that is down (the comment is saved and
shown; search_sync catches up until the index equals the database), retries,
rebuilds that keep answering, and a deleted consultation leaving the index.
Run against Elasticsearch (osmem-server) when ELASTICSEARCH_URL is set, and
against the database backend always."""

import os
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.models import Comment
from moderation import actions as moderation_actions
from search import indexing
from search.backends import get_backend
from search.backends.base import IndexMissing
from search.documents import indexable_comments, load_docs
from search.models import IndexState, PendingIndex
from search.query import INDEXED_STATUSES, SearchQuery, parse_text
from tests.moderation.conftest import post

DEAD = "http://127.0.0.1:9"
needs_elasticsearch = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL (osmem-server)"
)
EVERY = tuple(str(status) for status in INDEXED_STATUSES)


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué opinas?"])


@pytest.fixture
def elasticsearch():
    """The Elasticsearch backend on an alias of this test's own."""
    with override_settings(
        PUENTE_SEARCH_BACKEND="elasticsearch", PUENTE_SEARCH_INDEX=f"test-{uuid.uuid4().hex[:10]}"
    ):
        backend = get_backend()
        yield backend
        backend.clear()


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """Run what actions schedule on commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def found(backend, text, visible=EVERY):
    try:
        result = backend.search(SearchQuery(visible_statuses=visible, text=parse_text(text)))
    except IndexMissing:
        return []  # nothing written yet
    return sorted(hit.id for hit in result.hits)


def database_docs():
    ids = indexable_comments().values_list("pk", flat=True)
    return {doc.id: doc.as_dict() for doc in load_docs(ids)}


def test_a_change_is_written_to_the_backlog_with_the_comment(page, make_user):
    comment = post(make_user(CITIZEN), page, "Más bancas en la plaza.")
    # Not committed yet (the test's transaction): the backlog holds it.
    assert PendingIndex.objects.filter(comment_id=comment.pk).exists()


def test_on_commit_the_backlog_empties(page, make_user, capture):
    with capture():
        comment = post(make_user(CITIZEN), page, "Más bancas en la plaza.")
    assert not PendingIndex.objects.filter(comment_id=comment.pk).exists()
    assert found(get_backend(), "bancas") == [comment.pk]


@needs_elasticsearch
def test_every_action_reaches_elasticsearch(page, make_user, elasticsearch, capture):
    author, reader, moderator = make_user(CITIZEN), make_user(CITIZEN), make_user(MODERATOR)
    with capture():
        comment = post(author, page, "Necesitamos más ciclovías seguras.")
    assert found(elasticsearch, "ciclovias") == [comment.pk]
    with capture():
        comment_actions.do_edit_comment(author, comment, body="Necesitamos más banquetas anchas.")
    assert found(elasticsearch, "ciclovias") == []
    assert found(elasticsearch, "banquetas") == [comment.pk]
    with capture():
        comment_actions.do_react(reader, comment, "agree")
        moderation_actions.do_flag(reader, comment, reason="off_topic")
        comment_actions.do_set_tags(moderator, comment, ["Banquetas"])
    with capture():
        moderation_actions.do_decide(moderator, comment, action="hide", reason="off_topic")
    assert elasticsearch.dump() == database_docs()
    doc = elasticsearch.dump()[comment.pk]
    assert (doc["status"], doc["reasons"], doc["tags"], doc["agree"]) == (
        "hidden",
        ("off_topic",),
        ("Banquetas",),
        1,
    )
    assert found(elasticsearch, "banquetas", visible=("published",)) == []
    with capture():
        moderation_actions.do_decide(moderator, comment, action="restore")
        comment_actions.do_delete_comment(author, comment)
    assert found(elasticsearch, "banquetas") == []
    assert comment.pk not in elasticsearch.dump()


@needs_elasticsearch
def test_index_down_posting_works_and_search_sync_catches_up(
    client, page, make_user, elasticsearch, capture
):
    author, moderator = make_user(CITIZEN), make_user(MODERATOR)
    with capture():
        kept = post(author, page, "Un comentario indexado al principio.")
    with override_settings(ELASTICSEARCH_URL=DEAD), capture():
        client.force_login(author)
        response = client.post(
            f"/api/v1/consultations/{page.pk}/comments/",
            {"body": "Escrito con el índice caído.", "question": page.ordered_questions[0].pk},
            content_type="application/json",
        )
        assert response.status_code == 201
        written = Comment.objects.get(pk=response.json()["id"])
        comment_actions.do_edit_comment(author, kept, body="Editado con el índice caído.")
        moderation_actions.do_decide(moderator, kept, action="hide", reason="spam")
    # Saved and shown to readers all the same.
    thread = client.get(f"/api/v1/consultations/{page.pk}/comments/").json()
    assert written.pk in [c["id"] for c in thread["results"]]
    failures = PendingIndex.objects.filter(comment_id__in=[written.pk, kept.pk])
    assert failures.count() == 2
    assert all(f.attempts >= 1 and f.last_error for f in failures)
    assert found(elasticsearch, "caido") == []

    out = StringIO()
    call_command("search_sync", stdout=out)
    assert "waiting now 0" in out.getvalue()
    assert not PendingIndex.objects.exists()
    assert elasticsearch.dump() == database_docs()
    assert found(elasticsearch, "caido") == sorted([written.pk, kept.pk])
    assert IndexState.get().last_sync is not None


@needs_elasticsearch
def test_search_sync_reports_a_failure_and_keeps_the_backlog(page, make_user, elasticsearch):
    post(make_user(CITIZEN), page, "Pendiente de indexar.")
    with override_settings(ELASTICSEARCH_URL=DEAD), pytest.raises(Exception, match="unavailable"):
        call_command("search_sync", stdout=StringIO())
    assert PendingIndex.objects.get().attempts == 1


@needs_elasticsearch
def test_the_next_successful_task_retries_earlier_failures(page, make_user, elasticsearch, capture):
    author = make_user(CITIZEN)
    with override_settings(ELASTICSEARCH_URL=DEAD), capture():
        lost = post(author, page, "Primero, con el índice caído.")
    assert found(elasticsearch, "indice") == []
    with capture():
        later = post(author, page, "Después, con el índice de vuelta.")
    assert found(elasticsearch, "indice") == sorted([lost.pk, later.pk])
    assert not PendingIndex.objects.exists()


@needs_elasticsearch
def test_rebuild_keeps_answering_and_replays_changes_made_meanwhile(
    page, make_user, elasticsearch, capture, settings
):
    settings.PUENTE_SEARCH_BATCH_SIZE = 3
    author = make_user(CITIZEN)
    with capture():
        comments = [post(author, page, f"Propuesta {n} sobre el mercado.") for n in range(10)]
    answers = []

    def during(count):
        # Searches answer from the old index while the new one fills...
        answers.append(len(found(elasticsearch, "mercado")))
        if len(answers) == 1:
            # ...and a change made now reaches the new index too.
            with capture():
                comment_actions.do_edit_comment(
                    author, comments[0], body="Ahora sobre el tianguis."
                )

    with capture():
        indexing.rebuild(progress=during)
    assert len(answers) == 4
    assert answers[0] == 10 and all(a >= 9 for a in answers)
    assert found(elasticsearch, "tianguis") == [comments[0].pk]
    assert elasticsearch.dump() == database_docs()
    assert IndexState.get().rebuilding_since is None


@needs_elasticsearch
def test_search_rebuild_command(page, make_user, elasticsearch, capture):
    with capture():
        post(make_user(CITIZEN), page, "Algo que indexar.")
    elasticsearch.clear()
    out = StringIO()
    call_command("search_rebuild", "--no-progress", stdout=out)
    assert "indexed 1 comments" in out.getvalue()
    assert elasticsearch.dump() == database_docs()


@needs_elasticsearch
def test_a_deleted_consultation_leaves_the_index(page, make_user, elasticsearch, capture):
    with capture():
        comment = post(make_user(CITIZEN), page, "Comentario de una consulta que se borra.")
    assert comment.pk in elasticsearch.dump()
    with capture():
        page.delete()
    assert elasticsearch.dump() == {}


def test_a_withdrawn_held_comment_leaves_the_index(page, make_user, capture):
    page.moderation_mode = "pre"
    author = make_user(CITIZEN)
    with capture():
        held = post(author, page, "Retenido y luego retirado por su autora.")
    assert found(get_backend(), "retirado") == [held.pk]
    with capture():
        comment_actions.do_delete_comment(author, held)
    assert found(get_backend(), "retirado") == []
