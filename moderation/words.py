"""The word filter: moderators list words and phrases; a comment containing
one is held for review. Matching ignores accents and case and respects word
boundaries, so "estupido" matches "ESTÚPIDO" but not "estupidez"."""

import re
import unicodedata
from functools import lru_cache


def normalize(text):
    """Lower case without accents: "Participación" -> "participacion".
    (ñ folds to n as well: both sides are folded the same way.)"""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


@lru_cache(maxsize=8)
def _pattern(words):
    # Longest first, so a phrase wins over a word it starts with. Spaces in a
    # phrase match any run of whitespace.
    alternatives = [
        r"\s+".join(re.escape(part) for part in word.split())
        for word in sorted(words, key=len, reverse=True)
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def first_match(text, words):
    """The first listed (normalised) word found in `text`, or None."""
    words = tuple(sorted({w for w in words if w.strip()}))
    if not words:
        return None
    found = _pattern(words).search(normalize(text))
    return found.group(0) if found else None


def listed_words():
    from moderation.models import FilteredWord

    return FilteredWord.objects.values_list("normalized", flat=True)
