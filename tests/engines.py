"""Which tests run on both database engines.

`make test` runs the whole suite on PostgreSQL, then a second pass on SQLite
(the `make run` database) with `-m "both_databases and not postgres_only"`.
The tests below get the `both_databases` mark here, in one place, from
tests/conftest.py as they are collected: the ones whose behaviour can differ
by engine (SQL of our own, full-text search, locking and concurrent writers,
integer and text limits, dates and time zones, aggregation and window
functions, query counts, JSON, migrations, the demo loader, servers sharing
the database file). docs/testing.md explains the rule; tests/test_engines.py
checks that every entry still names collected tests.

An entry is a test file, a directory (ending in "/"), or a node id without
its parameters (`file::test`, `file::Class` or `file::Class::test`); it
covers every test whose node id starts with it. A test runs on both engines
when an entry of BOTH_DATABASES covers it and none of ONE_ENGINE_ENOUGH does.
When unsure, list it: a test wrongly left out of the SQLite pass is worse
than a slower pass. ONE_ENGINE_ENOUGH is for large groups (parametrised
role tables, request parsing) that only reach the database the way the
rest of their file already does on both.
"""

import pytest

MARK = "both_databases"

ACTIONS = "tests/comments/test_actions.py"
CONSUMER = "tests/comments/test_consumer.py"
QUEUE = "tests/moderation/test_admin_queue.py"
QUEUE_SOCKET = "tests/moderation/test_queue_socket.py"
DECISIONS = "tests/moderation/test_decisions.py"

