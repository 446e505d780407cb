"""One production stack (tools/stack.py) for the tests of this package.

Starting it (PostgreSQL, Redis, osmem-server, migrate, collectstatic, two
app processes, a worker, nginx) is the expensive part, so every test here
shares it: package scope. The tests run it on PostgreSQL only (the stack
brings its own; tests/engines.py keeps them out of the SQLite pass)."""

import time

import pytest

from tools.stack import Stack


@pytest.fixture(scope="package")
def stack():
    started = time.monotonic()
    with Stack(apps=2) as running:
        running.start_seconds = round(time.monotonic() - started, 1)
        print(f"\nstack started in {running.start_seconds} s")
        yield running
