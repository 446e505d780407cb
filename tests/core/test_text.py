"""core.text.fold: the one folding of the search analysis, the near-duplicate
keys and the word filter."""

import pytest

from core.text import fold
from moderation import words
from search import duplicates
from search.analysis import keys


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Participación", "participacion"),
        ("PARTICIPACIÓN", "participacion"),
        ("niño Ñandú", "nino nandu"),
        ("Pingüino", "pinguino"),
        ("Straße", "strasse"),
        # Compatibility forms: ligatures, full-width letters, superscripts.
        ("ﬁesta", "fiesta"),
        ("ＡＢＣ", "abc"),
        ("x²", "x2"),
        # Decomposed and precomposed accents fold alike.
        ("e\u0301", "e"),
        ("é", "e"),
        # Invisible format characters go: they neither split a word nor hide it.
        ("estú\u00adpido", "estupido"),
        ("es\u200btúpido", "estupido"),
        ("\u202eolleh", "olleh"),
        # ASCII: only the case.
        ("Hello, World! 123", "hello, world! 123"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_is_idempotent():
    for text in ["Participación ciudadana", "ＡＢＣ ﬁn Straße", "pala\u00adbra", "😀 héllo"]:
        assert fold(fold(text)) == fold(text)


def test_the_three_users_of_folding_agree():
    """What the word filter matches, the search analysis keys alike and the
    near-duplicate keys count as the same word."""
    for written, other in [("ESTÚPIDO", "estupido"), ("es\u200btúpido", "estúpido")]:
        assert words.first_match(written, [fold("estúpido")]) == "estupido"
        assert keys(written) == keys(other)
        assert duplicates.words(written) == duplicates.words(other)
