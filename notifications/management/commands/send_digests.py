from django.core.management.base import BaseCommand, CommandError

from notifications import digests


class Command(BaseCommand):
    help = (
        "Write the daily or weekly digest e-mails of everyone with notices waiting for one "
        "to the outbox (run by the scheduler: daily at 07:00, weekly on Mondays at 07:00)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--frequency", required=True, choices=list(digests.FREQUENCIES))
        parser.add_argument(
            "--now",
            help="The run's date and time, ISO 8601 (default: now): only notices left "
            "by then are sent.",
        )

    def handle(self, *args, frequency, now=None, **options):
        try:
            moment = digests.parse_now(now) if now else None
        except ValueError as error:
            raise CommandError(f"--now: {error}") from error
        outcome = digests.send(frequency, now=moment)
        self.stdout.write(
            f"{frequency} digest: {outcome.emails} e-mails to {outcome.people} people, "
            f"{outcome.notices} notices ({outcome.skipped} no longer shown)."
        )
