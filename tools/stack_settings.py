"""The stack's settings (tools/stack.py): config.settings.production and one
change for osmem-server, the Elasticsearch-API server the stack runs instead
of Elasticsearch. Its clients send plain JSON media types: osmem-server
refuses Elasticsearch 8's `compatible-with=8` type with 406 (search/es_transport.py).
A real Elasticsearch needs none of this; deployments use production alone."""

from config.settings.production import *  # noqa: F403
from config.settings.production import ELASTICSEARCH_OPTIONS, PUENTE_SEARCH_BACKEND

if PUENTE_SEARCH_BACKEND == "elasticsearch":
    from search.es_transport import PlainJsonNode

    ELASTICSEARCH_OPTIONS = {**ELASTICSEARCH_OPTIONS, "node_class": PlainJsonNode}
    WAGTAILSEARCH_BACKENDS = {  # noqa: F405
        "default": {
            **WAGTAILSEARCH_BACKENDS["default"],  # noqa: F405
            "OPTIONS": {
                **WAGTAILSEARCH_BACKENDS["default"].get("OPTIONS", {}),  # noqa: F405
                "node_class": PlainJsonNode,
            },
        }
    }
