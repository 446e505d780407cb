"""Opinion groups: who votes alike, what each group stands for, and what
every group agrees with, from the agree / disagree / pass reactions on a
consultation's comments, after Pol.is (Small et al., "Polis: Scaling
deliberation by mapping high dimensional opinion spaces", 2021; the method as
coded in compdemocracy/polis, math/src/polismath/math/). Pure numerics: no
database; summaries/opinions.py feeds it and stores the result.

The method, step by step:

1. A people × comments matrix of the reactions in scope: agree +1, disagree
   -1, pass 0, no reaction missing. Only comments with a reaction count.
   People with fewer than min(min_votes, number of comments) reactions are
   left out of the grouping (Pol.is's in-conversation rule; default 7) and
   their membership is None.
2. Missing votes are imputed with the comment's mean over the people kept;
   the matrix is centred and projected on its first two principal
   components. Imputed entries are then exactly zero once centred, so the
   centred matrix is sparse and the components come from a randomized SVD of
   it (no dense copy). Each person's point is multiplied by
   sqrt(comments / their reactions), Pol.is's correction that keeps people
   who voted on few comments from all sitting at the centre. Pol.is keeps
   comments moderated out as columns of zeros, which count as everyone's
   votes in this scaling (and nowhere else): `moderated_out` does the same.
3. Up to 100 base clusters by k-means on the 2-D points, then k-means on the
   base clusters' centres, weighted by their sizes, for k = 2 … K, with K =
   min(max_groups, 2 + base clusters // 12) as Pol.is does. A k is allowed
   only when its smallest group has at least min_group people. The rule:
   the allowed k with the highest silhouette (over the base-cluster centres,
   Pol.is's silhouette; ties go to the smaller k). No threshold: as in
   Pol.is, any allowed split is shown, and its silhouette is in the result so
   a reader can judge it. When no k is allowed, or every point is the same
   (everyone voted alike), or there are fewer than 2 × min_group kept
   people, everyone kept forms one group ("one_group"). Fewer kept people
   than min_group: "too_few_people", nothing is grouped. Base clusters are
   k-means++ with a fixed seed (three restarts up to 2,000 people, one
   above); the groups' k-means has ten restarts.
   Groups are numbered 1 … k by size, largest first (ties by centre).
4. Representative comments of each group (Pol.is's "repness"): for agree,
   pa = (1 + agree_in) / (2 + seen_in), the same over everyone in the other
   groups, ra = pa / pa_out; a one-proportion z-test of pa against ½ and a
   two-proportion z-test of in against out (both with the +1 smoothing of
   Pol.is). Likewise for disagree; the direction with the larger two-
   proportion z is kept. A comment counts when the group has seen it at
   least twice and both z are above 1.2816 (90 %, one-sided); they are
   ranked by ra × z_ra × pa × z_pa and the first `top` kept. When none
   passes, the single comment with the best two-proportion z is shown, as
   Pol.is does, so every group has at least one.
5. Bridging comments: the score of a comment is the minimum over groups of
   the smoothed agree rate (1 + agree_g) / (2 + seen_g), over comments every
   group has seen; those above ½ (most of every group agrees), best first.
   Divisive comments: the spread max − min of the same rate over groups;
   those with a spread above 0.3, best first. 0.3 is thirty points between
   the group that agrees most and the one that agrees least: with the
   smallest group allowed (5 people) one vote moves a smoothed rate by at
   most 1/7 ≈ 0.14, so a spread above 0.3 is more than two votes' worth.
6. A map: every grouped person's point, scaled to the unit square, counted
   per cell of a 24 × 24 grid and per group. Positions, never identities.

The same input gives the same output: every random step has a fixed seed,
rows and columns are ordered by participant and comment key.

Where this differs from Pol.is, and why: Pol.is updates a conversation vote
by vote and starts each k-means and its PCA from the previous update's
result, and changes k only after the same k won four updates running; its
groups therefore depend on the order votes came in. This computes from the
reactions as they are now. Pol.is imputes with the mean over everyone and
tops the grouped people up to 15 with the heaviest voters; this imputes over
the people kept (closer to Pol.is's groups on its open data) and never
groups anyone below min_votes. bench/opinion_groups.py measures the
agreement with Pol.is's own groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.utils.extmath import randomized_svd, svd_flip

VERSION = 1
BASE_CLUSTERS = 100
BASE_RESTARTS_UP_TO = 2_000
MAP_GRID = 24
# Pol.is's one-sided 90 % significance for its z-tests.
Z_90 = 1.2816
# A representative comment must have been seen this often inside the group.
MIN_SEEN_IN = 2
BRIDGING_ABOVE = 0.5
DIVISIVE_ABOVE = 0.3

GROUPS = "groups"
ONE_GROUP = "one_group"
NO_REACTIONS = "no_reactions"
TOO_FEW_PEOPLE = "too_few_people"


@dataclass(frozen=True)
class GroupingSettings:
    min_votes: int = 7  # fewer reactions in the scope: left out of the grouping
    min_group: int = 5  # no group smaller than this is formed or shown
    max_groups: int = 5
    top: int = 5  # comments per list
    seed: int = 0

    def __post_init__(self):
        if self.min_votes < 1 or self.min_group < 1 or self.max_groups < 2 or self.top < 1:
            raise ValueError(
                "Opinion groups need min_votes ≥ 1, min_group ≥ 1, max_groups ≥ 2 and top ≥ 1."
            )

    @classmethod
    def from_settings(cls) -> GroupingSettings:
        from django.conf import settings

        configured = getattr(settings, "PUENTE_OPINION_GROUPS", {})
        names = ("min_votes", "min_group", "max_groups", "top", "seed")
        return cls(**{name: int(configured[name]) for name in names if name in configured})


@dataclass
class Analysis:
    status: str
    settings: GroupingSettings
    # Participant key -> group number (1..k), or None when left out. Stays on
    # the server: to_json() never includes it.
    membership: dict[int, int | None] = field(default_factory=dict)
    participants: int = 0
    comments: int = 0
    reactions: int = 0
    chosen: int | None = None
    silhouette: dict[int, float] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    bridging: list[dict] = field(default_factory=list)
    divisive: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)

    @property
    def grouped(self) -> int:
        return sum(1 for number in self.membership.values() if number is not None)

    def to_json(self) -> dict:
        grouped = self.grouped
        return {
            "version": VERSION,
            "status": self.status,
            "settings": {
                "min_votes": self.settings.min_votes,
                "min_group": self.settings.min_group,
                "max_groups": self.settings.max_groups,
            },
            "participants": self.participants,
            "grouped": grouped,
            "left_out": self.participants - grouped,
            "comments": self.comments,
            "reactions": self.reactions,
            "rule": {
                "chosen": self.chosen,
                "silhouette": {str(k): round(v, 4) for k, v in sorted(self.silhouette.items())},
            },
            "groups": self.groups,
            "bridging": self.bridging,
            "divisive": self.divisive,
            "map": {"grid": MAP_GRID, "cells": self.cells},
        }


# -- input -------------------------------------------------------------------


def _as_int_array(values, name):
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"Opinion groups: {name} must be one-dimensional.")
    if array.size == 0:
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise ValueError(f"Opinion groups: {name} must be whole numbers.")
    elif array.dtype.kind not in "iub":
        raise ValueError(f"Opinion groups: {name} must be whole numbers.")
    return array.astype(np.int64)


def _validated(participants, comments, votes):
    participants = _as_int_array(participants, "participants")
    comments = _as_int_array(comments, "comments")
    votes = _as_int_array(votes, "votes")
    if not (participants.size == comments.size == votes.size):
        raise ValueError(
            "Opinion groups: participants, comments and votes must have one entry per reaction "
            f"(got {participants.size}, {comments.size} and {votes.size})."
        )
    bad = (votes < -1) | (votes > 1)
    if bad.any():
        raise ValueError(
            f"Opinion groups: votes must be -1, 0 or 1 (got {int(votes[bad][0])} "
            f"at entry {int(np.flatnonzero(bad)[0])})."
        )
    return participants, comments, votes


@dataclass
class _Matrix:
    """The reactions as indices: row i is person_keys[i], column j is
    comment_keys[j]."""

    person_keys: np.ndarray
    comment_keys: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    votes: np.ndarray

    @property
    def shape(self):
        return self.person_keys.size, self.comment_keys.size


def _matrix(participants, comments, votes) -> _Matrix:
    person_keys, rows = np.unique(participants, return_inverse=True)
    comment_keys, cols = np.unique(comments, return_inverse=True)
    cell = np.sort(rows.astype(np.int64) * comment_keys.size + cols)
    if np.any(cell[1:] == cell[:-1]):
        raise ValueError("Opinion groups: at most one reaction per participant and comment.")
    return _Matrix(person_keys, comment_keys, rows, cols, votes.astype(np.int8))


# -- projection --------------------------------------------------------------


def _project(m: _Matrix, kept: np.ndarray, seed: int, moderated_out: int = 0) -> np.ndarray:
    """2-D points of the kept people (in row order of `kept`), Pol.is's PCA
    with column-mean imputation and its sparsity scaling."""
    n_people, n_comments = m.shape
    new_row = np.full(n_people, -1, dtype=np.int64)
    new_row[kept] = np.arange(kept.size)
    in_kept = new_row[m.rows] >= 0
    rows, cols = new_row[m.rows[in_kept]], m.cols[in_kept]
    values = m.votes[in_kept].astype(np.float32)
    seen = np.bincount(cols, minlength=n_comments)
    means = np.bincount(cols, weights=values, minlength=n_comments) / np.maximum(seen, 1)
    centred = sparse.csr_matrix(
        (values - means[cols].astype(np.float32), (rows, cols)),
        shape=(kept.size, n_comments),
        dtype=np.float32,
    )
    n_votes = np.bincount(rows, minlength=kept.size)
    # Pol.is keeps comments moderated out as columns of zeros: they count as
    # votes of everyone in this scaling only (they carry no variance).
    scale = np.sqrt((n_comments + moderated_out) / np.maximum(n_votes + moderated_out, 1))
    if n_comments < 2 or centred.nnz == 0 or not np.any(centred.data):
        return np.zeros((kept.size, 2))
    u, s, vt = randomized_svd(centred, n_components=2, n_iter=7, random_state=seed)
    u, vt = svd_flip(u, vt)
    points = np.asarray(centred @ vt.T, dtype=np.float64)
    # Rounded so that float noise does not split people who voted alike.
    return np.round(points * scale[:, None], 9)


# -- clusters ----------------------------------------------------------------


def _kmeans(points, k, seed, weights=None, n_init=10):
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed)
    labels = model.fit_predict(points, sample_weight=weights)
    return labels, model.cluster_centers_


def _base_clusters(points, seed):
    distinct = np.unique(points, axis=0)
    k = min(BASE_CLUSTERS, distinct.shape[0])
    if k == distinct.shape[0]:
        # Fewer distinct points than base clusters: each point is its own.
        _, labels = np.unique(points, axis=0, return_inverse=True)
        return labels.ravel(), distinct
    # Three starts keep small conversations stable from seed to seed; one is
    # enough (and affordable) for thousands of people.
    return _kmeans(points, k, seed, n_init=3 if points.shape[0] <= BASE_RESTARTS_UP_TO else 1)


def _choose_groups(points, settings):
    """Label (0..k-1) per point, the silhouettes tried and the k chosen."""
    base_labels, centres = _base_clusters(points, settings.seed)
    weights = np.bincount(base_labels, minlength=centres.shape[0]).astype(np.float64)
    top_k = min(settings.max_groups, 2 + centres.shape[0] // 12, centres.shape[0])
    silhouettes, options = {}, {}
    for k in range(2, top_k + 1):
        labels, _ = _kmeans(centres, k, settings.seed, weights=weights)
        if np.unique(labels).size < 2:
            continue
        sizes = np.bincount(labels, weights=weights, minlength=k)
        if sizes.min() < settings.min_group:
            continue
        silhouettes[k] = _silhouette(centres, labels)
        options[k] = labels
    if not options:
        return np.zeros(points.shape[0], dtype=np.int64), silhouettes, None
    chosen = max(options, key=lambda k: (silhouettes[k], -k))
    return options[chosen][base_labels], silhouettes, chosen


def _silhouette(centres, labels):
    """Pol.is's silhouette: the mean over base-cluster centres, unweighted;
    a centre alone in its group counts 0 (so k = number of centres is 0)."""
    if np.unique(labels).size >= centres.shape[0]:
        return 0.0
    return float(silhouette_score(centres, labels))


def _numbered(labels, points):
    """Group numbers 1..k: largest first, ties by centre."""
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k)
    centres = [points[labels == g].mean(axis=0) for g in range(k)]
    order = sorted(range(k), key=lambda g: (-sizes[g], centres[g][0], centres[g][1]))
    renumber = np.empty(k, dtype=np.int64)
    renumber[order] = np.arange(1, k + 1)
    return renumber[labels]


# -- comment statistics ------------------------------------------------------


def _group_counts(m: _Matrix, group_of_row: np.ndarray, k: int):
    """agree, disagree, seen: arrays k × comments over group members' votes."""
    groups = group_of_row[m.rows]
    inside = groups > 0
    cell = (groups[inside] - 1) * m.shape[1] + m.cols[inside]
    votes = m.votes[inside]
    size = k * m.shape[1]

    def count(mask):
        return np.bincount(cell[mask], minlength=size).reshape(k, m.shape[1])

    return count(votes == 1), count(votes == -1), count(np.ones(votes.size, dtype=bool))


