"""allauth's e-mails (confirm your address, you already have an account,
reset your password) leave through the task queue: rendered in the request,
which knows the language and the links, and sent by the worker. No sign-up
waits for the mail server, so one with a taken address takes as long as one
with a new address (issue 14; accounts/signup.py does the rest)."""

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django_tasks import task


def queue(message: EmailMessage) -> None:
    """Send `message` from the task queue. Enqueued at once, not on commit:
    allauth's views write in autocommit, and the database queue's row
    would commit or roll back with any transaction around it anyway."""
    fields = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }
    send_message.enqueue(fields)


@task()
def send_message(fields: dict) -> None:
    message = EmailMultiAlternatives(
        fields["subject"],
        fields["body"],
        fields["from_email"],
        fields["to"],
        headers=fields["headers"],
    )
    message.content_subtype = fields["content_subtype"]
    for content, mimetype in fields["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()
