"""An index the search server lost (search/health.py): a server restarted
empty, or left with part of its documents, makes moderators' searches and
the summaries answer 503, queues one rebuild through the worker, and the
worker's rebuild brings the answers back; a whole index, a new site's and
the database backend are left alone. Against osmem-server (tools/services.py),
whose indices the tests delete as a restart would.

Tests that run the real worker (db_worker) are transactional, as
tests/search/test_worker.py: the worker drops a connection left inside a
transaction. The others run the queued task themselves."""

import os
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.roles import CITIZEN, MODERATOR, PLANNER
from comments.models import Comment
from search import health, indexing, results
from search.backends import get_backend
from search.backends.base import IndexRebuilding
from search.documents import indexable_comments, load_docs
from search.models import IndexState, PendingIndex
from search.query import SearchQuery, parse_text
from search.significance import significant_terms
from tests.moderation.conftest import post

needs_elasticsearch = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL (osmem-server)"
)
SEARCH = "/api/v1/moderation/search/"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
REBUILDS = "search.indexing.rebuild_lost_index"


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué opinas?"])


@pytest.fixture
def live_page(live_consultation, no_rate_limits):
    """A consultation for the tests that run the worker (transactional)."""
    return live_consultation


@pytest.fixture
def moderator(make_user):
    client = Client()
    client.force_login(make_user(MODERATOR))
    return client


@pytest.fixture
def elasticsearch(settings):
    """The Elasticsearch backend on an alias of this test's own."""
    settings.PUENTE_SEARCH_BACKEND = "elasticsearch"
    settings.PUENTE_SEARCH_INDEX = f"test-health-{uuid.uuid4().hex[:10]}"
    backend = get_backend()
    yield backend
    for index in backend.client.indices.get(index=f"{backend.alias}*").body:
        backend.drop_quietly(index)


def post_indexed(backend, page, author, count=3):
    """Comments on the bus, posted, then sent to the index as their task
    would send them."""
    comments = [post(author, page, f"El autobús {n} pasa tarde.") for n in range(count)]
    indexing.sync([comment.pk for comment in comments])
    assert found(backend) == ids(comments)
    return comments


@pytest.fixture
def indexed(page, make_user, elasticsearch):
    return post_indexed(elasticsearch, page, make_user(CITIZEN))


@pytest.fixture
def queued_tasks(settings):
    """Tasks wait in the database for a worker, as in production."""
    settings.TASKS = DATABASE_TASKS


def found(backend, text="autobus"):
    query = SearchQuery(visible_statuses=("published",), text=parse_text(text), per_page=100)
    return sorted(hit.id for hit in backend.search(query).hits)


def ids(comments):
    return sorted(comment.pk for comment in comments)


def restart_empty(backend):
    """What a search server restarted without its data holds: nothing."""
    for index in backend.client.indices.get(index=f"{backend.alias}*").body:
        backend.client.indices.delete(index=index)


def rebuilds_queued():
    return DBTaskResult.objects.filter(task_path=REBUILDS).count()


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def run_queued_rebuild():
    """What the worker would do with the queued rebuild, here and now."""
    queued = DBTaskResult.objects.get(task_path=REBUILDS)
    queued.task.call(*queued.task_result.args, **queued.task_result.kwargs)


def database_docs():
    wanted = indexable_comments().values_list("pk", flat=True)
    return {doc.id: doc.as_dict() for doc in load_docs(wanted)}


def search(client, text="autobús"):
    return client.get(SEARCH, {"q": text})


@needs_elasticsearch
def test_a_whole_index_answers_and_queues_nothing(indexed, moderator, queued_tasks):
    response = search(moderator)

    assert response.status_code == 200
    assert sorted(r["id"] for r in response.json()["results"]) == ids(indexed)
    assert rebuilds_queued() == 0
    assert IndexState.get().rebuild_requested is None


@needs_elasticsearch
def test_a_lost_index_answers_503_rebuilds_once_through_the_worker_and_answers_again(
    live_page, make_user, moderator, elasticsearch, queued_tasks
):
    indexed = post_indexed(elasticsearch, live_page, make_user(CITIZEN))
    search(moderator)  # the index was whole: remembered as such
    restart_empty(elasticsearch)

    first, second = search(moderator), search(moderator)
    admin_page = moderator.get(reverse("search_admin:search"), {"q": "autobús"})

    for response in (first, second):
        assert response.status_code == 503
        assert response["Retry-After"] == "120"
        assert response.json() == {
            "detail": health.unavailable_message(IndexRebuilding()),
            "code": "search_unavailable",
            "retry_after": 120,
        }
    assert admin_page.status_code == 503
    assert admin_page["Retry-After"] == "120"
    assert health.unavailable_message(IndexRebuilding()) in admin_page.content.decode()
    assert rebuilds_queued() == 1

    run_worker()

    response = search(moderator)
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.json()["results"]) == ids(indexed)
    assert elasticsearch.dump() == database_docs()
    assert IndexState.get().rebuild_requested is None
    assert [t.status for t in DBTaskResult.objects.filter(task_path=REBUILDS)] == ["SUCCESSFUL"]
    # Whole again: nothing more is queued.
    cache.clear()
    assert search(moderator).status_code == 200
    assert rebuilds_queued() == 1


