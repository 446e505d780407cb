"""DATABASE_POOL=true: the production settings give each process one psycopg
pool, which a burst of threads shares without opening more than max_size
connections to the real PostgreSQL."""

import json
import os

import pytest

from tests.production_helpers import production_env, run_python

pytestmark = pytest.mark.postgres_only

BURST = """
import json, threading, time
import django
django.setup()
from django.db import connection, connections

peak = []
errors = []

def work():
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                ["puente-pool-test"],
            )
            peak.append(cursor.fetchone()[0])
            cursor.execute("SELECT pg_sleep(0.1)")
    except Exception as error:
        errors.append(repr(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=work) for _ in range(12)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
pool = connection.pool
stats = pool.get_stats() if pool else {}
print(json.dumps({
    "pool": type(pool).__name__,
    "max_size": pool.max_size if pool else None,
    "peak": max(peak),
    "answered": len(peak),
    "errors": errors,
    "requests": stats.get("requests_num", 0),
    "opened": stats.get("connections_num", 0),
}))
"""


@pytest.fixture
def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("needs the test command's PostgreSQL (run under tools/services.py)")
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}application_name=puente-pool-test"


def test_threads_share_the_pool_and_never_exceed_its_size(postgres_url):
    env = production_env(
        DATABASE_URL=postgres_url,
        DATABASE_POOL="true",
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="3",
        DATABASE_POOL_TIMEOUT="20",
    )
    result = run_python(BURST, env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["errors"] == []
    assert found["pool"] == "ConnectionPool"
    assert found["max_size"] == 3
    assert found["answered"] == 12
    # Twelve threads at once, never more than three server connections.
    assert 1 <= found["peak"] <= 3
    assert found["opened"] <= 3
    assert found["requests"] >= 12


def test_without_the_pool_each_thread_opens_its_own_connection(postgres_url):
    result = run_python(BURST, production_env(DATABASE_URL=postgres_url))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["errors"] == []
    assert found["pool"] == "NoneType"
    # The contrast that shows the pool bounds them: all twelve at once here.
    assert found["peak"] > 3
