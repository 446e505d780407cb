"""What search engines and social networks read of every page: its
canonical address, its address in each language (hreflang) and its
description."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import strip_tags
from django.utils.text import Truncator

register = template.Library()

DESCRIPTION_LENGTH = 200


def _absolute(request, path):
    return request.build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's own address in the current language, without its query
    (a page reached by another address, such as one with an accent in its
    slug, names the one it lives at)."""
    request = context.get("request")
    if request is None:
        return ""
    page = context.get("page")
    path = request.path
    if page is not None and hasattr(page, "get_url"):
        path = page.get_url(request) or path
    return _absolute(request, path)


@register.simple_tag(takes_context=True)
def alternate_links(context):
    """[(hreflang, absolute address)] of this page in every language, and
    x-default: the default language, which has no prefix."""
    request = context.get("request")
    if request is None:
        return []
    path = request.path
    page = context.get("page")
    if page is not None and hasattr(page, "get_url"):
        path = page.get_url(request) or path
    links = [
        (code, _absolute(request, translate_url(path, code))) for code, _name in settings.LANGUAGES
    ]
    links.append(("x-default", _absolute(request, translate_url(path, settings.LANGUAGE_CODE))))
    return links


@register.simple_tag(takes_context=True)
def meta_description(context, fallback=""):
    """The page's search description, else its summary or introduction
    (plain text, shortened), else `fallback`."""
    page = context.get("page")
    values = [getattr(page, "search_description", "")] if page is not None else []
    # A content page's introduction in the language shown (pages/models.py).
    values.append(context.get("shown_intro", ""))
    if page is not None:
        values += [getattr(page, "summary", ""), getattr(page, "intro", "")]
    for value in values:
        text = " ".join(strip_tags(str(value or "")).split())
        if text:
            return Truncator(text).chars(DESCRIPTION_LENGTH)
    return fallback
