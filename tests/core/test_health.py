"""/health/live and /health/ready (core/health.py): each check failing for
real makes readiness 503 and names the check, liveness touches nothing,
neither says anything about hosts, credentials or versions, any Host header
is answered, and readiness costs a fixed number of queries."""

import json
import os
import platform
import subprocess
import sys
import uuid
from datetime import timedelta

import django
import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment, CommentStatus
from core import health
from search.backends import get_backend
from search.indexing import sync_comments
from search.models import PendingIndex
from tests.core.processes import ROOT, RedisProcess, free_port
from tests.core.test_extension_points import SETTINGS_MODULES, load_settings

needs_elasticsearch = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_URL"), reason="needs ELASTICSEARCH_URL (osmem-server)"
)
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
VERSIONS = [django.get_version(), platform.python_version(), "Python", "Django", "PostgreSQL"]


@pytest.fixture(autouse=True)
def _fresh_migration_answer():
    health.forget_migrations()
    yield
    health.forget_migrations()


def ready(client, **headers):
    response = client.get("/health/ready", **headers)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.status_code, response.json()


def assert_no_secrets(text, *secrets):
    for secret in (*secrets, *VERSIONS):
        assert secret not in text, secret


# Liveness


def test_live_touches_nothing_and_answers_any_host(client, settings):
    """No database access is allowed in this test: pytest-django would
    raise if liveness touched it."""
    settings.ALLOWED_HOSTS = ["consulta.municipio.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/live", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    # The same Host header is refused anywhere else (and redirected first).
    assert client.get("/", HTTP_HOST="127.0.0.1:8000", secure=True).status_code == 400


def test_ready_answers_any_host_without_the_https_redirect(client, db, settings):
    settings.ALLOWED_HOSTS = ["consulta.municipio.example"]
    settings.SECURE_SSL_REDIRECT = True
    for host in ("127.0.0.1:8000", "10.1.2.3", "app:8000", "evil.example"):
        status, body = ready(client, HTTP_HOST=host)
        assert status == 200, (host, body)
    assert client.get("/", HTTP_HOST="10.1.2.3").status_code == 400


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_only_get_and_head(client, db, path):
    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(client, method)(path)
        assert response.status_code == 405, method
        assert response["Allow"] == "GET, HEAD"
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head["Cache-Control"] == "no-store"


def test_only_the_exact_paths(client, db):
    """A trailing slash or a language prefix is not a health endpoint."""
    for path in ("/health/ready/", "/en/health/ready", "/health/", "/health/readyx"):
        response = client.get(path)
        assert response["Content-Type"] != "application/json" or response.status_code == 404


# Readiness: all well


def test_ready_when_all_is_well(client, db, settings):
    settings.TASKS = DATABASE_TASKS
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ok"
    checks = body["checks"]
    redis = {"redis"} if settings.REDIS_URL else set()  # under tools/services.py
    assert set(checks) == {"database", "migrations", "tasks", "search_backlog", *redis}
    assert all(check["status"] == "ok" for check in checks.values())
    assert all(isinstance(check["ms"], float) for check in checks.values())
    assert checks["tasks"] == {
        "status": "ok",
        "count": 0,
        "oldest_age_s": 0,
        "ms": checks["tasks"]["ms"],
    }
    assert checks["migrations"]["pending"] == 0


def test_ready_costs_a_fixed_number_of_queries(client, db, settings, make_consultation, citizen):
    """SELECT 1, the task queue, the backlog: three queries however many
    rows wait, once the migration plan has been read (once a minute)."""
    settings.TASKS = DATABASE_TASKS
    ready(client)  # reads the migration plan
    with CaptureQueriesContext(connection) as empty:
        assert ready(client)[0] == 200
    now = timezone.now()
    PendingIndex.objects.bulk_create(PendingIndex(comment_id=i, changed=now) for i in range(1, 201))
    for ids in range(50):
        sync_comments.enqueue([ids])
    assert DBTaskResult.objects.count() == 50
    with CaptureQueriesContext(connection) as full:
        status, body = ready(client)
    assert status == 200, body
    assert body["checks"]["search_backlog"]["count"] == 200
    assert body["checks"]["tasks"]["count"] == 50
    assert len(empty) == len(full) == 3, [q["sql"] for q in full]


# Readiness: each check failing


def test_a_pending_migration_fails_readiness(client, db, settings):
    settings.PUENTE_HEALTH = {**settings.PUENTE_HEALTH, "migrations_cache": 60}
    assert ready(client)[0] == 200
    # The database forgets the latest migration of an app: the code on disk
    # expects what it made.
    latest = MigrationRecorder.Migration.objects.filter(app="comment_search").latest("id")
    latest.delete()
    # A "none pending" answer is reused for a minute: cheap probes.
    assert ready(client)[0] == 200
    health.forget_migrations()
    status, body = ready(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["migrations"]["status"] == "fail"
    assert body["checks"]["migrations"]["pending"] >= 1
    assert body["checks"]["database"]["status"] == "ok"
    # A pending answer is not reused: fixed, it is ready at once.
    MigrationRecorder.Migration.objects.create(app="comment_search", name=latest.name)
    assert ready(client)[0] == 200


def test_an_old_backlog_fails_readiness(client, db, settings):
    settings.PUENTE_HEALTH = {**settings.PUENTE_HEALTH, "backlog_max_age": 900}
    now = timezone.now()
    PendingIndex.objects.create(comment_id=1, changed=now - timedelta(seconds=60))
    status, body = ready(client)
    assert status == 200
    assert body["checks"]["search_backlog"]["oldest_age_s"] >= 60
    PendingIndex.objects.create(comment_id=2, changed=now - timedelta(seconds=1000))
    status, body = ready(client)
    assert status == 503
    backlog = body["checks"]["search_backlog"]
    assert backlog["status"] == "fail"
    assert backlog["count"] == 2
    assert 1000 <= backlog["oldest_age_s"] < 1100
    assert [name for name, check in body["checks"].items() if check["status"] != "ok"] == [
        "search_backlog"
    ]


def test_an_old_queued_task_fails_readiness(client, db, settings):
    settings.TASKS = DATABASE_TASKS
    settings.PUENTE_HEALTH = {**settings.PUENTE_HEALTH, "task_max_age": 600}
    now = timezone.now()
    sync_comments.enqueue([1])
    DBTaskResult.objects.update(enqueued_at=now - timedelta(seconds=120))
    status, body = ready(client)
    assert status == 200
    assert body["checks"]["tasks"]["oldest_age_s"] >= 120
    # A retry due later is not waiting yet; one that became due a minute ago
    # has waited a minute, however long ago it was first queued.
    retry = sync_comments.using(run_after=now + timedelta(hours=6)).enqueue([2])
    due = sync_comments.using(run_after=now - timedelta(seconds=60)).enqueue([3])
    DBTaskResult.objects.filter(pk__in=[retry.id, due.id]).update(
        enqueued_at=now - timedelta(days=1)
    )
    status, body = ready(client)
    assert status == 200, body
    assert body["checks"]["tasks"]["count"] == 2
    assert 120 <= body["checks"]["tasks"]["oldest_age_s"] < 200
    # A worker that stopped ten minutes ago.
    DBTaskResult.objects.filter(run_after__gt=now + timedelta(days=365)).update(
        enqueued_at=now - timedelta(seconds=700)
    )
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["tasks"]["status"] == "fail"
    assert body["checks"]["tasks"]["oldest_age_s"] >= 700
    # A finished task, however old, is not waiting.
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert ready(client)[0] == 200


def test_tasks_are_checked_only_where_they_are_queued(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert "tasks" not in ready(client)[1]["checks"]


@pytest.fixture
def redis_server(tmp_path):
    server = RedisProcess(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_redis_down_fails_readiness_and_live_stays_up(client, db, settings, redis_server, caplog):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_server.url, "max_connections": 10}]},
        }
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    status, body = ready(client)
    assert status == 200, body
    assert body["checks"]["redis"] == {
        "status": "ok",
        "servers": 1,
        "ms": body["checks"]["redis"]["ms"],
    }
    assert body["checks"]["cache"]["status"] == "ok"

    redis_server.stop()
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"] == {"status": "fail", "ms": body["checks"]["redis"]["ms"]}
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["ms"] < 2500
    assert_no_secrets(response.content.decode(), str(redis_server.port), "127.0.0.1", "redis://")
    # The operator finds the reason in the log, not in the answer.
    warnings = [r for r in caplog.records if r.name == "puente.health"]
    assert {r.getMessage() for r in warnings} == {
        "readiness check redis failed",
        "readiness check cache failed",
    }
    assert all(r.exc_info for r in warnings)
    assert client.get("/health/live").status_code == 200


