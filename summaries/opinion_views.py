"""Opinion groups as the admin summary, the API, the downloaded files and
the public report show them: read from the analysis stored in the
background (summaries/opinions.py), never computed in a request.

visible() is the one place that decides what of a stored analysis may be
shown: only the figures it knows (so nothing else a stored analysis might
hold, membership above all, can reach a page), and no group smaller than
PUENTE_OPINION_GROUPS["min_group"] people, even one stored under an older,
smaller setting. Every reader goes through present(), which calls it."""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from summaries import opinions
from summaries.models import WHOLE_CONSULTATION
from summaries.opinion_map import opinion_map, shape_of
from summaries.summary import comment_refs

PENDING = "pending"
STATUSES = ("groups", "one_group", "no_reactions", "too_few_people")
DIRECTIONS = ("agree", "disagree")


def minimum_group():
    return settings.PUENTE_OPINION_GROUPS["min_group"]


class OpinionGroupsFilter(forms.Form):
    """The scope asked for: the whole consultation, or one of its questions
    (groups are computed for those only)."""

    question = forms.TypedChoiceField(
        label=_("Question"),
        help_text=_("One of the consultation's questions; the whole consultation without it."),
        required=False,
        coerce=int,
    )

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [
            ("", _("Every question")),
            *((q.pk, q.text) for q in consultation.ordered_questions),
        ]


# What visible() keeps.
_COUNTS = ("participants", "grouped", "left_out", "comments", "reactions")
_SETTINGS = ("min_votes", "min_group", "max_groups")
_RATE = ("agree", "disagree", "seen")


def _int(value):
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _float(value):
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _rate(entry):
    entry = entry if isinstance(entry, dict) else {}
    return {**{key: _int(entry.get(key)) for key in _RATE}, "rate": _float(entry.get("rate"))}


def _across(entries, shown):
    """Bridging or divisive entries, with the rates of the groups shown only."""
    return [
        {
            "comment": _int(entry.get("comment")),
            "score": _float(entry.get("score")),
            "groups": [
                {"number": _int(g.get("number")), **_rate(g)}
                for g in entry.get("groups") or []
                if isinstance(g, dict) and g.get("number") in shown
            ],
        }
        for entry in entries or []
        if isinstance(entry, dict)
    ]


def visible(analysis, minimum=None):
    """The stored `analysis` (Analysis.to_json()) reduced to what may be
    shown. A group under `minimum` people (default: the setting) is left
    out, with its map cells and its rates in the bridging and divisive
    lists; `hidden_groups` counts them, and when none is left the status
    is "too_few_people"."""
    minimum = minimum_group() if minimum is None else minimum
    analysis = analysis if isinstance(analysis, dict) else {}
    status = analysis.get("status")
    status = status if status in STATUSES else "no_reactions"
    groups, hidden = [], 0
    for group in analysis.get("groups") or []:
        if not isinstance(group, dict):
            continue
        if _int(group.get("size")) < minimum:
            hidden += 1
            continue
        groups.append(
            {
                "number": _int(group.get("number")),
                "size": _int(group.get("size")),
                "centre": [_float(v) for v in (group.get("centre") or [])[:2]],
                "representative": [
                    {
                        "comment": _int(item.get("comment")),
                        "direction": item.get("direction")
                        if item.get("direction") in DIRECTIONS
                        else "agree",
                        "in": _rate(item.get("in")),
                        "out": _rate(item.get("out")),
                        "score": _float(item.get("score")),
                    }
                    for item in group.get("representative") or []
                    if isinstance(item, dict)
                ],
            }
        )
    if status in ("groups", "one_group") and not groups:
        status = "too_few_people"
    shown = {group["number"] for group in groups}
    grouped = status in ("groups", "one_group")
    stored_map = analysis.get("map") if isinstance(analysis.get("map"), dict) else {}
    rule = analysis.get("rule") if isinstance(analysis.get("rule"), dict) else {}
    silhouette = rule.get("silhouette") if isinstance(rule.get("silhouette"), dict) else {}
    chosen = rule.get("chosen")
    return {
        "status": status,
        "settings": {
            key: _int((analysis.get("settings") or {}).get(key))
            or settings.PUENTE_OPINION_GROUPS[key]
            for key in _SETTINGS
        },
        **{key: _int(analysis.get(key)) for key in _COUNTS},
        "rule": {
            "chosen": _int(chosen) if isinstance(chosen, int) else None,
            "silhouette": {str(k): _float(v) for k, v in silhouette.items()},
        },
        "groups": groups,
        "hidden_groups": hidden,
        "bridging": _across(analysis.get("bridging"), shown) if grouped else [],
        "divisive": _across(analysis.get("divisive"), shown) if status == "groups" else [],
        "map": {
            "grid": _int(stored_map.get("grid")),
            "cells": [
                {
                    "x": _float(cell.get("x")),
                    "y": _float(cell.get("y")),
                    "group": _int(cell.get("group")),
                    "count": _int(cell.get("count")),
                }
                for cell in stored_map.get("cells") or []
                if isinstance(cell, dict) and cell.get("group") in shown
            ]
            if grouped
            else [],
        },
    }


@dataclass
class Rate:
    """Reactions to one comment in a group (or outside it)."""

    agree: int
    disagree: int
    seen: int  # agree + disagree + pass
    rate: float  # agree / seen

    @property
    def agree_percent(self):
        return round(100 * self.rate)

    @property
    def disagree_percent(self):
        return round(100 * self.disagree / self.seen) if self.seen else 0


@dataclass
class GroupRate(Rate):
    number: int = 0
    shape: str = ""


