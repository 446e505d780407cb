"""Whose site an account e-mail comes from: the site's name and its public
address (SITE_URL), never the address a request happened to reach (a
container's 127.0.0.1:8100) nor django.contrib.sites' example.com.

Every link in an account e-mail is made absolute here, on SITE_URL."""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest

from core.identity import current_identity


def site_name(request: HttpRequest | None = None) -> str:
    """The name e-mails and pages sign with: the municipality's own (the
    SiteIdentity setting), else PUENTE_SITE_NAME (core.identity)."""
    return current_identity(request).name


def site_url() -> str:
    """The public address, without a trailing slash (SITE_URL)."""
    return str(settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def absolute(path: str) -> str:
    """`path` (absolute, or a URL on any host) on the public address: only
    its path, query and fragment are kept."""
    parts = urlsplit(path)
    base = urlsplit(site_url())
    return urlunsplit(
        (base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment)
    )


class Site:
    """What allauth's templates read as `current_site` (name and domain),
    for the few of its e-mails Puente does not rewrite."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        self.name = site_name(request)
        self.domain = urlsplit(site_url()).netloc

    def __str__(self) -> str:
        return self.name
