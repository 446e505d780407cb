"""Highlighted snippets: backends mark matches in plain text with two
private-use characters; markup() turns that into HTML in which only <mark>
is markup and everything the author wrote is escaped."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

START, END = "\ue000", "\ue001"


def strip_markers(text):
    """Text as indexed: an author cannot forge highlight markers."""
    return text.replace(START, "").replace(END, "")


def markup(marked_text):
    """Safe HTML from text whose matches are wrapped in START…END."""
    html = escape(marked_text)
    if html.count(START) != html.count(END):
        html = strip_markers(html)
    return mark_safe(html.replace(START, "<mark>").replace(END, "</mark>"))  # noqa: S308
