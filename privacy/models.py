"""What the ARCO rights leave behind: an audit record of each request
without anyone's personal data (for the transparency unit), and the data
exports people download."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArcoKind(models.TextChoices):
    ACCESS = "access", _("Access and portability (data download)")
    RECTIFICATION = "rectification", _("Rectification")
    CANCELLATION = "cancellation", _("Cancellation (account deleted)")
    OPPOSITION = "opposition", _("Opposition (open data)")


class ArcoRequest(models.Model):
    """One exercise of an ARCO right and when it was completed. Holds no
    link to the person: the record outlives their account."""

    kind = models.CharField(_("right"), max_length=16, choices=ArcoKind.choices)
    detail = models.CharField(_("detail"), max_length=60, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["kind", "-requested_at"], name="arco_kind_idx")]
        verbose_name = _("ARCO request")
        verbose_name_plural = _("ARCO requests")

    def __str__(self):
        return f"{self.kind} {self.requested_at:%Y-%m-%d}"

    @property
    def duration(self):
        if self.completed_at is None:
            return None
        return self.completed_at - self.requested_at


class DataExport(models.Model):
    """A ZIP of everything the site holds about a person, built in the
    background and downloadable by them, through a signed link, until
    `expires_at`. Kept in the database so that every app server can serve
    it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    request = models.ForeignKey(
        ArcoRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(blank=True, default=b"")
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="export_user_idx")]
        constraints = [
            # At most one export being prepared per person: a second request reuses it.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="one_pending_export_per_person",
            )
        ]

    def __str__(self):
        return f"export {self.pk} of {self.user_id} ({self.status})"
