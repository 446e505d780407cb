"""Rebuild the comment index from the database with bulk requests; the
current index keeps answering searches until the new one replaces it."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from search import indexing
from search.backends.base import IndexUnavailable
from search.documents import indexable_comments


class Command(BaseCommand):
    help = "Rebuild the whole comment index (no downtime: an alias swap)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (logs, cron)."
        )

    def handle(self, *args, **options):
        total = indexable_comments().count()
        started = time.perf_counter()
        with tqdm(
            total=total,
            unit="comments",
            disable=options["no_progress"],
            file=self.stderr._out,
        ) as bar:
            try:
                outcome = indexing.rebuild(progress=bar.update)
            except IndexUnavailable as error:
                raise CommandError(f"the index is unavailable: {error}") from error
        elapsed = time.perf_counter() - started
        rate = total / elapsed if elapsed else 0
        self.stdout.write(
            f"indexed {total} comments in {elapsed:.1f} s ({rate:.0f}/s); "
            f"then {outcome.indexed} changed meanwhile"
        )
