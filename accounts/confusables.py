"""The skeleton of a name: what is left of it once everything that only
looks different is made the same, so that "Dirесción de Gobierno Abierto"
(a Cyrillic е and с), "DIRECCION DE GOBIERNO ABIERTO" and "Dirección de
Gobierno Abierto" compare equal.

skeleton(): compatibility forms unified (full-width, mathematical and
circled letters to plain ones), look-alike letters of other scripts mapped
to the Latin letter they imitate, folded as core.text.fold folds (case,
accents), everything but letters and digits dropped, then the few Latin
shapes that pass for others (l and 1 for I, 0 for O, 5 for S, rn for m, vv
for w) made one. A hand-made table rather than Unicode's confusables.txt:
only the Latin alphabet needs protecting (the reserved names are Spanish
and English), and a name that merely folds like a reserved one costs its
owner nothing but another choice."""

import unicodedata

from core.text import fold

# Letters of other scripts that pass for Latin ones, to the lowercase Latin
# letter they imitate. Greek upper and lower case imitate different letters
# (Η is H, η is n), so both cases are listed and mapped before case folding.
_LOOK_ALIKES = {
    # Cyrillic
    "А": "a", "а": "a", "В": "b", "в": "b", "ь": "b", "С": "c", "с": "c",
    "Ԁ": "d", "ԁ": "d", "Е": "e", "е": "e", "Һ": "h", "һ": "h", "Н": "h", "н": "h",
    "І": "i", "і": "i", "Ӏ": "i", "ӏ": "i", "Ј": "j", "ј": "j", "К": "k", "к": "k",
    "М": "m", "м": "m", "п": "n", "О": "o", "о": "o", "Р": "p", "р": "p",
    "Ԛ": "q", "ԛ": "q", "г": "r", "Ѕ": "s", "ѕ": "s", "Т": "t", "т": "t",
    "Ѵ": "v", "ѵ": "v", "Ԝ": "w", "ԝ": "w", "Х": "x", "х": "x", "У": "y", "у": "y",
    "Ү": "y", "ү": "y",
    # Greek
    "Α": "a", "α": "a", "Β": "b", "β": "b", "Ε": "e", "ε": "e", "Η": "h", "η": "n",
    "Ι": "i", "ι": "i", "Κ": "k", "κ": "k", "Μ": "m", "μ": "u", "Ν": "n", "ν": "v",
    "Ο": "o", "ο": "o", "Ρ": "p", "ρ": "p", "Τ": "t", "τ": "t", "Υ": "y", "υ": "u",
    "Χ": "x", "χ": "x", "Ζ": "z", "γ": "y", "ω": "w",
    # Armenian
    "հ": "h", "ո": "n", "օ": "o", "զ": "q", "ս": "u", "ց": "g",
    # Latin letters that do not decompose: dotless, barred, stroked, small capitals
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ɨ": "i", "ø": "o", "Ø": "o",
    "đ": "d", "Đ": "d", "ħ": "h", "Ħ": "h", "ł": "l", "Ł": "l", "ŧ": "t", "Ŧ": "t",
    "ƀ": "b", "ɵ": "o", "ǥ": "g",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip
_LOOK_ALIKE_TABLE = str.maketrans(_LOOK_ALIKES)
# After folding, the Latin shapes that read as another: I and l (and 1) are
# one stroke in most sans-serif fonts.
_SHAPES = str.maketrans({"l": "i", "1": "i", "0": "o", "5": "s"})
_PAIRS = (("rn", "m"), ("vv", "w"))


def words(text):
    """The skeletons of `text`'s words (runs of letters and digits)."""
    mapped = fold(unicodedata.normalize("NFKD", text).translate(_LOOK_ALIKE_TABLE))
    # Again: case folding turned capitals the table does not list into small
    # letters it does (Ѕ -> ѕ).
    mapped = mapped.translate(_LOOK_ALIKE_TABLE)
    spaced = "".join(char if char.isalnum() else " " for char in mapped)
    return [_shape(word) for word in spaced.split()]


def skeleton(text):
    """`text` as it reads: "Dirесción de Gobierno Abierto" -> "direcciondegobiemoabierto"."""
    return _shape("".join(words(text)))


def _shape(word):
    word = word.translate(_SHAPES)
    for pair, letter in _PAIRS:
        word = word.replace(pair, letter)
    return word
