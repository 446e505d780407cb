"""Comment text: stored as plain text, shown as paragraphs with safe links.

What is stored is text only, whatever was typed: no HTML parser finds a tag,
comment or declaration in it, so the API and the open data can hand it to
anyone who forgets to escape it."""

import html
import re

import nh3
from django.utils.safestring import mark_safe

MIN_LENGTH = 2
MAX_LENGTH = 5000

# Line ends of every kind become "\n"; other control characters go (NUL,
# escapes, C1 controls), and so do lone surrogates, which no encoding can
# store. Requests are refused for NUL and surrogates before they get here
# (core/input.py); the cleaner is safe on its own all the same.
_LINE_END = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")

# A "<" that could open markup: browsers start a tag, an end tag, a comment
# or a doctype at "<" followed by an ASCII letter, "/", "!" or "?". The
# opposite is checked, so that "<" is kept only before whitespace, an ASCII
# digit or other ASCII punctuation ("3 < 5", "<3", "<=", "<-", "<<"): a
# letter of another script or a full-width one can become an ASCII letter
# when someone folds the text (NFKC turns "ａ" into "a", "㎞" into "km"). The
# full-width and small "<" fold to "<" too, so they count as one. "‹" (what
# such a "<" becomes) is harmless after one, so "<<b" is made inert in one
# go ("<‹b") and stays so.
_TAG_OPENING = re.compile(r"[<\uff1c\ufe64](?=[^\s0-9\"#$%&'()*+,\-.:;<=>@\[\\\]^_`{|}~‹])")
# What such a "<" becomes: the single angle quotation mark looks alike and
# reads alike, is one character (the length limits still hold) and stays
# itself under NFKC, and no HTML or XML parser gives it a meaning.
_INERT_OPENING = "‹"  # U+2039
# "<https://…>", an address in angle brackets, becomes "‹https://…›".
_BRACKETED_ADDRESS = re.compile(r"<(https?://[^\s<>]*)(>?)", re.IGNORECASE)

# Each pass of nh3 strips one layer of markup; text like "<<b>b>" hides a
# tag that only a second pass sees. People's text needs one pass, nested
# tricks a few; past this, what is left is made inert rather than stripped.
_MAX_PASSES = 4


def clean_body(raw):
    """Plain text from what was typed: markup removed (the text inside
    ordinary tags kept, scripts and styles dropped), whatever could still
    open markup made inert, control characters dropped, line ends and
    blank lines normalised."""
    text = _characters(raw)
    for _ in range(_MAX_PASSES):
        if "<" not in text:
            break
        stripped = _strip_markup_once(text)
        if stripped == text:
            break
        text = stripped
    return _finish(text)


def inert_body(raw):
    """clean_body without removing markup: every character kept, but "<"
    made inert wherever it could open markup. For text that people have
    already read as it was typed (stored comments are shown escaped)."""
    return _finish(_characters(raw))


def _characters(raw):
    return _CONTROL.sub("", _LINE_END.sub("\n", raw))


def _finish(text):
    text = _TAG_OPENING.sub(_INERT_OPENING, text)
    # Trailing spaces first, so that lines of spaces count as blank.
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _strip_markup_once(text):
    # Typed in a comment, these are text, though browsers read markup in
    # them: an address in angle brackets ("<https://…>"), and a tag opened
    # after the last ">", which never closes ("si a<b"; browsers drop it and
    # everything after it). They are kept, inert.
    text = _BRACKETED_ADDRESS.sub(_inert_brackets, text)
    closed = text.rfind(">") + 1
    text = text[:closed] + _TAG_OPENING.sub(_INERT_OPENING, text[closed:])
    # `&` escaped first, so that the unescape below only undoes nh3's own
    # escaping: a typed "&lt;b&gt;" stays those characters, never markup.
    return html.unescape(nh3.clean(text.replace("&", "&amp;"), tags=set()))


def _inert_brackets(match):
    return f"{_INERT_OPENING}{match.group(1)}{'›' if match.group(2) else ''}"


# Links -------------------------------------------------------------------------

# An http(s) address runs to the first space, angle bracket or quotation
# mark (straight or typographic: a quoted address ends at its quote). An
# apostrophe can be part of one, unless it ends it (see _TRAILING).
_URL = re.compile(r"(?<!\w)https?://[^\s<>\"“”„«»‘’‚‹›]+", re.IGNORECASE)
# Punctuation that ends a sentence or a quotation, not an address.
_TRAILING = frozenset(".,;:!?¡¿'…*")
# A closing bracket belongs to an address only when the address opened it
# ("…/wiki/Foo_(bar)"), not when it closes the text's own "(https://…)".
_OPENER = {")": "(", "]": "[", "}": "{"}
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _address(candidate):
    """The address in a candidate match, without the punctuation after it;
    "" when nothing is left after the scheme."""
    url = candidate
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _OPENER and url.count(last) > url.count(_OPENER[last])):
            url = url[:-1]
        else:
            break
    return url if url.partition("://")[2] else ""


def _linkify(line):
    """One line as HTML: the text escaped, its http(s) addresses as links.
    Addresses are found in the text as typed and escaped on their own, so
    that escaping can never become part of one (a quote's "&quot;")."""
    pieces, done = [], 0
    for match in _URL.finditer(line):
        url = _address(match.group(0))
        if not url:
            continue
        escaped = html.escape(url, quote=True)
        pieces.append(html.escape(line[done : match.start()], quote=True))
        pieces.append(f'<a href="{escaped}">{escaped}</a>')
        done = match.start() + len(url)
    pieces.append(html.escape(line[done:], quote=True))
    return "".join(pieces)


def render_body(text):
    """Safe HTML: paragraphs, line breaks and http(s) links, sanitised by nh3."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    rendered = "".join(
        "<p>" + "<br>".join(_linkify(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
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
