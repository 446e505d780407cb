"""SQLite as a real default (`make run`, small installations): the options
that let concurrent requests, background tasks and an editor publishing share
one database file without "database is locked".

- WAL journal: readers never wait for the writer, nor the writer for them.
- synchronous=NORMAL: with WAL, durable at each checkpoint, no fsync per commit.
- Immediate transactions: every `atomic` block takes the write lock when it
  begins. With SQLite's default (deferred) a transaction reads under a shared
  lock and upgrades when it first writes; two of them upgrading at once
  cannot both wait, so SQLite fails one at once, whatever the timeout.
- A busy timeout: a writer waits up to that many seconds for the lock.

Django 5.1+ reads `transaction_mode` and `init_command` (statements split on
";", run on each new connection) from the database's OPTIONS; `timeout` goes
to `sqlite3.connect`.
"""

ENGINE = "django.db.backends.sqlite3"
BUSY_TIMEOUT_SECONDS = 20
OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": BUSY_TIMEOUT_SECONDS,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def with_options(database: dict) -> dict:
    """`database` (a DATABASES entry) with the options above when it is
    SQLite; the options it names itself win. Other engines unchanged."""
    if database.get("ENGINE") != ENGINE:
        return database
    return {**database, "OPTIONS": {**OPTIONS, **database.get("OPTIONS", {})}}
