"""GET /api/v1/consultations/ (one page of 20) and one consultation, as the
number of published consultations grows: SQL queries and server time."""

import statistics
import time

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

SIZES = (10, 100, 300)
REPEATS = 30


def measure(client, url):
    reset_queries()  # the log is bounded: a full one would count nothing
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    query_count = len(queries)  # read now: the log is cleared below
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        reset_queries()
    timings.sort()
    return query_count, statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def run():
    index = ConsultationIndexPageFactory(parent=ensure_site())
    client = Client()
    rows, created = [], 0
    for size in SIZES:
        while created < size:
            page = ConsultationPageFactory(
                parent=index,
                sections=[(f"Sección {n}", "Texto del borrador.") for n in range(5)],
                questions=[f"¿Pregunta {n}?" for n in range(3)],
                tags=["participación", f"tema-{created % 7}"],
            )
            created += 1
        for label, url in (
            ("list (page of 20)", "/api/v1/consultations/"),
            ("detail", f"/api/v1/consultations/{page.pk}/"),
        ):
            queries, median, p95 = measure(client, url)
            rows.append(
                {
                    "consultations": size,
                    "request": label,
                    "queries": queries,
                    "median ms": round(median, 2),
                    "p95 ms": round(p95, 2),
                }
            )
    return rows
