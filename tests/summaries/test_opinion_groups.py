"""summaries/opinion_groups.py: the analysis itself, on small hand-built
reactions (no database)."""

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from summaries.opinion_groups import (
    GROUPS,
    MAP_GRID,
    NO_REACTIONS,
    ONE_GROUP,
    TOO_FEW_PEOPLE,
    GroupingSettings,
    analyse,
)

# Participant keys far from comment keys and counts, so a leak would show.
CAMP_A = list(range(900_001, 900_021))
CAMP_B = list(range(800_001, 800_016))
A_AGREES = [1, 2, 3, 4]  # camp B disagrees
B_AGREES = [5, 6, 7, 8]  # camp A disagrees
EVERYONE_AGREES = [9, 10]
MIXED = [11, 12]


def reactions(people_votes):
    """Three columns from {(participant, comment): vote}."""
    items = sorted(people_votes.items())
    return (
        [p for (p, _), _ in items],
        [c for (_, c), _ in items],
        [v for _, v in items],
    )


def two_camps(camp_a=CAMP_A, camp_b=CAMP_B):
    votes = {}
    for camp, own, other in ((camp_a, A_AGREES, B_AGREES), (camp_b, B_AGREES, A_AGREES)):
        for i, person in enumerate(camp):
            for comment in own:
                votes[person, comment] = 1
            for comment in other:
                votes[person, comment] = -1
            for comment in EVERYONE_AGREES:
                votes[person, comment] = 1
            # Not everyone alike inside a camp: some pass, some differ.
            votes[person, MIXED[0]] = (-1, 0, 1)[i % 3]
            if i % 2:
                votes[person, MIXED[1]] = 0
    return votes


@pytest.fixture(scope="module")
def camps():
    """The two camps' analysis, computed once for the tests that only read it."""
    return analyse(*reactions(two_camps()))


def labels(analysis, people):
    return [analysis.membership[p] for p in people]


def test_two_clear_camps_form_two_groups_matching_the_camps(camps):
    analysis = camps

    assert analysis.status == GROUPS
    assert analysis.chosen == 2
    people = CAMP_A + CAMP_B
    truth = [0] * len(CAMP_A) + [1] * len(CAMP_B)
    assert adjusted_rand_score(truth, labels(analysis, people)) == 1.0
    # Numbered by size: the larger camp is group 1.
    assert set(labels(analysis, CAMP_A)) == {1}
    assert set(labels(analysis, CAMP_B)) == {2}
    data = analysis.to_json()
    assert [g["size"] for g in data["groups"]] == [20, 15]
    assert (data["participants"], data["grouped"], data["left_out"]) == (35, 35, 0)
    assert data["comments"] == 12
    assert data["rule"]["chosen"] == 2
    assert set(data["rule"]["silhouette"]) >= {"2"}


def test_representative_comments_are_each_camps_own(camps):
    data = camps.to_json()

    for group, agreed, rejected in ((0, A_AGREES, B_AGREES), (1, B_AGREES, A_AGREES)):
        representative = data["groups"][group]["representative"]
        assert representative
        assert len(representative) <= 5
        for row in representative:
            wanted = agreed if row["direction"] == "agree" else rejected
            assert row["comment"] in wanted
        first = representative[0]
        size = data["groups"][group]["size"]
        assert first["in"]["seen"] == size
        if first["direction"] == "agree":
            assert first["in"]["rate"] == 1.0 and first["out"]["rate"] == 0.0
        else:
            assert first["in"]["rate"] == 0.0 and first["out"]["rate"] == 1.0
        assert first["score"] > 0


def test_bridging_is_what_both_camps_agree_on_and_divisive_what_splits_them(camps):
    data = camps.to_json()

    assert [row["comment"] for row in data["bridging"]] == EVERYONE_AGREES
    bridge = data["bridging"][0]
    assert bridge["score"] == pytest.approx(min(21 / 22, 16 / 17), abs=1e-4)
    assert [(g["number"], g["agree"], g["seen"], g["rate"]) for g in bridge["groups"]] == [
        (1, 20, 20, 1.0),
        (2, 15, 15, 1.0),
    ]
    divisive = [row["comment"] for row in data["divisive"]]
    assert len(divisive) == 5  # top 5 of the eight split comments
    assert set(divisive) <= set(A_AGREES + B_AGREES)
    assert all(row["score"] > 0.8 for row in data["divisive"])


def test_the_same_input_gives_the_same_output():
    columns = reactions(two_camps())
    first, second = analyse(*columns), analyse(*columns)
    shuffled = np.random.default_rng(3).permutation(len(columns[0]))
    third = analyse(*(np.asarray(c)[shuffled] for c in columns))

    assert first.to_json() == second.to_json() == third.to_json()
    assert first.membership == second.membership == third.membership


def test_no_reactions():
    analysis = analyse([], [], [])

    assert analysis.status == NO_REACTIONS
    data = analysis.to_json()
    assert data["groups"] == data["bridging"] == data["divisive"] == []
    assert (data["participants"], data["grouped"], data["reactions"]) == (0, 0, 0)


def test_one_participant():
    analysis = analyse([7] * 10, list(range(1, 11)), [1, -1] * 5)

    assert analysis.status == TOO_FEW_PEOPLE
    assert analysis.membership == {7: None}
    data = analysis.to_json()
    assert data["groups"] == [] and data["map"]["cells"] == []
    assert (data["participants"], data["grouped"], data["left_out"]) == (1, 0, 1)


