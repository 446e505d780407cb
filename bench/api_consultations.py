"""GET /api/v1/consultations/ (one page of 20) and one consultation, as the
number of published consultations grows: SQL queries and server time."""

from django.test import Client

from bench.measure import measure_get
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

SIZES = (10, 100, 300)
REPEATS = 30


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
            timing = measure_get(client, url, REPEATS)
            rows.append(
                {
                    "consultations": size,
                    "request": label,
                    "queries": timing.queries,
                    "median ms": round(timing.median_ms, 2),
                    "p95 ms": round(timing.p95_ms, 2),
                }
            )
    return rows