def _prop_test(successes, trials):
    successes, trials = successes + 1.0, trials + 1.0
    return 2 * np.sqrt(trials) * (successes / trials - 0.5)


def _two_prop_test(succ_in, succ_out, pop_in, pop_out):
    succ_in, succ_out, pop_in, pop_out = (
        np.asarray(x, dtype=np.float64) + 1 for x in (succ_in, succ_out, pop_in, pop_out)
    )
    pi_hat = (succ_in + succ_out) / (pop_in + pop_out)
    denominator = np.sqrt(pi_hat * (1 - pi_hat) * (1 / pop_in + 1 / pop_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (succ_in / pop_in - succ_out / pop_out) / denominator
    return np.where(pi_hat >= 1, 0.0, np.nan_to_num(z))


def _rate(agree, seen):
    return round(agree / seen, 4) if seen else None


def _side(agree, disagree, seen):
    return {
        "agree": int(agree),
        "disagree": int(disagree),
        "seen": int(seen),
        "rate": _rate(agree, seen),
    }


def _direction_stats(hits, seen, hits_out, seen_out):
    p = (1 + hits) / (2 + seen)
    ratio = p / ((1 + hits_out) / (2 + seen_out))
    z_p = _prop_test(hits, seen)
    z_ratio = _two_prop_test(hits, hits_out, seen, seen_out)
    return p, ratio, z_p, z_ratio


def _representative(agree, disagree, seen, g, top):
    """Pol.is's representative comments of group g (row g of the counts)."""
    out = [x.sum(axis=0) - x[g] for x in (agree, disagree, seen)]
    pa, ra, z_pa, z_ra = _direction_stats(agree[g], seen[g], out[0], out[2])
    pd, rd, z_pd, z_rd = _direction_stats(disagree[g], seen[g], out[1], out[2])
    agrees = z_ra > z_rd
    p, r, z_p, z_r = (
        np.where(agrees, a, d) for a, d in ((pa, pd), (ra, rd), (z_pa, z_pd), (z_ra, z_rd))
    )
    score = r * z_r * p * z_p
    enough = seen[g] >= MIN_SEEN_IN
    passes = enough & (z_r > Z_90) & (z_p > Z_90)
    if passes.any():
        chosen = np.flatnonzero(passes)
        chosen = chosen[np.lexsort((chosen, -score[chosen]))][:top]
    elif enough.any():
        candidates = np.flatnonzero(enough)
        chosen = candidates[[int(np.argmax(z_r[candidates]))]]
    else:
        chosen = np.array([], dtype=np.int64)
    return chosen, agrees, score, out


def _cross_group(agree, seen, comment_keys, top):
    """Bridging and divisive comments: smoothed agree rates per group."""
    rates = (1 + agree) / (2 + seen)
    everyone = (seen >= 1).all(axis=0)
    bridging = rates.min(axis=0)
    spread = rates.max(axis=0) - rates.min(axis=0)

    def best(score, keep):
        index = np.flatnonzero(keep)
        return index[np.lexsort((comment_keys[index], -score[index]))][:top]

    return (
        [(j, bridging[j]) for j in best(bridging, everyone & (bridging > BRIDGING_ABOVE))],
        [(j, spread[j]) for j in best(spread, everyone & (spread > DIVISIVE_ABOVE))],
    )


def _per_group(agree, disagree, seen, j):
    return [
        {"number": g + 1, **_side(agree[g, j], disagree[g, j], seen[g, j])}
        for g in range(agree.shape[0])
    ]


# -- map ---------------------------------------------------------------------


def _unit_square(points):
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    scaled = (points - low) / span
    return np.where(high > low, scaled, 0.5)


def _cells(unit, numbers):
    index = np.minimum((unit * MAP_GRID).astype(np.int64), MAP_GRID - 1)
    key = (numbers * MAP_GRID + index[:, 0]) * MAP_GRID + index[:, 1]
    keys, counts = np.unique(key, return_counts=True)
    cells = []
    for key_, count in zip(keys.tolist(), counts.tolist(), strict=True):
        rest, y = divmod(key_, MAP_GRID)
        group, x = divmod(rest, MAP_GRID)
        cells.append(
            {
                "x": round((x + 0.5) / MAP_GRID, 4),
                "y": round((y + 0.5) / MAP_GRID, 4),
                "group": group,
                "count": count,
            }
        )
    return cells


# -- the analysis ------------------------------------------------------------


def analyse(
    participants,
    comments,
    votes,
    settings: GroupingSettings | None = None,
    *,
    moderated_out: int = 0,
) -> Analysis:
    """Opinion groups of the reactions given as three parallel sequences, one
    entry per reaction: participant key, comment key, vote (-1, 0 or 1).
    `moderated_out`: how many comments in scope were reacted to and then
    moderated out (their reactions are not given); Pol.is counts them in its
    sparsity scaling, and so does this when told.
    Raises ValueError on votes outside -1/0/1, arrays of unequal length, two
    reactions of one participant to one comment or a negative moderated_out."""
    settings = settings or GroupingSettings()
    if int(moderated_out) != moderated_out or moderated_out < 0:
        raise ValueError("Opinion groups: moderated_out must be a whole number ≥ 0.")
    participants, comments, votes = _validated(participants, comments, votes)
    if votes.size == 0:
        return Analysis(status=NO_REACTIONS, settings=settings)
    m = _matrix(participants, comments, votes)
    n_people, n_comments = m.shape
    analysis = Analysis(
        status=TOO_FEW_PEOPLE,
        settings=settings,
        membership=dict.fromkeys(m.person_keys.tolist()),
        participants=n_people,
        comments=n_comments,
        reactions=int(votes.size),
    )
    n_votes = np.bincount(m.rows, minlength=n_people)
    kept = np.flatnonzero(n_votes >= min(settings.min_votes, n_comments))
    if kept.size < settings.min_group:
        return analysis
    points = _project(m, kept, settings.seed, int(moderated_out))
    if kept.size < 2 * settings.min_group or np.unique(points, axis=0).shape[0] < 2:
        labels, analysis.silhouette, analysis.chosen = np.zeros(kept.size, dtype=np.int64), {}, None
    else:
        labels, analysis.silhouette, analysis.chosen = _choose_groups(points, settings)
    numbers = _numbered(labels, points)
    k = int(numbers.max())
    analysis.status = GROUPS if k > 1 else ONE_GROUP
    analysis.chosen = k
    group_of_row = np.zeros(n_people, dtype=np.int64)
    group_of_row[kept] = numbers
    analysis.membership = dict(
        zip(m.person_keys.tolist(), [int(g) or None for g in group_of_row.tolist()], strict=True)
    )
    _describe(analysis, m, group_of_row, _unit_square(points), numbers, k)
    return analysis


def _describe(analysis, m, group_of_row, unit, numbers, k):
    top = analysis.settings.top
    agree, disagree, seen = _group_counts(m, group_of_row, k)
    keys = m.comment_keys
    for g in range(k):
        members = numbers == g + 1
        group = {
            "number": g + 1,
            "size": int(members.sum()),
            "centre": [round(float(c), 4) for c in unit[members].mean(axis=0)],
            "representative": [],
        }
        if k > 1:
            chosen, agrees, score, out = _representative(agree, disagree, seen, g, top)
            group["representative"] = [
                {
                    "comment": int(keys[j]),
                    "direction": "agree" if agrees[j] else "disagree",
                    "in": _side(agree[g, j], disagree[g, j], seen[g, j]),
                    "out": _side(out[0][j], out[1][j], out[2][j]),
                    "score": round(float(score[j]), 4),
                }
                for j in chosen
            ]
        analysis.groups.append(group)
    bridging, divisive = _cross_group(agree, seen, keys, top)
    analysis.bridging = [
        {
            "comment": int(keys[j]),
            "score": round(float(s), 4),
            "groups": _per_group(agree, disagree, seen, j),
        }
        for j, s in bridging
    ]
    if k > 1:
        analysis.divisive = [
            {
                "comment": int(keys[j]),
                "score": round(float(s), 4),
                "groups": _per_group(agree, disagree, seen, j),
            }
            for j, s in divisive
        ]
    analysis.cells = _cells(unit, numbers)


__all__ = [
    "GROUPS",
    "NO_REACTIONS",
    "ONE_GROUP",
    "TOO_FEW_PEOPLE",
    "Analysis",
    "GroupingSettings",
    "analyse",
]
