"""Indexing through the production task backend: the action commits, the
task waits in the database (django-tasks-db), and a worker run indexes it."""

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accounts.roles import CITIZEN
from search.backends import get_backend
from search.models import PendingIndex
from search.query import SearchQuery, parse_text
from tests.moderation.conftest import post

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_worker_indexes_what_an_action_queued(live_consultation, make_user, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 0,
        "new_account_interval": 0,
        "new_account_days": 0,
    }
    settings.TASKS = DATABASE_TASKS
    page = live_consultation
    comment = post(make_user(CITIZEN), page, "Faltan bebederos en el parque.")

    def found():
        query = SearchQuery(visible_statuses=("published",), text=parse_text("bebederos"))
        return [hit.id for hit in get_backend().search(query).hits]

    # Committed, queued, not yet indexed. (Wagtail queues tasks of its own.)
    ours = DBTaskResult.objects.filter(task_path="search.indexing.sync_comments")
    assert [task.status for task in ours] == ["READY"]
    assert PendingIndex.objects.filter(comment_id=comment.pk).exists()
    assert found() == []

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert [task.status for task in ours.all()] == ["SUCCESSFUL"]
    assert not PendingIndex.objects.exists()
    assert found() == [comment.pk]