def test_a_sentinel_entry_is_checked_through_its_sentinels(client, db, settings, redis_server):
    """A channels_redis Sentinel entry whose sentinels do not answer fails;
    the master's own address is never asked without them."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {"sentinels": [("127.0.0.1", free_port())], "master_name": "puente"},
                ]
            },
        }
    }
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["redis"]["status"] == "fail"
    assert body["checks"]["redis"]["ms"] < 2500


# The database down, in a process of its own


DOWN = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="10.0.0.5:8000")
print(json.dumps({p: [r.status_code, r.content.decode()] for p in ("/health/live", "/health/ready")
                  for r in [client.get(p)]}))
"""


def test_database_and_redis_down_fail_readiness_without_telling_secrets():
    db_port, redis_port = free_port(), free_port()
    password = "S3cr3t-" + uuid.uuid4().hex[:8]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://puente:{password}@127.0.0.1:{db_port}/puente",
        "REDIS_URL": f"redis://:{password}@127.0.0.1:{redis_port}/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", DOWN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["/health/live"] == [200, '{"status": "ok"}']
    status, text = answers["/health/ready"]
    assert status == 503
    checks = json.loads(text)["checks"]
    assert checks["database"]["status"] == "fail"
    assert checks["redis"]["status"] == "fail"
    # Those that need the database are not tried against a dead one.
    assert checks["migrations"] == {"status": "fail", "skipped": True}
    assert checks["search_backlog"] == {"status": "fail", "skipped": True}
    assert_no_secrets(text, password, str(db_port), str(redis_port), "127.0.0.1", "puente:")
    # The log names the failure (for the operator).
    assert "readiness check database failed" in result.stderr


