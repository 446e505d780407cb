from django.core.management.base import BaseCommand

from core import mail


class Command(BaseCommand):
    help = (
        "Send the e-mail waiting in the outbox that is due (new, or retried "
        "after a failure), and requeue e-mail whose worker died. Run it every "
        "few minutes; the task queue sends most mail before this finds it."
    )

    def handle(self, *args, **options):
        sent = mail.send_due()
        self.stdout.write(f"{sent} e-mail sent")
