"""Health endpoints for process managers, load balancers and the proxy.

- `/health/live`: the process answers. Touches nothing else: a database or
  Redis that is down must not get the app processes restarted.
- `/health/ready`: this process can serve: the database answers, no
  migration is pending, Redis answers (the channel layer's servers and a
  Redis cache, when configured), and the background work keeps up: the
  oldest queued task (django-tasks-db) is younger than
  PUENTE_HEALTH["task_max_age"] seconds. The apps above add checks of their
  own through the extension point PUENTE_HEALTH_CHECKS (name -> import path
  of a callable taking the limits, returning a dict with "status" and
  figures, or None when it does not apply): search adds its index's alias
  and its backlog's oldest age.

Both answer JSON, 200 when every check is "ok", 503 otherwise, never
cached, to GET and HEAD only (405). The body holds check names, "ok" or
"fail", durations and counts: no versions, hosts, URLs or error texts, which
could carry a host or a password; a failing check logs its error at WARNING
on the "puente.health" logger instead.

`Health` is the first middleware (config/settings/base.py), so probes get
their answer whatever Host header they send (a probe to 127.0.0.1:8000 is
not in ALLOWED_HOSTS) and without the HTTPS redirect. The number of queries
is fixed: one per database check (`SELECT 1`, the task queue, the search
backlog), plus the migration plan, which is read once a minute at most
while nothing is pending."""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis
import redis.sentinel
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, Count, DateTimeField, F, Min, When
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger("puente.health")

LIVE = "/health/live"
READY = "/health/ready"
METHODS = ("GET", "HEAD")
DEFAULTS: dict[str, Any] = {
    # Seconds the oldest change waiting for the comment index may wait.
    "backlog_max_age": 900,
    # Seconds the oldest due background task may wait for a worker.
    "task_max_age": 600,
    # Seconds a check of Redis or Elasticsearch may take.
    "timeout": 2.0,
    # Seconds a "no migration pending" answer is reused by this process.
    "migrations_cache": 60,
}
OK = "ok"
FAIL = "fail"

Result = dict[str, Any]
Check = Callable[[Mapping[str, Any]], Result | None]


def limits() -> dict[str, Any]:
    return {**DEFAULTS, **getattr(settings, "PUENTE_HEALTH", {})}


# The checks


def database(limits: Mapping[str, Any]) -> Result:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK}


_no_migrations_until = 0.0


def forget_migrations() -> None:
    """Read the migration plan again at the next check (tests, and after a
    `migrate` in the same process)."""
    global _no_migrations_until
    _no_migrations_until = 0.0


def migrations(limits: Mapping[str, Any]) -> Result:
    """Migrations on disk that the database has not applied: this code
    expects tables or columns that are not there (run `migrate`)."""
    global _no_migrations_until
    if time.monotonic() < _no_migrations_until:
        return {"status": OK, "pending": 0}
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    if not pending:
        _no_migrations_until = time.monotonic() + float(limits["migrations_cache"])
    return {"status": FAIL if pending else OK, "pending": pending}


migrations.needs_database = True  # type: ignore[attr-defined]


