"""For tests only: lets the Elasticsearch client talk to osmem-server.

The client asks for `application/vnd.elasticsearch+json; compatible-with=8`
on every request, a media type only Elasticsearch itself knows; osmem-server
(the OpenSearch-API server the test command starts) answers it with 406. This
node sends the plain media types instead. Test settings select it through
PUENTE_ELASTICSEARCH_OPTIONS; production talks to Elasticsearch unchanged."""

import re

from elastic_transport import Urllib3HttpNode

COMPATIBLE = re.compile(r"application/vnd\.elasticsearch\+([\w-]+)(\s*;\s*compatible-with=\d+)?")


class PlainJsonNode(Urllib3HttpNode):
    def perform_request(self, method, target, body=None, headers=None, **kwargs):
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if headers.get(name):
                    headers[name] = COMPATIBLE.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)
