from django.core.management.base import BaseCommand

from privacy.actions import purge_expired_exports


class Command(BaseCommand):
    help = "Delete the data-export files past their download date (run daily)."

    def handle(self, *args, **options):
        deleted = purge_expired_exports()
        self.stdout.write(f"Deleted {deleted} expired data export(s).")
