"""One production stack (tools/stack.py) for the tests of this package.

Starting it (PostgreSQL, Redis, osmem-server, migrate, collectstatic, two
app processes, a worker, nginx) is the expensive part, so every test here
shares it: package scope. The tests run it on PostgreSQL only (the stack
brings its own; tests/engines.py keeps them out of the SQLite pass)."""

import time
from pathlib import Path

import pytest

from tools.stack import Stack


@pytest.fixture(scope="package")
def stack():
    started = time.monotonic()
    with Stack(apps=2) as running:
        running.start_seconds = round(time.monotonic() - started, 1)
        print(f"\nstack started in {running.start_seconds} s")
        yield running
        # Everything it ever started, those the tests killed and restarted too.
        processes = [(name, process) for name, process, _signal in running.services.running]
        directory = running.services.tmp
    # The stack stops everything on exit (tools/stack.py): no process left
    # running, its directory gone.
    left = [f"{name} (pid {process.pid})" for name, process in processes if process.poll() is None]
    assert left == [], f"still running after the stack stopped: {left}"
    assert not directory.exists(), f"{directory} left behind"
    assert [pid for pid in other_pids() if str(directory) in cmdline(pid)] == []


def other_pids():
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def cmdline(pid):
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
    except OSError:  # gone meanwhile
        return ""
