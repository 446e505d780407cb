"""core.parse: one rule for the numbers clients send."""

import pytest

from core.parse import MAX_ID, as_id, as_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        (42, 42),
        (str(MAX_ID), MAX_ID),
        # Past what SQLite (and a bigint column) holds.
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        (MAX_ID + 1, None),
        # Not plain ASCII digits.
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_000", None),
        ("١٢", None),
        ("1.5", None),
        ("", None),
        (None, None),
        (1.5, None),
        (True, None),
        ([1], None),
    ],
)
def test_as_int(value, expected):
    assert as_int(value) == expected


def test_as_int_bounds():
    assert as_int("10", maximum=9) is None
    assert as_int("9", maximum=9) == 9
    assert as_int(-1, minimum=-1) == -1


def test_as_id_starts_at_one():
    assert as_id("0") is None
    assert as_id(0) is None
    assert as_id("1") == 1
