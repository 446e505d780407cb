"""ELASTICSEARCH_URL with several nodes and credentials: the production
settings build both clients (comment search, Wagtail's page search) with them,
and each talks to the test command's OpenSearch-API server (osmem-server,
which ignores the credentials: the test checks the client sends them)."""

import json
import os

import pytest

from tests.production_helpers import production_env, run_python

pytestmark = pytest.mark.postgres_only

SCRIPT = """
import json
import django
django.setup()
from django.conf import settings
from search.es_transport import PlainJsonNode

# osmem-server refuses Elasticsearch's own media type (search/es_transport.py).
settings.ELASTICSEARCH_OPTIONS["node_class"] = "search.es_transport.PlainJsonNode"
settings.WAGTAILSEARCH_BACKENDS["default"]["OPTIONS"]["node_class"] = PlainJsonNode

from search.backends.elasticsearch import make_client
from wagtail.search.backends import get_search_backend

found = {}
for name, client in [("comments", make_client()), ("pages", get_search_backend().es)]:
    index = f"puente-settings-probe-{name}"
    client.indices.create(index=index)
    found[name] = {
        "nodes": len(client.transport.node_pool.all()),
        "authorization": client._headers.get("authorization", ""),
        "exists": bool(client.indices.exists(index=index)),
        "timeout": client._request_timeout,
    }
    client.indices.delete(index=index)
print(json.dumps(found))
"""


def test_both_clients_use_every_node_and_the_credentials():
    url = os.environ.get("ELASTICSEARCH_URL", "")
    if not url:
        pytest.skip("needs the test command's osmem-server (run under tools/services.py)")
    env = production_env(
        ELASTICSEARCH_URL=f"{url},{url.replace('127.0.0.1', 'localhost')}",
        ELASTICSEARCH_USERNAME="puente",
        ELASTICSEARCH_PASSWORD="clave-de-prueba",
        ELASTICSEARCH_TIMEOUT="4",
    )
    result = run_python(SCRIPT, env)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    # base64("puente:clave-de-prueba")
    expected = "Basic cHVlbnRlOmNsYXZlLWRlLXBydWViYQ=="
    for name in ("comments", "pages"):
        assert found[name]["nodes"] == 2, found
        assert found[name]["authorization"] == expected, found
        assert found[name]["exists"] is True
        assert found[name]["timeout"] == 4.0
