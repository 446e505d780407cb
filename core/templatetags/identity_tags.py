"""The site's identity in templates: the social card's image and the
accent's stylesheet (core/identity.py)."""

import contextlib

from django import template
from django.templatetags.static import static
from django.urls import reverse

register = template.Library()

# What a social network shows when the site has no logo (1200 × 630).
DEFAULT_SOCIAL_CARD = "img/social-card.png"


@register.simple_tag(takes_context=True)
def social_image_url(context):
    """The absolute address of the image a shared link shows: the logo,
    at most 1200 × 630, else the default card."""
    request = context.get("request")
    identity = context.get("identity")
    url = static(DEFAULT_SOCIAL_CARD)
    if identity is not None and identity.logo is not None:
        # A logo whose file is missing: the default card, not an error page.
        with contextlib.suppress(OSError, ValueError):
            url = identity.logo.get_rendition("max-1200x630").url
    return request.build_absolute_uri(url) if request is not None else url


@register.simple_tag(takes_context=True)
def identity_css_url(context):
    """The accent's stylesheet, or "" while the accent is the default one."""
    identity = context.get("identity")
    if identity is None or identity.is_default_accent:
        return ""
    return f"{reverse('identity-css')}?v={identity.css_version}"
