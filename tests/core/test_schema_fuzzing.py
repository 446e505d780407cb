"""Schemathesis against a real server process: every operation of the
OpenAPI schema, as anonymous, citizen, moderator and planner, with every
check but two. The build fails on any 5xx, any response the schema does not
describe (status, content type, headers, body) and any request the schema
calls invalid that is accepted.

`use_after_free` is left out: `DELETE .../follow/` stops following, and
the `GET` of the same address rightly still answers (`{"following": false}`);
a comment's `DELETE` leaves a tombstone by design.

`positive_data_acceptance` is left out: the API rightly refuses some
schema-valid requests with 400, for rules no OpenAPI schema can state (text
that is too short once markup is removed, a question of another
consultation, an end date before the start, a second report of the same
comment).

Bounded for CI: PUENTE_FUZZ_EXAMPLES random cases per operation (default
10) and a fixed seed, so a failure reproduces; set PUENTE_FUZZ_SEED to
explore. The run prints how many cases it generated."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

from tests.e2e.conftest import ServerProcess, database_url_for
from tests.e2e.helpers import verified_user
from tests.factories import ensure_site

EXAMPLES = int(os.environ.get("PUENTE_FUZZ_EXAMPLES", "10"))
SEED = os.environ.get("PUENTE_FUZZ_SEED", "20261206")
# Role -> (groups, phases). The coverage phase's boundary and malformed
# cases are the same for every role and take most of the time: they run
# anonymously (the public operations answer) and as a moderator (every
# moderation and search operation answers); the random and stateful phases
# run as everyone.
ROLES = {
    "anonymous": ((), "coverage,fuzzing"),
    "citizen": (("citizen",), "fuzzing,stateful"),
    "moderator": (("moderator",), "coverage,fuzzing,stateful"),
    "planner": (("planner",), "fuzzing,stateful"),
}
ST = Path(sys.executable).with_name("st")


@pytest.fixture
def server(tmp_path):
    ensure_site()
    # The demo's consultations: open, closed with a response, upcoming, with
    # their threads, reactions, reports and holds.
    call_command("load_demo", verbosity=0)
    process = ServerProcess(database_url_for(connection), tmp_path / "server.log")
    yield process
    process.stop()


def headers_for(role):
    token = get_random_string(32)
    cookies = [f"csrftoken={token}"]
    groups, _phases = ROLES[role]
    if groups:
        user = verified_user(f"{role}-fuzz@example.com", f"Fuzz {role}", *groups)
        client = Client()
        client.force_login(user)
        cookies.append(f"sessionid={client.cookies['sessionid'].value}")
    return ["-H", f"Cookie: {'; '.join(cookies)}", "-H", f"X-CSRFToken: {token}"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(ROLES))
def test_the_api_holds_to_its_schema_under_fuzzing(server, role, tmp_path):
    assert ST.exists(), "schemathesis is in requirements-dev.txt"
    command = [
        str(ST),
        "run",
        f"{server.url}/api/v1/schema/?format=json",
        "--checks=all",
        "--exclude-checks=positive_data_acceptance,use_after_free",
        f"--phases={ROLES[role][1]}",
        f"--max-examples={EXAMPLES}",
        f"--seed={SEED}",
        "--workers=1",
        "--request-timeout=30",
        "--no-color",
        *headers_for(role),
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False
    )
    output = result.stdout + result.stderr
    generated = re.search(r"(\d+) generated", output)
    print(f"schemathesis as {role}: {generated.group(0) if generated else '?'}")
    if result.returncode != 0:
        log = Path(server.log.name)
        shutil.copy(log, tmp_path / "kept-server.log")
        pytest.fail(f"schemathesis as {role} failed:\n{output[-20000:]}", pytrace=False)
    assert generated and int(generated.group(1)) > 0, output[-2000:]
