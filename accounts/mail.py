"""allauth's e-mails (confirm your address, you already have an account,
reset your password) leave through the outbox (core/mail.py) like every
other message: rendered in the request, which knows the language and the
links, and sent by a task. No sign-up waits for the mail server, so one
with a taken address takes as long as one with a new address (issue 14;
accounts/signup.py does the rest)."""

from django.core.mail import EmailMessage

from core import mail


def queue(message: EmailMessage) -> None:
    """Write allauth's `message` to the outbox, one row per address, and
    enqueue it at once, not on commit: allauth's views write in autocommit."""
    for address in message.to:
        mail.queue(address, message.subject, message.body, about="account", on_commit=False)