def test_everyone_agreeing_on_everything_is_one_group():
    votes = {(person, comment): 1 for person in range(1, 21) for comment in range(1, 9)}
    analysis = analyse(*reactions(votes))

    assert analysis.status == ONE_GROUP
    assert set(analysis.membership.values()) == {1}
    data = analysis.to_json()
    assert [g["size"] for g in data["groups"]] == [20]
    assert data["groups"][0]["representative"] == []
    assert data["divisive"] == []
    assert [row["comment"] for row in data["bridging"]] == [1, 2, 3, 4, 5]
    assert data["map"]["cells"] == [{"x": 0.5208, "y": 0.5208, "group": 1, "count": 20}]


def test_fewer_people_than_the_smallest_group_groups_nobody():
    votes = {
        (person, comment): (-1) ** (person * comment) for person in range(4) for comment in range(9)
    }
    analysis = analyse(*reactions(votes), GroupingSettings(min_group=5))

    assert analysis.status == TOO_FEW_PEOPLE
    assert set(analysis.membership.values()) == {None}
    data = analysis.to_json()
    assert data["groups"] == [] and data["bridging"] == []
    assert (data["participants"], data["grouped"], data["left_out"]) == (4, 0, 4)


def test_people_with_too_few_reactions_are_left_out():
    votes = two_camps()
    sparse_voters = [700_001, 700_002, 700_003]
    for person in sparse_voters:
        for comment in A_AGREES[:3]:
            votes[person, comment] = 1
    analysis = analyse(*reactions(votes), GroupingSettings(min_votes=7))

    assert labels(analysis, sparse_voters) == [None, None, None]
    assert None not in labels(analysis, CAMP_A + CAMP_B)
    data = analysis.to_json()
    assert (data["participants"], data["grouped"], data["left_out"]) == (38, 35, 3)
    # The left-out people's votes are in no group's counts.
    rows = [r for g in data["groups"] for r in g["representative"] if r["comment"] in A_AGREES]
    assert all(r["in"]["seen"] + r["out"]["seen"] == 35 for r in rows)


def test_with_fewer_comments_than_min_votes_voting_on_all_is_enough():
    votes = {
        (person, comment): (1 if (person < 10) == (comment < 3) else -1)
        for person in range(20)
        for comment in range(5)
    }
    analysis = analyse(*reactions(votes), GroupingSettings(min_votes=7))

    assert None not in analysis.membership.values()
    assert analysis.status == GROUPS


def test_no_group_is_smaller_than_the_minimum():
    few = [600_001, 600_002, 600_003]
    votes = two_camps(camp_b=few)
    strict = analyse(*reactions(votes), GroupingSettings(min_group=5))
    loose = analyse(*reactions(votes), GroupingSettings(min_group=2))

    assert all(g["size"] >= 5 for g in strict.to_json()["groups"])
    assert strict.status == ONE_GROUP
    assert set(strict.membership.values()) == {1}
    # The three would be a group of their own if the minimum allowed it.
    assert loose.status == GROUPS
    assert [g["size"] for g in loose.to_json()["groups"]] == [20, 3]


def test_to_json_is_serialisable_and_never_holds_membership(camps):
    data = camps.to_json()
    text = json.dumps(data)

    assert "membership" not in data
    for person in CAMP_A + CAMP_B:
        assert str(person) not in text
    assert data["version"] == 1
    assert data["settings"] == {"min_votes": 7, "min_group": 5, "max_groups": 5}


def test_map_cells_are_positions_counted_per_group(camps):
    data = camps.to_json()
    cells = data["map"]["cells"]

    assert data["map"]["grid"] == MAP_GRID
    assert sum(cell["count"] for cell in cells) == data["grouped"]
    for number, size in ((1, 20), (2, 15)):
        assert sum(c["count"] for c in cells if c["group"] == number) == size
    centres = {round((i + 0.5) / MAP_GRID, 4) for i in range(MAP_GRID)}
    assert all(cell["x"] in centres and cell["y"] in centres for cell in cells)
    assert set(cells[0]) == {"x", "y", "group", "count"}
    for group in data["groups"]:
        assert all(0 <= value <= 1 for value in group["centre"])


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (([1, 2], [1, 1], [1, 2]), "votes must be -1, 0 or 1"),
        (([1, 2], [1, 1], [1, -3]), "votes must be -1, 0 or 1"),
        (([1, 2], [1], [1, 1]), "one entry per reaction"),
        (([1, 1], [1, 1], [1, -1]), "at most one reaction"),
        (([1, 2], [1, 1], [0.5, 1]), "whole numbers"),
        (([1, 2], ["a", "b"], [1, 1]), "whole numbers"),
    ],
)
def test_bad_input_is_a_clear_error(columns, message):
    with pytest.raises(ValueError, match=message):
        analyse(*columns)


def test_moderated_out_must_be_a_count():
    with pytest.raises(ValueError, match="moderated_out"):
        analyse([1], [1], [1], moderated_out=-1)


def test_moderated_out_comments_soften_the_scaling_only():
    votes = two_camps()
    for comment in range(1, 5):
        votes[700_001, comment] = 1
    columns = reactions(votes)
    settings = GroupingSettings(min_votes=4)
    plain, softened = analyse(*columns, settings), analyse(*columns, settings, moderated_out=10)

    assert softened.status == plain.status == GROUPS
    assert softened.membership == plain.membership
    # The sparse voter sits nearer the middle when moderated-out comments count.
    assert plain.to_json()["map"] != softened.to_json()["map"]


def test_settings_come_from_puente_opinion_groups(settings):
    settings.PUENTE_OPINION_GROUPS = {
        "min_votes": 3,
        "min_group": 4,
        "max_groups": 3,
        "interval": 60,
    }

    assert GroupingSettings.from_settings() == GroupingSettings(
        min_votes=3, min_group=4, max_groups=3
    )


def test_impossible_settings_are_refused():
    with pytest.raises(ValueError, match="max_groups"):
        GroupingSettings(max_groups=1)