BOTH_DATABASES = {
    # --- Search: the database backend is SQLite FTS5 or PostgreSQL full text.
    "tests/search/test_database_backend.py": (
        "the database backend itself: FTS5 or tsvector, raw SQL, NUL bytes, query counts"
    ),
    "tests/search/test_conformance.py": (
        "the backends' shared contract, the database backend on each engine's full text"
    ),
    "tests/search/test_api.py": (
        "search through the API on the database backend: odd text, NUL bytes, query counts"
    ),
    "tests/search/test_terms.py": (
        "significant terms: SQL aggregation, sampling by ids, date filters, query counts"
    ),
    "tests/search/test_duplicates.py": (
        "near-duplicate keys stored as signed 64-bit integers, bulk writes, query counts"
    ),
    "tests/search/test_indexing.py": (
        "the indexing backlog: upserts (bulk_create update_conflicts), on_commit, commands"
    ),
    "tests/search/test_worker.py": "the django-tasks database worker claims rows by locking",
    "tests/search/test_folio_lookup.py": (
        "a folio's comment found by its id, ids past 2**63 (SQLite overflows)"
    ),
    "tests/search/test_index_health.py": (
        "the loss check's count (comments less the backlog, a subquery), the one-row "
        "update that queues a rebuild once, and the worker claiming it"
    ),
    # --- Summaries and open data: aggregation, dates, streaming.
    "tests/summaries/test_summary.py": (
        "per-day figures (TruncDate in the site time zone), window functions, Least, ordering"
    ),
    "tests/summaries/test_admin.py": "the summary page, API and files: the same aggregates",
    "tests/summaries/test_summary_cache.py": (
        "the summary cache's state: one query of our own over the cursor, flags, themes "
        "and the index's last sync; query counts"
    ),
    "tests/summaries/test_opinions.py": (
        "opinion groups' reads: SQL of our own through a raw cursor, bulk upserts, the "
        "cursor subquery, the one-row claim under concurrent threads, query counts"
    ),
    "tests/summaries/test_opinion_groups_views.py": (
        "the stored analysis through a JSON column (jsonb reorders keys), query counts"
    ),
    (
        "tests/summaries/test_polis.py::test_import_creates_a_closed_consultation"
        "_with_its_people_comments_and_reactions"
    ): ("import_polis: bulk inserts returning keys, a raw executemany, update(root=F('pk'))"),
    "tests/summaries/test_polis.py::test_import_writes_in_bulk": "import_polis: query counts",
    "tests/summaries/test_polis.py::test_a_failure_halfway_leaves_nothing_half_imported": (
        "import_polis: one transaction rolled back on either engine"
    ),
    "tests/summaries/test_polis.py::test_opinion_groups_json_keys_people_by_their_polis_id": (
        "an imported conversation read back through the raw reaction query"
    ),
    "tests/summaries/test_polis.py::test_opinion_groups_json_people_left_out_are_null": (
        "an imported conversation read back through the raw reaction query"
    ),
    "tests/summaries/test_open_data.py": (
        "streaming exports read in chunks (sync and under ASGI), queries per chunk"
    ),
    # --- Comments: writes under concurrency, cursors, threads.
    ACTIONS: "concurrent writers (threads, select_for_update, seq counters), bodies, rate limits",
    "tests/comments/test_api.py": (
        "cursors and offsets past 2**63 (SQLite integer overflow), thread order, query counts"
    ),
    "tests/comments/test_consistency.py": "live events against a fresh read, transactional",
    CONSUMER: "websocket consumers reading and writing from their own threads",
    "tests/comments/test_live_access.py": (
        "the handshake's remembered lookup against the database's, ids past 2**63, query counts"
    ),
    "tests/core/test_socket_auth.py": "sessions and users read in one trip, query counts",
    "tests/comments/test_pages.py": (
        "threads ranked per anchor by a window function, sorting, paging, query counts"
    ),
    "tests/comments/test_flood.py": "rate limits that count recent rows by time",
    "tests/core/test_input.py": (
        "bad input reaching each engine: ids past 2**63 (SQLite overflows), NUL bytes "
        "(PostgreSQL refuses them), punctuation in page search (FTS5 syntax on SQLite)"
    ),
    "tests/core/test_envelope.py": "the API's refusals before and after the database, 64-bit ids",
    "tests/comments/test_smoke.py": "the whole comment journey once",
    "tests/comments/test_permalinks.py": (
        "a thread's page counted by created and id, ids past 2**63, query counts"
    ),
    "tests/core/test_sqlite.py": (
        "SQLite's WAL, busy timeout and immediate transactions: publishing while posting"
    ),
    "tests/core/test_health.py": (
        "readiness: the migration plan, ages from datetime aggregates (Min over a Case), "
        "query counts"
    ),
    "tests/core/test_request_log.py": (
        "a uvicorn server and the test sharing the database: sessions, websockets"
    ),
    "tests/core/test_socket_limits.py": (
        "`manage.py serve` and the test sharing the database: sockets held open by the "
        "hundred, signed-in sessions, behind nginx"
    ),
    "tests/comments/test_text_migration.py": (
        "a data migration: LIKE on text, bulk_update and upserts ignoring conflicts, query counts"
    ),
    # --- Consultations, responses, the demo.
    "tests/consultations/test_status.py": "the status as an SQL filter against Python",
    "tests/demo/test_demo.py": "the demo loader: `make run` loads it into SQLite",
    "tests/consultations/test_listing.py": (
        "Wagtail's database page search (one per engine), status and tag filters, query counts"
    ),
    "tests/consultations/test_api.py": "status filters in SQL, query counts",
    "tests/consultations/test_pages.py": (
        "the page tree and revisions (treebeard paths, JSON revision content)"
    ),
    "tests/responses/test_response.py": (
        "responses: select_for_update, the icontains comment finder, NUL bytes, query counts"
    ),
    "tests/responses/test_commitments.py": (
        "commitments: the response locked, the latest dated update found by ordering"
    ),
    "tests/responses/test_moved_tables.py": (
        "migrations backwards and forwards (SQLite rebuilds tables to alter them)"
    ),
    # --- Moderation.
    "tests/moderation/test_live_moderation.py": "row locks taken by flags and decisions, threads",
    QUEUE_SOCKET: "the queue's websocket consumer reading the database from its threads",
    "tests/moderation/test_api.py": "ids past 2**63, the queue's filters and sorts, query counts",
    QUEUE: "the queue page's filters, sorting and paging, 10,000 items, query counts",
    DECISIONS: "select_for_update against stale copies, batches in one transaction, the log",
    "tests/moderation/test_appeals.py": "an appeal's place in the queue, ordered by time",
    "tests/moderation/test_blocks.py": "hiding all of a person's comments in one update",
    "tests/moderation/test_transparency.py": "moderation figures by aggregation, query counts",
    "tests/moderation/test_withdrawals_and_limits.py": (
        "the log outliving deleted rows (foreign keys), bulk update and delete refused"
    ),
    "tests/moderation/test_flags.py": "distinct flaggers counted in SQL, locking, query counts",
    "tests/moderation/test_holds.py": "account age and first-comment counts compared in SQL",
    "tests/moderation/test_words.py": "a unique constraint raising IntegrityError in a savepoint",
    "tests/moderation/test_citizen_pages.py": "notices paged and marked read, query counts",
    "tests/moderation/test_queue_cursor.py": (
        "the queue's change counter (UPDATE ... RETURNING under a row lock), bulk_update "
        "of numbers, cursors past 2**63, query counts"
    ),
    "tests/moderation/test_queue_socket_cursor.py": (
        "the queue socket's pong reading the counter from the consumer's threads"
    ),
    # --- Notifications.
    "tests/notifications/test_digests.py": (
        "the digests' scan through a partial index, DISTINCT and LIMIT, UPDATE by id lists, "
        "dates in the site time zone, query counts"
    ),
    "tests/notifications/test_preferences.py": "preference rows replaced in bulk, query counts",
    "tests/notifications/test_follow.py": (
        "follows under partial unique constraints: update_or_create, bulk_create ignoring "
        "conflicts, ids past 2**63, throttle counts in the cache"
    ),
    "tests/notifications/test_follow_ui.py": (
        "what the page's person follows in one query (OR of two IN lists), query counts"
    ),
    "tests/notifications/test_unsubscribe.py": (
        "ids past 2**63 in signed links (SQLite overflows), update_or_create, query counts"
    ),
    # --- Accounts.
    "tests/accounts/test_roles.py::test_role_groups_exist_after_migrate": (
        "the data migration and post_migrate handler that create the role groups"
    ),
    "tests/accounts/test_signup.py": "addresses unique whatever their case (iexact)",
    # --- Browser tests: a real server process on the test database.
    "tests/e2e/test_live_in_browser.py": (
        "a server and the test writing to one SQLite file at once, live events"
    ),
    "tests/e2e/test_live_reconnect_in_browser.py": (
        "a server restarted on the database file while the test writes to it; catch-up by cursor"
    ),
    "tests/e2e/test_moderation_queue_in_browser.py": (
        "the live queue: server and test process writing at once"
    ),
    "tests/e2e/test_moderation_in_browser.py": (
        "decisions reaching open pages: server and test process writing at once"
    ),
    "tests/e2e/test_comment_search_in_browser.py": "the database search backend in the server",
    "tests/e2e/test_moderator_journey_in_browser.py": (
        "the database search backend and bulk decisions in the server"
    ),
    "tests/search/test_admin_search_form.py": (
        "the search page's filters on each engine's full text: ids past 2^63, dates, names"
    ),
    "tests/search/test_campaign_actions.py": "many decisions and themes written in one request",
    "tests/moderation/test_queue_context.py": "query counts of the queue, its API and the panel",
    "tests/e2e/test_planner_journey_in_browser.py": (
        "summary aggregates and downloads from the server"
    ),
    "tests/e2e/test_response_in_browser.py": "publishing a response and its notices in the server",
    "tests/e2e/test_editor_journey_in_browser.py": (
        "publishing a page in the server while the test posts comments to the same file"
    ),
    "tests/e2e/test_notification_choices_in_browser.py": (
        "choices saved by the server read back by the test from the same database"
    ),
    "tests/e2e/test_privacy_in_browser.py": (
        "exports built after commit, account erasure and policy versions: server and test "
        "process writing at once"
    ),
    # --- Personal data: bulk erasure (seq ranges, bulk_update), ids past 2^63 in
    # signed links, query counts of the export, the footer's settings row.
    "tests/privacy/": "bulk erasure and export on each engine; huge ids in signed links",
    "tests/pages/": "the footer's one query; Wagtail's page search on each engine",
}

