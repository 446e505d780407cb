"""allauth tells us when a person's primary e-mail address changed (after
they verified the new one): a rectification, logged."""

from allauth.account.signals import email_changed
from django.dispatch import receiver

from privacy.actions import record_email_change


@receiver(email_changed)
def log_email_change(sender, request, user, from_email_address, to_email_address, **kwargs):
    record_email_change(
        user,
        getattr(from_email_address, "email", ""),
        getattr(to_email_address, "email", ""),
    )
