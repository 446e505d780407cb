"""Where browsers send the violations of the enforced Content-Security-Policy
(core.headers: report-uri, and report-to through Reporting-Endpoints). Each
one is a WARNING in the log: on a site with no inline script, a violation is
a page we broke or an injection the policy stopped. Anyone can post here, so
the body is bounded and only a few short fields are logged."""

import logging
import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.input import BadInput, load_json

logger = logging.getLogger("puente.csp")

# A browser's report is under 2 KB (the policy itself is most of it); the
# Reporting API batches a few.
MAX_BODY = 16 * 1024
# What is logged of each field, with no line break or other control
# character that could forge a line of the log.
MAX_FIELD = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# The Reporting API's reports of this kind (others, such as deprecations,
# are ignored).
REPORT_TYPE = "csp-violation"
# report-uri's "csp-report" keys, and the Reporting API's "body" keys.
FIELDS = {
    "document": ("document-uri", "documentURL"),
    "directive": ("effective-directive", "effectiveDirective"),
    "blocked": ("blocked-uri", "blockedURL"),
    "disposition": ("disposition", "disposition"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
}


def violations(data: object) -> list[dict[str, str]]:
    """The reports in a body of either format, each as FIELDS' names."""
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        raw, style = [data["csp-report"]], 0
    elif isinstance(data, list):
        raw = [r.get("body") for r in data if isinstance(r, dict) and r.get("type") == REPORT_TYPE]
        style = 1
    else:
        return []
    return [
        {name: _loggable(report.get(keys[style], "")) for name, keys in FIELDS.items()}
        for report in raw
        if isinstance(report, dict)
    ]


def _loggable(value: object) -> str:
    return CONTROL.sub("?", str(value))[:MAX_FIELD]


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return HttpResponse(status=413)
    try:
        found = violations(load_json(body))
    except BadInput:
        return HttpResponse(status=400)
    if not found:
        return HttpResponse(status=400)
    for report in found:
        logger.warning(
            "CSP violation (%(disposition)s): %(directive)s blocked %(blocked)s on "
            "%(document)s at %(source)s:%(line)s",
            report,
        )
    return HttpResponse(status=204)
