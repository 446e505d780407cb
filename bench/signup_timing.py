"""POST /accounts/signup/ with an address that already has an account and
with a new one, as production runs it (Django's default password hasher,
e-mail through the database task queue): the two answers should take the
same time, or the time tells which addresses have accounts (issue 14). The
two kinds alternate, so that a slower stretch of the machine slows both."""

import statistics
import time

from allauth.account.models import EmailAddress
from django.conf import global_settings
from django.core import mail
from django.db import connection, reset_queries
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User

REPEATS = 20
PASSWORD = "una-contraseña-de-banco-1"  # noqa: S105 - throwaway accounts
TAKEN = "ya-registrada@example.com"
PRODUCTION_LIKE = {
    "PASSWORD_HASHERS": global_settings.PASSWORD_HASHERS,
    "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
}


def signup(client, email):
    data = {
        "email": email,
        "display_name": "Persona de banco",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    reset_queries()  # the log is bounded: a full one would count nothing
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.post("/accounts/signup/", data)
        elapsed = time.perf_counter() - start
    assert response.status_code == 302, (email, response.status_code)
    return elapsed * 1000, len(queries)


def row(label, measured):
    timings = sorted(ms for ms, _ in measured)
    return {
        "address": label,
        "sign-ups": len(timings),
        "queries": statistics.median(count for _, count in measured),
        "median ms": round(statistics.median(timings), 1),
        "min ms": round(timings[0], 1),
        "max ms": round(timings[-1], 1),
    }


def run():
    with override_settings(**PRODUCTION_LIKE):
        user = User.objects.create(email=TAKEN, display_name="Ya registrada")
        EmailAddress.objects.create(user=user, email=TAKEN, verified=True, primary=True)
        client = Client()
        signup(client, "calentamiento@example.com")  # imports, templates, first connection
        taken, new = [], []
        for n in range(REPEATS):
            taken.append(signup(Client(), TAKEN))
            new.append(signup(Client(), f"nueva-{n}@example.com"))
        mail.outbox = []
    rows = [row("taken", taken), row("new", new)]
    gap = round(rows[1]["median ms"] - rows[0]["median ms"], 1)
    rows.append({**dict.fromkeys(rows[0], ""), "address": "new - taken", "median ms": gap})
    return rows