@dataclass
class Representative:
    ref: object  # summaries.summary.CommentRef
    direction: str  # "agree" or "disagree": how the group differs from the rest
    inside: Rate
    outside: Rate
    score: float


@dataclass
class Group:
    number: int
    size: int
    percent: int  # of the people grouped
    centre: list
    shape: str
    representative: list = field(default_factory=list)


@dataclass
class Across:
    """A bridging or divisive comment, with each group's reactions."""

    ref: object
    score: float
    groups: list


@dataclass
class OpinionGroupsView:
    consultation: int
    question: int | None
    status: str  # PENDING or one of STATUSES
    computed_at: datetime | None
    current: bool
    settings: dict
    participants: int = 0
    grouped: int = 0
    left_out: int = 0
    comments: int = 0
    reactions: int = 0
    chosen: int | None = None
    silhouette: dict = field(default_factory=dict)
    groups: list = field(default_factory=list)
    hidden_groups: int = 0
    bridging: list = field(default_factory=list)
    divisive: list = field(default_factory=list)
    # The stored map's cells of the groups shown ({x, y, group, count}),
    # and the drawing made of them.
    map_grid: int = 0
    map_cells: list = field(default_factory=list)
    map: object = None  # summaries.opinion_map.OpinionMap

    @property
    def pending(self):
        return self.status == PENDING

    @property
    def chosen_score(self):
        return self.silhouette.get(str(self.chosen))

    @property
    def shown(self):
        """Whether there are groups to show."""
        return self.status in ("groups", "one_group")


def _rate_of(entry):
    return Rate(entry["agree"], entry["disagree"], entry["seen"], entry["rate"])


def present(consultation, found, *, question=None, request=None, map_id="opinion-map"):
    """The view of `found` (opinions.StoredGroups, or None: not computed
    yet), every comment named in one query; a comment no longer published
    leaves its list."""
    if found is None:
        return OpinionGroupsView(
            consultation.pk,
            question,
            PENDING,
            None,
            False,
            {key: settings.PUENTE_OPINION_GROUPS[key] for key in _SETTINGS},
        )
    shown = visible(found.analysis)
    ids = {item["comment"] for g in shown["groups"] for item in g["representative"]}
    ids |= {entry["comment"] for entry in shown["bridging"] + shown["divisive"]}
    refs = comment_refs(consultation, ids, request)
    grouped = sum(group["size"] for group in shown["groups"])
    groups = [
        Group(
            number=g["number"],
            size=g["size"],
            percent=round(100 * g["size"] / grouped) if grouped else 0,
            centre=g["centre"],
            shape=shape_of(g["number"]),
            representative=[
                Representative(
                    refs[item["comment"]],
                    item["direction"],
                    _rate_of(item["in"]),
                    _rate_of(item["out"]),
                    item["score"],
                )
                for item in g["representative"]
                if item["comment"] in refs
            ],
        )
        for g in shown["groups"]
    ]

    def across(entries):
        """Each entry's rates in the order of `groups` (None for a group the
        entry has no figures for), so they line up under the groups."""
        listed = []
        for entry in entries:
            if entry["comment"] not in refs:
                continue
            rates = {r["number"]: r for r in entry["groups"]}
            listed.append(
                Across(
                    refs[entry["comment"]],
                    entry["score"],
                    [
                        GroupRate(
                            r["agree"], r["disagree"], r["seen"], r["rate"], g.number, g.shape
                        )
                        if (r := rates.get(g.number))
                        else None
                        for g in groups
                    ],
                )
            )
        return listed

    view = OpinionGroupsView(
        consultation.pk,
        question,
        shown["status"],
        found.computed_at,
        found.current,
        shown["settings"],
        **{key: shown[key] for key in _COUNTS},
        chosen=shown["rule"]["chosen"],
        silhouette=shown["rule"]["silhouette"],
        groups=groups,
        hidden_groups=shown["hidden_groups"],
        bridging=across(shown["bridging"]),
        divisive=across(shown["divisive"]),
        map_grid=shown["map"]["grid"],
        map_cells=shown["map"]["cells"],
    )
    if shown["status"] == "groups":
        view.map = opinion_map(
            map_id,
            [(g.number, g.size) for g in groups],
            shown["map"]["cells"],
            shown["map"]["grid"],
        )
    return view


def load(consultation, question=None, *, request=None, map_id="opinion-map"):
    """The stored opinion groups of the consultation (or of one of its
    questions) as shown; a refresh is requested when they are missing or
    behind the consultation's cursor (opinions.request_refresh decides
    whether one is due, and queues it: nothing is computed here)."""
    found = opinions.stored(consultation, question or WHOLE_CONSULTATION)
    if found is None or not found.current:
        opinions.request_refresh(consultation)
    return present(consultation, found, question=question, request=request, map_id=map_id)


@dataclass
class SummarySection:
    """The admin summary's "Opinion groups" part: the groups of the scope the
    filters chose, or, when they filter by section, theme or date, none
    (groups are computed per consultation and per question only)."""

    groups: OpinionGroupsView | None
    per_scope_only: bool = False


FILTERS_WITHOUT_GROUPS = ("section", "tag", "since", "until")


def summary_section(consultation, form, request=None):
    """The section for a summary filtered by `form` (a valid
    SummaryFilterForm), or None when the form is not valid."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if any(data.get(name) not in (None, "") for name in FILTERS_WITHOUT_GROUPS):
        return SummarySection(None, per_scope_only=True)
    return SummarySection(load(consultation, data.get("question") or None, request=request))
