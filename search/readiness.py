"""The comment index's part of /health/ready (core/health.py), plugged in
through PUENTE_HEALTH_CHECKS: the index answers behind its alias (only an
index kept outside the database, Elasticsearch), and the backlog of changes
waiting for it is not older than PUENTE_HEALTH["backlog_max_age"]."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Min

from core.health import FAIL, OK, age_result
from search.backends import get_backend
from search.indexing import expected_in_index
from search.models import PendingIndex


def index_alias(limits: Mapping[str, Any]) -> dict[str, Any] | None:
    """The alias exists; on a new site, with no comment the index should
    already hold, a missing alias is fine (the first write creates it)."""
    backend = get_backend()
    if not backend.separate_store:
        return None
    client = backend.client.options(request_timeout=float(limits["timeout"]), max_retries=0)
    if client.indices.exists_alias(name=backend.alias):
        return {"status": OK}
    return {"status": FAIL if expected_in_index().exists() else OK, "alias": False}


def backlog(limits: Mapping[str, Any]) -> dict[str, Any]:
    """The oldest change waiting for the index, in one query."""
    figures = PendingIndex.objects.aggregate(count=Count("pk"), oldest=Min("changed"))
    return age_result(figures["count"], figures["oldest"], limits["backlog_max_age"])


backlog.needs_database = True  # type: ignore[attr-defined]
