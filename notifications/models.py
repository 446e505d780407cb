"""Notices: the one way Puente tells a person something. Apps above this one
(moderation, responses) leave notices through notifications/notify.py,
which e-mails them through notifications/email.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comments.models import Comment


class Notice(models.Model):
    """What a person is told, on the site (their notices page) and by e-mail:
    a decision on their comment or account (moderation), or that the
    planners' response answers their comment (responses). `reason` and
    `hold_reason` hold moderation's FlagReason and HoldReason values; their
    labels are moderation's (the `flag_reason` and `hold_reason` filters)."""

    class Kind(models.TextChoices):
        HELD = "held", _("Awaiting review")
        HIDDEN_BY_FLAGS = "flagged", _("Hidden after flags")
        APPROVED = "approve", _("Approved")
        HIDDEN = "hide", _("Hidden")
        REMOVED = "remove", _("Removed")
        RESTORED = "restore", _("Restored")
        BLOCKED = "block", _("Account blocked")
        UNBLOCKED = "unblock", _("Account unblocked")
        # The planners' published response links the comment (responses/actions.py).
        RESPONDED = "response", _("Answered in the response")
        # The person's data file is ready (privacy/actions.py).
        EXPORT_READY = "export", _("Your data file is ready")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_notices"
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=20, blank=True)
    hold_reason = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    created = models.DateTimeField()
    read = models.BooleanField(default=False)

    class Meta:
        # The table it had in the moderation app (migration notifications/0001).
        db_table = "moderation_notice"
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "read", "-created"], name="notice_user_idx")]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"
