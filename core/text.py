"""One way to fold text for matching, used by the search analysis, the
near-duplicate keys and the word filter, so that what one of them treats
as the same word the others do too.

fold(): compatibility forms unified (ﬁ → fi, full-width → ASCII), case
folded (ß → ss), accents and other nonspacing marks dropped (ñ → n: both
sides of every comparison are folded alike), and invisible format
characters dropped (a soft hyphen or a zero-width space inside a word
does not split it or slip it past the filter). Changing it changes stored
index keys: run `manage.py search_rebuild` after."""

import sys
import unicodedata
from functools import cache

_DROPPED_CATEGORIES = ("Mn", "Cf")


@cache
def _dropped():
    """A str.translate table deleting every nonspacing mark and format
    character; built on first use from a scan of all code points."""
    return dict.fromkeys(
        code
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in _DROPPED_CATEGORIES
    )


def fold(text):
    """`text` folded for matching: "PARTICIPACIÓN" -> "participacion"."""
    if text.isascii():
        # Nothing to decompose and no marks: only the case (ASCII casefold is lower).
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return unicodedata.normalize("NFC", decomposed.translate(_dropped()))
