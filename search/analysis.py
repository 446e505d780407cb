"""The database backend's text analysis, the same on PostgreSQL and SQLite:
words folded (core.text.fold) and stemmed once for Spanish and once for
English with the Snowball stemmers.

Done in Python rather than by PostgreSQL's text search configurations
because PostgreSQL's Snowball Spanish stemmer leaves an unaccented
"participacion" unstemmed (so "participaciones" would not find it), its
configurations drop stop words (so "todos" could not be required), and one
analysis keeps both engines answering alike."""

import threading
from functools import lru_cache

import snowballstemmer

from core.text import fold
from search.query import WORD

# PostgreSQL refuses longer lexemes; both engines drop them alike.
MAX_KEY_BYTES = 2000

_local = threading.local()


def _stemmers():
    # Snowball stemmer objects keep state while stemming: one per thread.
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = (
            snowballstemmer.stemmer("spanish"),
            snowballstemmer.stemmer("english"),
        )
    return stemmers


@lru_cache(maxsize=100_000)
def keys(word):
    """The Spanish and the English index key of one word ("" when unusable)."""
    folded = fold(word)
    spanish, english = _stemmers()
    es, en = spanish.stemWord(folded), english.stemWord(folded)
    return (
        es if len(es.encode()) <= MAX_KEY_BYTES else "",
        en if len(en.encode()) <= MAX_KEY_BYTES else "",
    )


def analyse(text):
    """The Spanish keys and the English keys of a text's words, in order."""
    pairs = [keys(match.group()) for match in WORD.finditer(text or "")]
    return [es for es, _ in pairs if es], [en for _, en in pairs if en]
