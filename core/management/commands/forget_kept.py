from django.core.management.base import BaseCommand

from core import kept


class Command(BaseCommand):
    help = (
        "Forget every rendering kept in the cache (a consultation's threads, "
        "summaries): run after a restore or an upgrade. deploy/entrypoint.sh "
        "release does."
    )

    def handle(self, *args, **options):
        kept.forget_all()
        self.stdout.write("kept renderings forgotten")
