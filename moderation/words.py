"""The word filter: moderators list words and phrases; a comment containing
one is held for review. Matching ignores accents and case and respects word
boundaries, so "estupido" matches "ESTÚPIDO" but not "estupidez". Words and
comments are folded alike, by core.text.fold."""

import re
from functools import lru_cache

from core.text import fold
from moderation.models import FilteredWord


def canonical(word):
    """A normalised word or phrase with its spaces collapsed: the form
    first_match returns, whatever whitespace the comment used."""
    return " ".join(word.split())


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
    """The first listed (normalised) word found in `text`, as canonical()
    spells it, or None."""
    words = tuple(sorted({canonical(w) for w in words if w.strip()}))
    if not words:
        return None
    found = _pattern(words).search(fold(text))
    # The text matched may break a phrase over lines; the listed form is
    # what the moderator recognises.
    return canonical(found.group(0)) if found else None


def listed_words():
    """{canonical normalised form: the word as a moderator listed it}."""
    return {
        canonical(normalized): word
        for normalized, word in FilteredWord.objects.values_list("normalized", "word")
    }
