from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications import calendar


class Command(BaseCommand):
    help = (
        "Tell the followers of consultations that opened, are about to close or "
        "closed (once each). Run it every 15 minutes."
    )

    def handle(self, *args, **options):
        for consultation_id, kind, told in calendar.announce_due(timezone.now()):
            state = "told" if told else "recorded (too old to tell)"
            self.stdout.write(f"consultation {consultation_id}: {kind} {state}")
