"""Opinion groups (issue 19), summaries/opinion_groups.analyse:

1. Agreement with Pol.is on the real conversations in ../shared/polis-open-data
   (CC BY 4.0, The Computational Democracy Project; not copied into the
   project): people, comments and votes, Pol.is's number of groups and ours,
   and the adjusted Rand index between Pol.is's group-id and our groups over
   the participants both grouped (and over everyone Pol.is grouped, a person
   we left out counting as a group of their own). Comments moderated out are
   dropped, and their number is passed as `moderated_out` as Pol.is counts
   them in its scaling; the ARI without it is printed too.
2. Speed and memory on a synthetic 10,000 people × 2,000 comments × 500,000
   reactions (four latent camps, each person reacting to 50 random
   comments): wall time per step, tracemalloc's peak (numpy's arrays) and
   the process's peak RSS, against 5 s and 1 GiB.

Run: .venv/bin/python -m bench.opinion_groups (no database), or through
python -m bench opinion_groups."""

import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from summaries import opinion_groups as og

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "polis-open-data"
PEOPLE = 10_000
COMMENTS = 2_000
PER_PERSON = 50  # 10,000 × 50 = 500,000 reactions
CAMPS = 4
TARGET_S = 5.0
TARGET_MB = 1024
VOTE_FIELDS = ("participant", "comment", "vote")


def polis_rows():
    from summaries.polis import read_export

    rows = []
    if not DATA.is_dir():
        print(f"No Pol.is conversations at {DATA}: agreement with Pol.is skipped.")
        return rows
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        export = read_export(folder)
        out = {c.id for c in export.comments if c.moderated == -1}
        votes = [v for v in export.votes if v.comment not in out]
        voted_out = len({v.comment for v in export.votes if v.comment in out})
        columns = [np.array([getattr(v, name) for v in votes]) for name in VOTE_FIELDS]
        started = time.perf_counter()
        ours = og.analyse(*columns, moderated_out=voted_out)
        seconds = time.perf_counter() - started
        plain = og.analyse(*columns)
        theirs = {p: g for p, g in export.groups.items() if g is not None}
        rows.append(
            {
                "conversation": folder.name,
                "people": len({v.participant for v in votes}),
                "comments": len({v.comment for v in votes}),
                "votes": len(votes),
                "polis groups": len(set(theirs.values())),
                "our groups": len(ours.groups),
                "our sizes": "/".join(str(g["size"]) for g in ours.groups),
                "ARI": _ari(theirs, ours.membership, both=True),
                "ARI all polis grouped": _ari(theirs, ours.membership, both=False),
                "ARI without moderated_out": _ari(theirs, plain.membership, both=True),
                "ms": round(seconds * 1000),
            }
        )
    return rows


def _ari(theirs, membership, both):
    people = [p for p in theirs if not both or membership.get(p) is not None]
    ours = [membership.get(p) or 0 for p in people]
    return round(adjusted_rand_score([theirs[p] for p in people], ours), 3)


def synthetic(seed=19):
    """Opinion-structured reactions: each comment has a stance per camp; a
    person agrees with their camp's stance, now and then passes or strays."""
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, CAMPS, PEOPLE)
    stance = rng.choice(np.array([-1, 1], dtype=np.int8), size=(CAMPS, COMMENTS))
    people = np.repeat(np.arange(PEOPLE), PER_PERSON)
    comments = np.concatenate(
        [rng.choice(COMMENTS, PER_PERSON, replace=False) for _ in range(PEOPLE)]
    )
    votes = stance[camp[people], comments].astype(np.int64)
    draw = rng.random(votes.size)
    votes[draw < 0.15] *= -1
    votes[draw > 0.9] = 0
    return people + 1000, comments + 1, votes, camp


def timed_steps(people, comments, votes):
    settings = og.GroupingSettings()
    steps = {}
    started = time.perf_counter()
    checked = og._validated(people, comments, votes)
    m = og._matrix(*checked)
    steps["matrix s"] = time.perf_counter() - started
    started = time.perf_counter()
    kept = np.flatnonzero(np.bincount(m.rows) >= settings.min_votes)
    points = og._project(m, kept, settings.seed)
    steps["projection s"] = time.perf_counter() - started
    started = time.perf_counter()
    og._choose_groups(points, settings)
    steps["clusters s"] = time.perf_counter() - started
    return {name: round(value, 3) for name, value in steps.items()}


def speed_row():
    people, comments, votes, camp = synthetic()
    steps = timed_steps(people, comments, votes)
    started = time.perf_counter()
    analysis = og.analyse(people, comments, votes)
    analysis.to_json()
    seconds = time.perf_counter() - started
    # Apart: tracemalloc slows every allocation down.
    tracemalloc.start()
    og.analyse(people, comments, votes)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    keys = np.unique(people)
    truth = camp[keys - 1000]
    ours = [analysis.membership[int(k)] or 0 for k in keys]
    passed = seconds <= TARGET_S and rss_mb <= TARGET_MB
    return {
        "case": f"{PEOPLE:,} × {COMMENTS:,} × {votes.size:,}",
        **steps,
        "analyse + to_json s": round(seconds, 2),
        "numpy peak MB": round(peak / 2**20),
        "process peak RSS MB": round(rss_mb),
        "groups": len(analysis.groups),
        "ARI vs camps": round(adjusted_rand_score(truth, ours), 3),
        "target": f"≤ {TARGET_S:g} s, ≤ {TARGET_MB} MB",
        "result": "PASS" if passed else "FAIL",
    }


def run():
    rows = polis_rows()
    _print("opinion groups: agreement with Pol.is", rows)
    speed = [speed_row()]
    _print("opinion groups: speed and memory", speed)
    # One table for python -m bench: every row with every column.
    columns = list(dict.fromkeys(key for row in rows + speed for key in row))
    return [{key: row.get(key, "") for key in columns} for row in rows + speed]


def _print(name, rows):
    if not rows:
        return
    print(f"\n## {name}")
    for row in rows:
        print("  " + ", ".join(f"{key}: {value}" for key, value in row.items()))


if __name__ == "__main__":
    run()