ONE_ENGINE_ENOUGH = {
    "tests/privacy/test_roles.py": (
        "role checks in Python; the actions they try run on both engines in tests/privacy"
    ),
    f"{CONSUMER}::test_a_malformed_frame_gets_an_error_and_the_connection_stays": (
        "frame parsing, before any database access"
    ),
    f"{CONSUMER}::test_many_malformed_frames_in_a_row_leave_the_connection_usable": (
        "frame parsing, before any database access"
    ),
    f"{CONSUMER}::test_a_foreign_origin_is_refused": "the Origin header check",
    f"{CONSUMER}::test_the_frame_rate_limit": "an in-memory counter per connection",
    f"{CONSUMER}::test_the_frame_rate_limit_is_per_connection": "an in-memory counter",
    f"{QUEUE_SOCKET}::test_a_foreign_origin_is_refused_even_for_a_moderator": "the Origin check",
    f"{QUEUE_SOCKET}::test_everyone_else_is_closed_with_4403_and_receives_nothing": (
        "role checks in Python, one per role"
    ),
    f"{QUEUE_SOCKET}::test_malformed_frames_get_an_error_and_the_socket_stays_open": (
        "frame parsing"
    ),
    f"{QUEUE_SOCKET}::test_client_frames_are_rate_limited": "an in-memory counter",
    f"{QUEUE}::test_the_queue_page_is_for_moderators_only": "role checks, one per role",
    f"{QUEUE}::test_only_moderators_can_decide": "role checks, one per role",
    f"{QUEUE}::test_only_moderators_can_decide_in_bulk": "role checks, one per role",
    f"{QUEUE}::test_only_moderators_can_block_and_unblock": "role checks, one per role",
    f"{QUEUE}::test_only_moderators_manage_filtered_words": "role checks, one per role",
    f"{QUEUE}::test_the_decision_log_is_for_moderators_only": "role checks, one per role",
    f"{QUEUE}::test_a_persons_page_is_for_moderators_only": "role checks, one per role",
    f"{QUEUE}::test_the_item_fragment_is_for_moderators_only": "role checks, one per role",
    "tests/moderation/test_queue_cursor.py::test_a_bad_cursor_is_refused_with_a_clear_error": (
        "cursor parsing in Python before any query"
    ),
    f"{DECISIONS}::test_only_moderators_decide": "role checks, one per role and state",
    f"{DECISIONS}::test_only_moderators_decide_in_bulk": "role checks, one per role",
    f"{DECISIONS}::test_each_decision_from_each_state": (
        "the decision table in Python, one case per action and state"
    ),
    f"{ACTIONS}::test_bad_bodies_are_invalid": "body validation in Python before any write",
}


