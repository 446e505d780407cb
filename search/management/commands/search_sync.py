"""Send every comment still waiting in the backlog to the index: after the
index was down, or from cron as a safety net (docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError

from search import indexing


class Command(BaseCommand):
    help = "Catch the comment index up with every change not yet indexed."

    def handle(self, *args, **options):
        before = indexing.backlog()
        outcome = indexing.sync()
        after = indexing.backlog()
        self.stdout.write(
            f"indexed {outcome.indexed}, removed {outcome.removed}, "
            f"waiting before {before['pending']}, waiting now {after['pending']}"
        )
        if outcome.failed:
            raise CommandError(
                f"the index is unavailable; {after['pending']} changes wait: {after['last_error']}"
            )
