"""Stored opinion groups written by hand in the contract's shape
(summaries/opinion_groups.py Analysis.to_json), for the tests of the pages,
the API and the files that show them (and the browser tests' axe checks):
they read what the pages make of an analysis, whatever the numerics
compute."""

from datetime import UTC, datetime

from summaries import opinions
from summaries.models import WHOLE_CONSULTATION, OpinionGroups

COMPUTED = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)


def rate(agree, disagree, seen):
    return {"agree": agree, "disagree": disagree, "seen": seen, "rate": round(agree / seen, 4)}


def analysis_for(ids, sizes=(12, 8), status="groups", extra_comments=0):
    """A stored analysis in the contract's shape: a group per size (group n
    represented by ids[n-1]), the last id bridging, the one before it
    divisive, two map cells per group."""
    if status in ("no_reactions", "too_few_people"):
        sizes = ()
    groups = [
        {
            "number": n,
            "size": size,
            "centre": [0.5 * n, -0.25 * n],
            "representative": [
                {
                    "comment": ids[(n - 1) % len(ids)],
                    "direction": "agree" if n == 1 else "disagree",
                    "in": rate(9, 1, 11),
                    "out": rate(2, 6, 10),
                    "score": 3.25,
                }
            ]
            + [
                {
                    "comment": ids[(n + k) % len(ids)],
                    "direction": "agree",
                    "in": rate(5, 2, 8),
                    "out": rate(3, 3, 8),
                    "score": 1.5,
                }
                for k in range(extra_comments)
            ],
        }
        for n, size in enumerate(sizes, start=1)
    ]
    across = [{"number": n, **rate(7 + n, 1, 10)} for n in range(1, len(sizes) + 1)]
    grouped = sum(sizes)
    return {
        "version": 1,
        "status": status,
        "settings": {"min_votes": 7, "min_group": 5, "max_groups": 5},
        "participants": grouped + 3,
        "grouped": grouped,
        "left_out": 3,
        "comments": len(ids),
        "reactions": 140,
        "rule": {"chosen": len(sizes) if status == "groups" else None, "silhouette": {"2": 0.61}},
        "groups": groups,
        "bridging": [{"comment": ids[-1], "score": 0.75, "groups": across}] if sizes else [],
        "divisive": [{"comment": ids[-2], "score": 0.5, "groups": across}]
        if status == "groups"
        else [],
        "map": {
            "grid": 24,
            "cells": [
                {
                    "x": round(0.1 * n + dx, 4),
                    "y": round(0.9 - 0.1 * n, 4),
                    "group": n,
                    "count": count,
                }
                for n, size in enumerate(sizes, start=1)
                for dx, count in ((0.0, size - 2), (0.04, 2))
            ],  # fmt: skip
        },
    }


def store(page, analysis, question=WHOLE_CONSULTATION, cursor=None):
    """Store `analysis` for the page (or one question) at its current cursor
    (so it is current) unless told otherwise."""
    return OpinionGroups.objects.update_or_create(
        consultation=page,
        question=question,
        defaults={
            "analysis": analysis,
            "cursor": opinions.current_cursor(page.pk) if cursor is None else cursor,
            "computed_at": COMPUTED,
            "seconds": 0.5,
        },
    )[0]
