"""Content-Security-Policy and Permissions-Policy on every response.

Django 5.2 has no CSP of its own (6.0 does, and its SECURE_CSP settings have
the shape of ours: directive -> sources). The public site runs no inline
script or style, so it gets PUENTE_CSP. The Wagtail admin still renders some
inline scripts and styles, so it gets the looser PUENTE_ADMIN_CSP, with the
strict PUENTE_ADMIN_CSP_REPORT_ONLY alongside: the browser then names what
still stands between the admin and the strict policy without breaking it.

Placed before WhiteNoise in MIDDLEWARE, so static files get the headers too
(WhiteNoise answers them without calling the rest of the chain)."""

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

CSP = "Content-Security-Policy"
CSP_REPORT_ONLY = "Content-Security-Policy-Report-Only"
PERMISSIONS_POLICY = "Permissions-Policy"
REPORTING_ENDPOINTS = "Reporting-Endpoints"

# A source the middleware replaces with this host's own websocket origin
# (wss://host, or ws://host over plain HTTP). CSP 3 counts it as 'self',
# but Safari before 15.5 did not (WebKit bug 235873), so it is named too.
WEBSOCKET = "{websocket}"
# The Reporting API's name for the endpoint (Reporting-Endpoints, report-to).
REPORT_GROUP = "csp"

Policy = Mapping[str, Sequence[str]]


def render_policy(policy: Policy, websocket: str = "", report_uri: str = "") -> str:
    """`default-src 'self'; img-src 'self' data:; ...`; a directive with no
    sources is sent bare (upgrade-insecure-requests)."""
    directives = []
    for directive, sources in policy.items():
        values = [websocket if source == WEBSOCKET else source for source in sources]
        directives.append(" ".join([directive, *filter(None, values)]))
    if report_uri:
        directives += [f"report-uri {report_uri}", f"report-to {REPORT_GROUP}"]
    return "; ".join(directives)


def render_permissions(policy: Mapping[str, Sequence[str]]) -> str:
    """`camera=(), fullscreen=(self)`: each feature and who may use it."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


def websocket_origin(request: HttpRequest) -> str:
    try:
        host = request.get_host()
    except DisallowedHost:
        # The answer is already the 400 for that host; 'self' still applies.
        return ""
    return ("wss://" if request.is_secure() else "ws://") + host


def _reverse_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


class SecurityHeaders:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.permissions = render_permissions(settings.PUENTE_PERMISSIONS_POLICY)
        # The admin's and the report endpoint's paths (outside the language
        # prefix, so the same for every request), reversed on first use:
        # two lookups were most of this middleware's cost per response.
        self._paths: tuple[str, str] | None = None

    def paths(self) -> tuple[str, str]:
        """(the admin's prefix, the report endpoint), "" for a missing one."""
        if self._paths is None:
            self._paths = (_reverse_or_empty("wagtailadmin_home"), _reverse_or_empty("csp-report"))
        return self._paths

    def is_admin(self, request: HttpRequest) -> bool:
        admin = self.paths()[0]
        return bool(admin) and request.path_info.startswith(admin)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "is_dummy", False):
            # Wagtail's preview renders the page through the middleware with
            # a made-up request for its public URL; the admin request around
            # it chooses the policy (the public one forbids the framing).
            return response
        response.headers.setdefault(PERMISSIONS_POLICY, self.permissions)
        # A view that set its own policy knows better (Wagtail serves
        # documents and images with "default-src 'none'").
        if CSP in response.headers or CSP_REPORT_ONLY in response.headers:
            return response
        if settings.DEBUG and response.status_code in (404, 500):
            # Django's debug pages (DEBUG only) style and script themselves
            # inline; under the policy they would be unreadable.
            return response
        websocket = websocket_origin(request)
        report_uri = self.paths()[1]
        if self.is_admin(request):
            enforced, report_only = settings.PUENTE_ADMIN_CSP, settings.PUENTE_ADMIN_CSP_REPORT_ONLY
        else:
            enforced, report_only = settings.PUENTE_CSP, {}
        response.headers[CSP] = render_policy(enforced, websocket, report_uri)
        if report_only:
            # Not reported to the server: these are known, and each admin
            # page would post them again. The browser's console shows them.
            response.headers[CSP_REPORT_ONLY] = render_policy(report_only, websocket)
        if report_uri:
            response.headers[REPORTING_ENDPOINTS] = f'{REPORT_GROUP}="{report_uri}"'
        return response
