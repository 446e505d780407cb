"""The one table of the bottom layer: e-mail waiting to leave (core/mail.py).

Every app that tells a person something by e-mail (account mail from
accounts, notices and digests from notifications, data files from privacy)
writes a row here in its own transaction; a task sends it, retrying with
backoff, and a row that still cannot leave after the last retry stays,
marked failed, where an operator sees it (the admin's "Outgoing e-mail")."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")

    # Whose mail it is, so that deleting an account deletes its mail too.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    headers = models.JSONField(default=dict, blank=True)
    # What it is, for operators and the log ("notice", "digest", "account").
    about = models.CharField(_("what it is"), max_length=40)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"))
    # When a queued row is due (now, or after a failed attempt's backoff).
    next_attempt = models.DateTimeField(_("next attempt"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Which delivery holds a row being sent, so two workers never send it twice.
    claim = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt"], name="email_due_idx")]

    def __str__(self):
        return f"{self.about} to {self.to} ({self.state})"

    @staticmethod
    def new_claim():
        return uuid.uuid4()
