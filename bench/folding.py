"""core.text.fold and what is built on it, per comment: the word filter's
folding, the near-duplicate words and the database search analysis, on
Spanish comments of 60 words (a fresh cache for each run, as a new process
has)."""

import random
import time

from core.text import fold
from moderation import words
from search import analysis, duplicates

COMMENTS = 5000
VOCABULARY = [
    "participación",
    "ciudadana",
    "presupuesto",
    "árboles",
    "bancos",
    "vecinos",
    "transparencia",
    "información",
    "pública",
    "municipio",
    "colonia",
    "calle",
    "parque",
    "niños",
    "agua",
    "drenaje",
    "Ayuntamiento",
    "propuesta",
    "está",
    "más",
    "así",
    "también",
    "según",
]


def _timed(function, texts):
    start = time.perf_counter()
    for text in texts:
        function(text)
    return (time.perf_counter() - start) / len(texts) * 1e6


def run():
    rng = random.Random(1)
    texts = [" ".join(rng.choice(VOCABULARY) for _ in range(60)) + f" {i}" for i in range(COMMENTS)]
    listed = [fold(word) for word in ("idiota", "estúpido", "idiot", "stupid")]
    rows = []
    for label, function in (
        ("fold (whole comment)", fold),
        ("word filter: first_match", lambda text: words.first_match(text, listed)),
        ("near-duplicate words", duplicates.words),
        ("search analysis (es + en keys)", analysis.analyse),
    ):
        duplicates._folded_words.cache_clear()
        analysis.keys.cache_clear()
        rows.append(
            {
                "step": label,
                "comments": COMMENTS,
                "µs per comment": round(_timed(function, texts), 1),
            }
        )
    return rows
