"""Whose site this is: the municipality's name, logo and accent colour.

Editors set them in the Wagtail admin (Settings → Site identity,
`core.models.SiteIdentity`); `current_identity` reads them with fallbacks
(the setting PUENTE_SITE_NAME, then "Puente"; no logo; the site's blue), at
most once per request. The header, the social cards (og:site_name, og:image)
and the e-mails use it.

The accent reaches the pages as a tiny stylesheet (`identity_css`, at
/identidad.css?v=<digest>) rather than a style attribute, which the strict
Content-Security-Policy forbids. Its address changes with the colour, so it
is cached for a year; the default colour needs no stylesheet at all. The text
on the accent is white or black, whichever contrasts more: never below 4.58:1.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

from core.models import SiteIdentity

if TYPE_CHECKING:
    from wagtail.images.models import AbstractImage

DEFAULT_NAME = "Puente"
# The header's colour when none is set (puente.css: --accent).
DEFAULT_ACCENT = "#083f78"
WHITE = "#ffffff"
BLACK = "#000000"
# Cached where the request or the object is: one lookup per request.
REQUEST_CACHE = "_puente_identity"
YEAR = 365 * 24 * 3600


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of "#rrggbb"."""
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG 2.2's contrast ratio of two "#rrggbb" colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on(colour: str) -> str:
    """White or black, whichever reads better on `colour`."""
    return WHITE if contrast(colour, WHITE) >= contrast(colour, BLACK) else BLACK


@dataclass(frozen=True)
class Identity:
    name: str
    logo: AbstractImage | None = None
    accent: str = DEFAULT_ACCENT

    @property
    def on_accent(self) -> str:
        return readable_on(self.accent)

    @property
    def is_default_accent(self) -> bool:
        return self.accent.lower() == DEFAULT_ACCENT

    @property
    def css(self) -> str:
        return f":root{{--accent:{self.accent};--on-accent:{self.on_accent}}}\n"

    @property
    def css_version(self) -> str:
        """Part of the stylesheet's address: it changes with the colour."""
        return hashlib.sha256(self.css.encode()).hexdigest()[:12]


def default_name() -> str:
    return getattr(settings, "PUENTE_SITE_NAME", "") or DEFAULT_NAME


def identity_of(setting: SiteIdentity | None) -> Identity:
    if setting is None:
        return Identity(name=default_name())
    return Identity(
        name=setting.name.strip() or default_name(),
        logo=setting.logo,
        accent=(setting.accent or DEFAULT_ACCENT).lower(),
    )


def _setting_for(site: Site | None) -> SiteIdentity | None:
    if site is None:
        return None
    # The setting's row and its logo in one query, without Wagtail's
    # get_or_create: reading a page writes nothing, and a site nobody
    # configured reads the fallbacks. The logo's renditions are not
    # prefetched (SiteIdentity.base_queryset does, for the admin): made once,
    # they come from the cache, which a prefetch would bypass with a query of
    # every rendition of the logo on every page.
    return SiteIdentity.objects.select_related("logo").filter(site=site).first()


def current_identity(request: HttpRequest | None = None) -> Identity:
    """The identity of the request's site, or of the default site (e-mails,
    tasks: no request). Cached on the request."""
    if request is not None:
        cached = getattr(request, REQUEST_CACHE, None)
        if cached is not None:
            return cached
        identity = identity_of(_setting_for(Site.find_for_request(request)))
        setattr(request, REQUEST_CACHE, identity)
        return identity
    site = Site.objects.filter(is_default_site=True).first()
    return identity_of(_setting_for(site))


def context(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `identity` for every template (looked up on first use)."""
    return {"identity": SimpleLazyObject(lambda: current_identity(request))}


def identity_css(request: HttpRequest) -> HttpResponse:
    """The accent as a stylesheet. Asked with the current digest, it is kept
    for a year (a new colour has a new address); otherwise for a minute."""
    identity = current_identity(request)
    response = HttpResponse(identity.css, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == identity.css_version:
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response["Cache-Control"] = "public, max-age=60"
    return response
