"""Comment text: stored as plain text, shown as paragraphs with safe links."""

import html
import re

import nh3
from django.utils.safestring import mark_safe

MIN_LENGTH = 2
MAX_LENGTH = 5000
_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def clean_body(raw):
    """Plain text from what was typed: markup removed (the text inside
    ordinary tags kept, scripts and styles dropped), line ends normalised."""
    # `&` escaped first, so that the unescape below only undoes nh3's own
    # escaping: a typed "&lt;b&gt;" stays those characters, never markup.
    text = raw.replace("&", "&amp;").replace("\r\n", "\n").replace("\r", "\n")
    text = html.unescape(nh3.clean(text, tags=set()))
    # Collapse runs of blank lines; keep single line breaks.
    text = re.sub(r"\n{3,}", "\n\n", text)
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def _linkify(escaped):
    def link(match):
        url = match.group(0)
        return f'<a href="{url}">{url}</a>'

    return _URL.sub(link, escaped)


def render_body(text):
    """Safe HTML: paragraphs, line breaks and http(s) links, sanitised by nh3."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    rendered = "".join(
        f"<p>{_linkify(html.escape(p, quote=True)).replace(chr(10), '<br>')}</p>"
        for p in paragraphs
    )
    return mark_safe(  # noqa: S308 - sanitised just below
        nh3.clean(
            rendered,
            tags={"p", "br", "a"},
            attributes={"a": {"href"}},
            url_schemes={"http", "https"},
            link_rel="nofollow ugc noopener noreferrer",
        )
    )