# Elasticsearch


def test_an_unreachable_search_server_fails_readiness(client, db, settings):
    port = free_port()
    settings.PUENTE_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://elastic:pw-{port}@127.0.0.1:{port}"
    settings.PUENTE_HEALTH = {**settings.PUENTE_HEALTH, "timeout": 1.0}
    response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["search_index"]["status"] == "fail"
    assert body["checks"]["search_index"]["ms"] < 3000
    assert_no_secrets(response.content.decode(), str(port), "elastic", "127.0.0.1")


def test_the_database_backend_has_no_index_to_check(client, db, settings):
    settings.PUENTE_SEARCH_BACKEND = "database"
    assert "search_index" not in ready(client)[1]["checks"]


@needs_elasticsearch
def test_the_comment_index_alias(client, db, settings, make_consultation, citizen):
    settings.PUENTE_SEARCH_BACKEND = "elasticsearch"
    settings.PUENTE_SEARCH_INDEX = f"puente-health-{uuid.uuid4().hex[:12]}"
    backend = get_backend()
    try:
        # A new site: no alias yet, nothing the index should hold.
        status, body = ready(client)
        assert status == 200, body
        assert body["checks"]["search_index"]["status"] == "ok"
        # Comments the index should hold, and no alias: the index was lost.
        page = make_consultation()
        comment = Comment.objects.create(
            consultation=page,
            author=citizen,
            body="Más árboles en el parque",
            status=CommentStatus.PUBLISHED,
            created=timezone.now(),
            seq=0,
        )
        assert not PendingIndex.objects.filter(comment_id=comment.pk).exists()
        status, body = ready(client)
        assert status == 503
        assert body["checks"]["search_index"]["status"] == "fail"
        backend.ensure_alias()
        status, body = ready(client)
        assert status == 200, body
        assert body["checks"]["search_index"] == {
            "status": "ok",
            "ms": body["checks"]["search_index"]["ms"],
        }
    finally:
        backend.clear()


# Wiring


@pytest.mark.parametrize("name", SETTINGS_MODULES)
def test_every_settings_module_answers_health_first(name, monkeypatch, settings):
    # The running test settings as they are: executing config.settings.test
    # again would reset the SQLite test database's TEST options in place.
    module = settings if name == "config.settings.test" else load_settings(name, monkeypatch)
    assert module.MIDDLEWARE[0] == "core.health.Health"
    assert module.PUENTE_HEALTH_CHECKS == {
        "search_index": "search.readiness.index_alias",
        "search_backlog": "search.readiness.backlog",
    }
    assert set(module.PUENTE_HEALTH) == set(health.DEFAULTS)