def _redis_client(host: Mapping[str, Any], timeout: float) -> redis.Redis:
    """A client for one entry of channels_redis' "hosts" (the same shapes
    channels_redis.utils.create_pool takes: an address, a Sentinel master,
    or connection keywords), with short timeouts."""
    # One attempt: redis-py's default retries with backoff took 3.8 s to find
    # that no sentinel answers.
    once = {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    options = {**host, **once}
    pool: redis.ConnectionPool
    if "address" in options:
        pool = redis.ConnectionPool.from_url(options.pop("address"), **options)
    elif options.get("master_name") is not None:
        name = options.pop("master_name")
        sentinels = options.pop("sentinels")
        sentinel_options = {**(options.pop("sentinel_kwargs", None) or {}), **once}
        sentinel = redis.sentinel.Sentinel(sentinels, sentinel_kwargs=sentinel_options)
        pool = redis.sentinel.SentinelConnectionPool(name, sentinel, **options)
    else:
        options.pop("master_name", None)
        pool = redis.ConnectionPool(**options)
    return redis.Redis(connection_pool=pool)


def redis_servers(limits: Mapping[str, Any]) -> Result | None:
    """Every server of a Redis channel layer answers PING (in-memory layer:
    nothing to check)."""
    layer = getattr(settings, "CHANNEL_LAYERS", {}).get("default", {})
    if not str(layer.get("BACKEND", "")).startswith("channels_redis."):
        return None
    from channels_redis.utils import decode_hosts

    hosts = decode_hosts(layer.get("CONFIG", {}).get("hosts"))
    for host in hosts:
        client = _redis_client(host, float(limits["timeout"]))
        try:
            client.ping()
        finally:
            client.connection_pool.disconnect()
    return {"status": OK, "servers": len(hosts)}


LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def shared_cache(limits: Mapping[str, Any]) -> Result | None:
    """The cache shared by the app processes (Redis in production) answers
    a read; a cache in each process's memory needs no check."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in LOCAL_CACHES:
        return None
    from django.core.cache import cache

    cache.get("puente:health")
    return {"status": OK}


def _uses_task_database() -> bool:
    return any(
        str(options.get("BACKEND", "")).startswith("django_tasks_db.")
        for options in getattr(settings, "TASKS", {}).values()
    )


def tasks(limits: Mapping[str, Any]) -> Result | None:
    """The oldest task waiting for a worker, counted from when it became
    due (a retry scheduled for later is not late), in one query. Applies
    where tasks are queued in the database (production)."""
    if not _uses_task_database():
        return None
    from django_tasks_db.models import DBTaskResult, get_date_max

    due_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=F("run_after"),
        output_field=DateTimeField(),
    )
    figures = DBTaskResult.objects.ready().aggregate(count=Count("pk"), oldest=Min(due_since))
    return age_result(figures["count"], figures["oldest"], limits["task_max_age"])


tasks.needs_database = True  # type: ignore[attr-defined]


def age_result(count: int, oldest: Any, max_age: float) -> Result:
    """{"status", "count", "oldest_age_s"} of a queue whose oldest entry
    dates from `oldest` (None: empty)."""
    age = max(0, int((timezone.now() - oldest).total_seconds())) if oldest else 0
    return {"status": FAIL if age > max_age else OK, "count": count, "oldest_age_s": age}


CHECKS: dict[str, Check] = {
    "database": database,
    "migrations": migrations,
    "redis": redis_servers,
    "cache": shared_cache,
    "tasks": tasks,
}


def checks() -> dict[str, Check]:
    extra = getattr(settings, "PUENTE_HEALTH_CHECKS", {})
    return {**CHECKS, **{name: import_string(path) for name, path in extra.items()}}


def run_checks() -> dict[str, Result]:
    """Each applicable check's result with its duration in ms. A check that
    raises fails (its error logged, not shown); checks that need the
    database are skipped, and fail, when the database does not answer."""
    bounds = limits()
    results: dict[str, Result] = {}
    for name, check in checks().items():
        if getattr(check, "needs_database", False) and results["database"]["status"] != OK:
            results[name] = {"status": FAIL, "skipped": True}
            continue
        started = time.perf_counter()
        try:
            result = check(bounds)
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            result = {"status": FAIL}
        if result is None:
            continue
        results[name] = {**result, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return results


# The endpoints


def _answer(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
    response: HttpResponse
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type="application/json")
    else:
        response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    # Not logged again by django.request at ERROR for every probe while a
    # dependency is down: the checks logged their errors, and the request
    # line says 503.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def live(request: HttpRequest) -> HttpResponse:
    return _answer(request, {"status": OK}, 200)


def ready(request: HttpRequest) -> HttpResponse:
    results = run_checks()
    healthy = all(result["status"] == OK for result in results.values())
    body = {"status": OK if healthy else FAIL, "checks": results}
    return _answer(request, body, 200 if healthy else 503)


ENDPOINTS = {LIVE: live, READY: ready}


class Health:
    """Answers /health/live and /health/ready before any other middleware
    (the module's docstring says why)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is None:
            return self.get_response(request)
        if request.method not in METHODS:
            response = JsonResponse({"status": "method not allowed"}, status=405)
            response["Allow"] = ", ".join(METHODS)
            response["Cache-Control"] = "no-store"
            response._has_been_logged = True  # type: ignore[attr-defined]
            return response
        return endpoint(request)
