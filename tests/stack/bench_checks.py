"""bench/stack.py's machinery on the real stack (tests/stack/conftest.py):
the bulk seed through `manage.py shell`, the load generator's readers and
writers through nginx, the check that every accepted comment is in the
database, and the process accounting from /proc. Short runs (a few
seconds), so that the figures mean nothing but every path is exercised.
Collected in test_production_stack.py, on its stack."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import stack as bench

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]


@pytest.fixture(scope="module")
def seeded(stack):
    data = bench.seed_in(stack, writer_accounts=7, comments=60)
    data["path"] = bench.resolve_page(stack.url, data["path"])
    return data


def run_load(stack, seeded, readers, writers, duration=3.0):
    load = bench.Load(stack.url, seeded, readers, writers, warmup=0.5, duration=duration)
    marks = {}
    run = load.run(
        lambda: marks.__setitem__("start", bench.Snapshot(stack)),
        lambda: marks.__setitem__("end", bench.Snapshot(stack)),
    )
    # In a thread of its own: on a worker that ran the browser tests first,
    # Playwright's session keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        elapsed = pool.submit(asyncio.run, run).result()
    return load, marks, elapsed


def test_seed_makes_the_discussion_and_signed_in_writers(stack, seeded):
    assert seeded["seeded"] == 60
    assert len(seeded["sessions"]) == len(set(seeded["sessions"])) == 7
    assert len(seeded["questions"]) == 3 and seeded["top_level"]
    checked = bench.verify_in(stack, seeded["consultation"], seeded["top_level"])
    assert checked == {
        "found": len(seeded["top_level"]),
        "published": len(seeded["top_level"]),
        "total": 60,
    }


def test_readers_and_writers_through_nginx_lose_no_write(stack, seeded):
    # One account per writer: each posts once, then waits out the posting
    # interval (15 s) past the deadline, whatever the machine's speed.
    two = {**seeded, "sessions": seeded["sessions"][:2]}
    load, marks, elapsed = run_load(stack, two, readers=4, writers=2)
    assert elapsed == pytest.approx(3.0, abs=0.5)
    page, listing, posts = (load.tallies[name] for name in bench.ENDPOINTS)
    for tally in (page, listing):
        assert set(tally.outcomes) == {200}, (tally.outcomes, tally.samples)
        assert sum(tally.statuses.values()) == len(tally.latencies) <= tally.outcomes[200]
    # A post may end after the window: in outcomes, not in the window's statuses.
    assert posts.outcomes == {201: 2}, (posts.outcomes, posts.samples)
    assert posts.statuses[201] <= 2 and not posts.failures
    assert len(set(load.posted_ids)) == 2
    checked = bench.verify_in(stack, seeded["consultation"], load.posted_ids)
    assert checked["found"] == checked["published"] == 2

    # The page is HTML of the discussion (gzipped by nginx: the bench asks
    # for it as browsers do), the list its JSON.
    assert page.latencies and page.bytes / len(page.latencies) > 2_000
    # Both app processes answered, through nginx.
    answered = bench.upstream_counts(stack)
    assert answered.get("app1", 0) > 0 and answered.get("app2", 0) > 0, answered
    # The stack's processes were found and used CPU in the window.
    start, end = marks["start"], marks["end"]
    for group in ("app 1", "app 2", "worker", "nginx", "PostgreSQL"):
        assert group in end.cpu, sorted(end.cpu)
    assert end.cpu["app 1"] + end.cpu["app 2"] > start.cpu["app 1"] + start.cpu["app 2"]


def test_a_refused_post_is_an_error_and_a_rate_limited_one_is_not(stack, seeded):
    account = seeded["sessions"][6]
    first, _marks, _elapsed = run_load(
        stack, {**seeded, "sessions": [account]}, readers=0, writers=1, duration=1.0
    )
    assert first.tallies[bench.ENDPOINTS[2]].outcomes == {201: 1}
    # Writer 0 posts with a session nobody has: 403, an error (noted).
    # Writer 1 posts again with the account that just posted: 429, counted
    # apart, and the writer waits Retry-After before using it again.
    odd = {**seeded, "sessions": ["no-such-session", account]}
    load, _marks, _elapsed = run_load(stack, odd, readers=0, writers=2, duration=2.0)
    posts = load.tallies[bench.ENDPOINTS[2]]
    assert posts.outcomes == {403: 1, 429: 1}, posts.outcomes
    if posts.statuses[403]:  # noted when it ended inside the window
        assert len(posts.samples) == 1 and posts.samples[0].startswith("403"), posts.samples
    assert load.posted_ids == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--readers", "-1"],
        ["--duration", "0"],
        ["--apps", "0"],
        ["--apps", "two"],
        ["--accounts-per-writer", "0"],
    ],
)
def test_bad_options_stop_before_any_stack_starts(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        bench.main(argv)
    assert stopped.value.code == 2
    assert "usage:" in capsys.readouterr().err