@needs_elasticsearch
def test_a_write_never_restarts_a_lost_index_with_itself_alone(
    live_page, make_user, elasticsearch, queued_tasks
):
    indexed = post_indexed(elasticsearch, live_page, make_user(CITIZEN))
    restart_empty(elasticsearch)
    # Committed (a transactional test): its task waits for the worker.
    late = post(make_user(CITIZEN), live_page, "Otro autobús que no llega.")

    # The write's own task: it must not start an index holding it alone.
    outcome = indexing.sync([late.pk])

    assert outcome.failed == 1
    assert not elasticsearch.client.indices.exists_alias(name=elasticsearch.alias)
    assert elasticsearch.client.indices.get(index=f"{elasticsearch.alias}*").body == {}
    assert PendingIndex.objects.get(comment_id=late.pk).attempts == 1
    assert rebuilds_queued() == 1

    run_worker()  # the write's task and the rebuild, in either order

    assert found(elasticsearch) == ids([*indexed, late])
    assert elasticsearch.dump() == database_docs()
    assert not PendingIndex.objects.exists()
    assert rebuilds_queued() == 1


@needs_elasticsearch
def test_a_new_site_searches_nothing_and_its_first_write_creates_the_index(
    page, make_user, moderator, elasticsearch, queued_tasks
):
    assert not elasticsearch.client.indices.exists_alias(name=elasticsearch.alias)

    response = search(moderator)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert rebuilds_queued() == 0

    comment = post(make_user(CITIZEN), page, "El primer autobús del barrio.")
    indexing.sync([comment.pk])

    assert found(elasticsearch) == [comment.pk]
    assert rebuilds_queued() == 0


def make_comments(page, author, count):
    """`count` published comments straight into the database (faster than
    the actions; nothing here is about posting)."""
    return [
        Comment.objects.create(
            consultation=page,
            question=page.ordered_questions[0],
            author=author,
            body=f"El autobús número {n} pasa tarde.",
            created=timezone.now(),
            seq=0,
        )
        for n in range(count)
    ]


def drop_documents(backend, comments):
    backend.remove([comment.pk for comment in comments])
    backend.refresh_now()


@needs_elasticsearch
def test_an_index_left_with_less_than_half_is_lost(
    page, make_user, moderator, elasticsearch, queued_tasks
):
    comments = make_comments(page, make_user(CITIZEN), 24)
    indexing.rebuild()
    # The server kept 10 of the 24 documents.
    drop_documents(elasticsearch, comments[:14])

    assert search(moderator).status_code == 503
    assert search(moderator).status_code == 503
    assert rebuilds_queued() == 1

    run_queued_rebuild()

    response = search(moderator)
    assert response.status_code == 200
    assert response.json()["count"] == 24
    assert IndexState.get().rebuild_requested is None


@needs_elasticsearch
def test_an_index_short_of_a_few_documents_still_answers(
    page, make_user, moderator, elasticsearch, queued_tasks
):
    comments = make_comments(page, make_user(CITIZEN), 24)
    indexing.rebuild()
    # 19 of 24: drift (a change nobody scheduled), not a loss; search_sync
    # and search_rebuild are for that.
    drop_documents(elasticsearch, comments[:5])

    response = search(moderator)

    assert response.status_code == 200
    assert response.json()["count"] == 19
    assert rebuilds_queued() == 0


@needs_elasticsearch
def test_comments_waiting_in_the_backlog_are_not_counted_as_lost(
    page, make_user, moderator, elasticsearch, queued_tasks
):
    indexed = make_comments(page, make_user(CITIZEN), 4)
    indexing.rebuild()
    # 30 new comments whose tasks have not run yet: the index holds 4 of 34.
    waiting = make_comments(page, make_user(CITIZEN), 30)
    indexing.schedule(*(comment.pk for comment in waiting))

    response = search(moderator)

    assert response.status_code == 200
    assert response.json()["count"] == len(indexed)
    assert rebuilds_queued() == 0


@needs_elasticsearch
def test_a_whole_index_is_checked_once_per_interval(indexed, moderator, elasticsearch):
    search(moderator)

    with CaptureQueriesContext(connection) as queries:
        assert search(moderator).status_code == 200

    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "comment_search_indexstate" not in tables
    assert "comment_search_pendingindex" not in tables


@needs_elasticsearch
def test_the_summary_says_unavailable_rather_than_no_terms(
    indexed, page, make_user, elasticsearch, queued_tasks
):
    restart_empty(elasticsearch)

    with pytest.raises(IndexRebuilding):
        significant_terms(page.pk)

    planner = Client()
    planner.force_login(make_user(PLANNER))
    response = planner.get(reverse("api-consultation-summary", args=[page.pk]))
    assert response.status_code == 503
    assert response.json()["code"] == "search_unavailable"
    assert rebuilds_queued() == 1


@needs_elasticsearch
def test_a_rebuild_request_is_queued_once(indexed, queued_tasks):
    assert indexing.request_rebuild() is True
    assert indexing.request_rebuild() is False
    assert rebuilds_queued() == 1
    assert indexing.rebuild_pending()


def test_the_database_backend_is_never_checked(
    page, make_user, moderator, settings, django_assert_num_queries
):
    settings.PUENTE_SEARCH_BACKEND = "database"
    backend = get_backend()

    with django_assert_num_queries(0):
        health.ensure_ready(backend)
    assert search(moderator).status_code == 200


@needs_elasticsearch
def test_without_the_cache_every_search_checks(indexed, elasticsearch, queued_tasks, settings):
    # Redis down: nothing listens on the discard port. (The search page and
    # API need the cache for Wagtail's site root paths: the search alone.)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    query = SearchQuery(visible_statuses=("published",), text=parse_text("autobus"))
    assert sorted(r.comment.pk for r in results.run(query).results) == ids(indexed)

    restart_empty(elasticsearch)

    with pytest.raises(IndexRebuilding):
        results.run(query)
    assert rebuilds_queued() == 1
