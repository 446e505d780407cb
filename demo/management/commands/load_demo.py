from django.conf import settings
from django.core.management.base import BaseCommand

from demo.loader import create_demo_accounts, load_demo


class Command(BaseCommand):
    help = "Load the demo consultations (idempotent) and, in demo mode, demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give the demo accounts new passwords and print them.",
        )

    def handle(self, *args, reset_passwords=False, **options):
        created = load_demo()
        for title in created:
            self.stdout.write(f"Created: {title}")
        if not created:
            self.stdout.write("Demo consultations already loaded; nothing changed.")
        if not settings.PUENTE_DEMO_MODE:
            return
        credentials = create_demo_accounts(reset_passwords=reset_passwords)
        if credentials:
            self.stdout.write(self.style.WARNING("Demo accounts (shown once, local demo only):"))
            for email, password, role in credentials:
                self.stdout.write(f"  {role:<10} {email}  {password}")
        else:
            self.stdout.write(
                "Demo accounts exist; `manage.py load_demo --reset-passwords` prints new ones."
            )
