"""The comment index's backend, chosen by PUENTE_SEARCH_BACKEND: "database"
(PostgreSQL full text or SQLite FTS5, whichever the database is) or
"elasticsearch" (ELASTICSEARCH_URL, through elasticsearch-dsl)."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

BACKENDS = {
    "database": "search.backends.database.DatabaseBackend",
    "elasticsearch": "search.backends.elasticsearch.ElasticsearchBackend",
}


@cache
def get_backend(name=None):
    return import_string(BACKENDS[name or settings.PUENTE_SEARCH_BACKEND])()


@receiver(setting_changed)
def forget_backend(setting, **kwargs):
    if setting.startswith(("PUENTE_SEARCH", "ELASTICSEARCH")):
        get_backend.cache_clear()
