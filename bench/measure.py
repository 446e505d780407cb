"""Timing one request the way every benchmark here does."""

import math
import statistics
import time
from dataclasses import dataclass

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


@dataclass
class Timing:
    queries: int
    median_ms: float
    p95_ms: float
    size_bytes: int


def measure_get(client, url, repeats, status=200):
    """SQL queries of one GET (answering `status`), then the median and p95
    of `repeats` more."""
    reset_queries()  # the log is bounded: a full one would count nothing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
    query_count = len(queries)  # read now: the log is cleared below
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        reset_queries()
    timings.sort()
    p95 = timings[max(0, math.ceil(len(timings) * 0.95) - 1)]
    return Timing(query_count, statistics.median(timings), p95, len(response.content))
