"""What summaries keep between requests: the opinion groups last computed for
a consultation (and for each of its questions), and which account stands for
which participant of an imported Pol.is conversation."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consultations.models import ConsultationPage

# OpinionGroups.question for the whole consultation (question ids start at 1).
WHOLE_CONSULTATION = 0


class OpinionGroups(models.Model):
    """The opinion groups of one consultation, or of one of its questions, as
    last computed in the background (summaries/opinions.py). `analysis` holds
    counts, comment ids and map cells only: never who is in which group."""

    consultation = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("consultation")
    )
    # A ConsultationQuestion's id, or WHOLE_CONSULTATION. Not a foreign key:
    # a question deleted from the page leaves a row nobody asks for.
    question = models.PositiveBigIntegerField(_("question"), default=WHOLE_CONSULTATION)
    # The consultation's change counter (comments.ConsultationActivity) the
    # analysis was computed at: every comment write and reaction moves it.
    cursor = models.BigIntegerField(_("cursor"), default=0)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    # How long the last computation took, for the operators.
    seconds = models.FloatField(_("seconds"), default=0)
    analysis = models.JSONField(_("analysis"), default=dict)

    class Meta:
        verbose_name = _("opinion groups")
        verbose_name_plural = _("opinion groups")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "question"], name="one_opinion_groups_per_scope"
            )
        ]

    def __str__(self):
        return f"{self.consultation_id}/{self.question} @ {self.cursor}"


class OpinionGroupsRefresh(models.Model):
    """When a consultation's opinion groups were last asked to be recomputed:
    one row per consultation, so concurrent page views enqueue one task."""

    consultation = models.OneToOneField(
        ConsultationPage,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("consultation"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    # The cursor the request was made at.
    cursor = models.BigIntegerField(_("cursor"), default=0)

    class Meta:
        verbose_name = _("opinion groups refresh")
        verbose_name_plural = _("opinion groups refreshes")

    def __str__(self):
        return f"{self.consultation_id} @ {self.cursor}"


class ImportedParticipant(models.Model):
    """The pseudonymous account `manage.py import_polis` made for one
    participant of a Pol.is conversation, with that participant's Pol.is id,
    so an analysis can be compared with Pol.is's own groups."""

    consultation = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("consultation")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("account"),
    )
    polis_id = models.BigIntegerField(_("Pol.is participant id"))

    class Meta:
        verbose_name = _("imported Pol.is participant")
        verbose_name_plural = _("imported Pol.is participants")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "polis_id"], name="one_account_per_polis_participant"
            )
        ]

    def __str__(self):
        return f"{self.consultation_id}: {self.polis_id}"
