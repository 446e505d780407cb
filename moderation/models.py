"""Flags citizens raise on comments. (Decisions, holds and appeals: issue 4.)"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comments.models import Comment


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSIVE = "abusive", _("Abusive or offensive")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL_DATA = "personal_data", _("Personal data")
    MISINFORMATION = "misinformation", _("Misinformation")
    OTHER = "other", _("Other")


class Flag(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    note = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_flag_per_person")
        ]
        indexes = [models.Index(fields=["reason", "created"], name="flag_reason_idx")]

    def __str__(self):
        return f"{self.user_id} flags {self.comment_id}: {self.reason}"