# Tests that each pass runs by themselves after its parallel part, with no
# other test loading the machine: timing they assert can break when another
# worker starves the servers they start of CPU (docs/testing.md).
RUN_ALONE = {
    "tests/stack/test_production_stack.py": (
        "its own PostgreSQL, two app processes, a worker and nginx take the machine's"
        " two cores: run beside the browser tests, they starved them past their timeouts"
    ),
    "tests/e2e/test_live_two_servers.py": (
        "asserts that no client needed a catch-up fetch: a starved server answers a"
        " ping with a newer cursor before the event itself arrives through Redis"
    ),
    "tests/e2e/test_live_fanout.py": (
        "2,000 events of 8 KB to three readers through a real server take a core: beside"
        " the browser tests they pushed an editor's publish past its 30 s wait"
    ),
    "tests/core/test_socket_limits.py": (
        "servers holding 300 sockets from one address, and nginx in front of one"
    ),
}
ALONE_MARK = "alone"


def covers(entry, nodeid):
    """Whether `entry` names this test (or a file, class or directory holding it)."""
    if entry.endswith("/"):
        return nodeid.startswith(entry)
    return nodeid == entry or nodeid.startswith((entry + "::", entry + "["))


def entry_path(entry):
    """The file or directory an entry names."""
    return entry.split("::", 1)[0]


def on_both_databases(nodeid):
    return any(covers(entry, nodeid) for entry in BOTH_DATABASES) and not any(
        covers(entry, nodeid) for entry in ONE_ENGINE_ENOUGH
    )


def mark(item):
    """Give the test the `both_databases` and `alone` marks the lists above say."""
    if on_both_databases(item.nodeid):
        item.add_marker(getattr(pytest.mark, MARK))
    if any(covers(entry, item.nodeid) for entry in RUN_ALONE):
        item.add_marker(getattr(pytest.mark, ALONE_MARK))
