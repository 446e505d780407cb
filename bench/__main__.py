"""Run every benchmark: python -m bench [name ...]."""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench import (  # noqa: E402
    api_consultations,
    campaign,
    digests,
    fanout,
    folding,
    lighthouse,
    moderation_queue,
    open_data,
    opinion_groups,
    opinion_groups_db,
    permalinks,
    privacy,
    search,
    signup_timing,
    stack,
    summary,
    thread_followers,
    thread_page,
)

BENCHMARKS = {
    "api_consultations": api_consultations.run,
    "campaign": campaign.run,
    "digests": digests.run,
    "fanout": fanout.run,
    "folding": folding.run,
    "lighthouse": lighthouse.run,
    "moderation_queue": moderation_queue.run,
    "open_data": open_data.run,
    "opinion_groups": opinion_groups.run,
    "opinion_groups_db": opinion_groups_db.run,
    "permalinks": permalinks.run,
    "privacy": privacy.run,
    "search": search.run,
    "signup_timing": signup_timing.run,
    "stack": stack.run,
    "summary": summary.run,
    "thread_followers": thread_followers.run,
    "thread_page": thread_page.run,
}
RESULTS = Path(__file__).resolve().parent / "results"


def print_table(name, rows):
    print(f"\n## {name}  (database: {connection.vendor})")
    columns = list(rows[0])
    widths = [max(len(str(c)), *(len(str(r[c])) for r in rows)) for c in columns]
    print(" | ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(row[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))


def main(names):
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        RESULTS.mkdir(exist_ok=True)
        for name in names or BENCHMARKS:
            rows = BENCHMARKS[name]()
            print_table(name, rows)
            (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=2))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(sys.argv[1:])
