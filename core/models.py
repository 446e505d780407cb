"""The tables of the bottom layer: e-mail waiting to leave (core/mail.py)
and whose site this is (`SiteIdentity`, read through core/identity.py).

Every app that tells a person something by e-mail (account mail from
accounts, notices and digests from notifications, data files from privacy)
writes a row here in its own transaction; a task sends it, retrying with
backoff, and a row that still cannot leave after the last retry stays,
marked failed, where an operator sees it (the admin's "Outgoing e-mail")."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


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


HEX_COLOUR = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Write the colour as # and six hexadecimal digits, like #0b5cad.")
)


@register_setting(icon="site")
class SiteIdentity(BaseSiteSetting):
    """Whose site this is: the municipality's name, logo and accent colour,
    shown in the header, the social cards and the e-mails (core/identity.py
    reads it, with fallbacks)."""

    name = models.CharField(
        _("name"),
        max_length=80,
        blank=True,
        help_text=_("The municipality's name as people know it. Empty: the site's default name."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logo"),
        help_text=_("Shown in the header next to the name, 48 pixels tall, and in social cards."),
    )
    accent = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[HEX_COLOUR],
        help_text=_(
            "The header's colour, like #0b5cad. Its text is white or black, whichever "
            "reads better on it. Empty: the site's blue."
        ),
    )

    select_related = ["logo"]
    panels = [FieldPanel("name"), FieldPanel("logo"), FieldPanel("accent")]

    class Meta:
        verbose_name = _("site identity")
        verbose_name_plural = _("site identity")

    def __str__(self):
        return self.name or str(self.site)

    @classmethod
    def base_queryset(cls):
        # Wagtail's settings admin reads the setting through this; pages read
        # it through core.identity, which relies on Wagtail's rendition cache
        # rather than prefetching every rendition of the logo.
        return super().base_queryset().prefetch_related("logo__renditions")
