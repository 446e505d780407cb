"""tests/engines.py cannot rot: every entry names a path that exists and
covers at least one collected test, so that a test moved or renamed does not
silently leave the SQLite pass (or the tests run alone)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import COLLECTED
from tests.engines import (
    ALONE_MARK,
    BOTH_DATABASES,
    MARK,
    ONE_ENGINE_ENOUGH,
    RUN_ALONE,
    covers,
    entry_path,
    on_both_databases,
)

ROOT = Path(__file__).resolve().parents[1]
LISTS = {"BOTH_DATABASES": BOTH_DATABASES, "ONE_ENGINE_ENOUGH": ONE_ENGINE_ENOUGH}
LISTS["RUN_ALONE"] = RUN_ALONE
ENTRIES = [(name, entry) for name, entries in LISTS.items() for entry in entries]


def collected_node_ids(config, files):
    """The node ids of every test in `files`: this session's collection when
    it took them in (the whole suite does), else a collection of their own."""
    seen = config.stash.get(COLLECTED, [])
    missing = sorted(f for f in files if not any(node.startswith(f) for node in seen))
    if not missing:
        return seen
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist"]
        + ["--collect-only", "-q", "-o", "addopts=", *missing],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    listed = [line for line in done.stdout.splitlines() if "::" in line]
    return seen + listed


def test_every_entry_names_an_existing_path():
    absent = [entry for _, entry in ENTRIES if not (ROOT / entry_path(entry)).exists()]
    assert absent == [], "tests/engines.py names paths that do not exist"


def test_every_entry_covers_a_collected_test(request):
    node_ids = collected_node_ids(request.config, {entry_path(entry) for _, entry in ENTRIES})
    idle = [
        (name, entry)
        for name, entry in ENTRIES
        if not any(covers(entry, node) for node in node_ids)
    ]
    assert idle == [], "tests/engines.py entries that cover no test"


def test_every_exception_is_inside_an_entry_of_both_databases():
    stray = [
        entry
        for entry in ONE_ENGINE_ENOUGH
        if not any(covers(both, entry) for both in BOTH_DATABASES)
    ]
    assert stray == [], "ONE_ENGINE_ENOUGH entries that take nothing out"


def test_every_entry_gives_its_reason():
    assert all(
        isinstance(why, str) and why.strip()
        for entries in LISTS.values()
        for why in entries.values()
    )


def test_an_exception_wins(request):
    [exception, *_] = ONE_ENGINE_ENOUGH
    assert not on_both_databases(f"{exception}[case]")
    assert not on_both_databases(exception)


@pytest.mark.parametrize(
    ("entry", "node_id", "expected"),
    [
        ("tests/a/test_x.py", "tests/a/test_x.py::test_y", True),
        ("tests/a/test_x.py", "tests/a/test_x.py::Case::test_y[1]", True),
        ("tests/a/test_x.py", "tests/a/test_x.pyc::test_y", False),
        ("tests/a/test_x.py::test_y", "tests/a/test_x.py::test_y", True),
        ("tests/a/test_x.py::test_y", "tests/a/test_x.py::test_y[es-1]", True),
        ("tests/a/test_x.py::test_y", "tests/a/test_x.py::test_y_also", False),
        ("tests/a/", "tests/a/test_x.py::test_y", True),
        ("tests/a/", "tests/ab/test_x.py::test_y", False),
    ],
)
def test_an_entry_covers_its_own_tests_only(entry, node_id, expected):
    assert covers(entry, node_id) is expected


@pytest.mark.parametrize("name", [MARK, ALONE_MARK])
def test_the_marks_are_registered(pytestconfig, name):
    assert any(line.startswith(f"{name}:") for line in pytestconfig.getini("markers"))
