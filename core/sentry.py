"""Error reports to Sentry (or GlitchTip, which speaks the same protocol),
with what people wrote or who they are left out.

production.py calls `init_sentry` when SENTRY_DSN is set. sentry-sdk 3
chooses what it collects with `data_collection` (it replaced
send_default_pii): no user identity, cookies, query strings, request bodies
(comment texts are personal data), database parameters or stack frame
variables (an action's frame holds the comment it writes), and request
headers only from a short allow-list. `scrub`, the before_send hook, then
removes whatever of that still reaches an event by another path: cookies,
the Cookie, Authorization and X-CSRFToken headers, the body, the query
string (also inside the URL), the user but their numeric id, the server's
name, breadcrumb data, and e-mail addresses in messages and exception
values. The request id (core/request_log.py) goes with the event as a tag,
so a report can be matched to its log line."""

import re
from typing import TYPE_CHECKING, Any, cast

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import ignore_logger

from core.request_log import current_request_id, current_user_id

if TYPE_CHECKING:
    from sentry_sdk._types import DataCollectionUserOptions, Event, Hint

EMAIL = re.compile(r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+\.[A-Za-z]{2,}")
REDACTED = "[Filtered]"
# Request headers that may reach a report: none says who the person is.
HEADERS_ALLOWED = ["accept", "accept-language", "content-length", "content-type", "user-agent"]
HEADERS_REFUSED = {"cookie", "authorization", "x-csrftoken", "referer", "x-forwarded-for"}

DATA_COLLECTION: "DataCollectionUserOptions" = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {"request": {"mode": "allowlist", "terms": HEADERS_ALLOWED}},
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "database_query_data": False,
    "stack_frame_variables": False,
    "gen_ai": {"inputs": False, "outputs": False},
    "mcp": {"inputs": False, "outputs": False},
    "graphql": {"document": False, "variables": False},
}


def init_sentry(dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Report unhandled errors (and, if traces_sample_rate > 0, that share of
    requests as traces) to the Sentry project at `dsn`."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration()],
        data_collection=DATA_COLLECTION,
        max_request_body_size="never",
        before_send=scrub,
        before_breadcrumb=scrub_breadcrumb,
    )
    # Its error lines repeat the exception Django already reported.
    ignore_logger("puente.request")


def _no_emails(text: Any) -> Any:
    return EMAIL.sub(REDACTED, text) if isinstance(text, str) else text


def _scrub_request(request: dict[str, Any]) -> None:
    for key in ("cookies", "data", "query_string", "env"):
        request.pop(key, None)
    if isinstance(request.get("url"), str):
        request["url"] = request["url"].split("?", 1)[0].split("#", 1)[0]
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: value for name, value in headers.items() if name.lower() not in HEADERS_REFUSED
        }


def _scrub_exceptions(event: dict[str, Any]) -> None:
    for exception in (event.get("exception") or {}).get("values") or ():
        exception["value"] = _no_emails(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames") or ():
            frame.pop("vars", None)


def scrub(sentry_event: "Event", hint: "Hint | None" = None) -> "Event":
    """before_send: the event without personal data (the module says what)."""
    event = cast(dict[str, Any], sentry_event)
    if isinstance(event.get("request"), dict):
        _scrub_request(event["request"])
    user_id = current_user_id() or (event.pop("user", None) or {}).get("id")
    event.pop("user", None)
    if user_id is not None:
        event["user"] = {"id": str(user_id)}
    event.pop("server_name", None)
    _scrub_exceptions(event)
    if isinstance(event.get("logentry"), dict):
        for key in ("message", "formatted"):
            event["logentry"][key] = _no_emails(event["logentry"].get(key))
        event["logentry"].pop("params", None)
    event["message"] = _no_emails(event.get("message"))
    if event["message"] is None:
        event.pop("message")
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or ():
        scrub_breadcrumb(crumb)
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return sentry_event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """before_breadcrumb: no data (query parameters, URLs with queries),
    no e-mail addresses in the message."""
    crumb.pop("data", None)
    crumb["message"] = _no_emails(crumb.get("message"))
    return crumb
