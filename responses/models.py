"""The planners' response to a consultation ("what we heard / what we will
do") and its follow-up: commitments and their dated updates. Writes go
through responses/actions.py only.

The tables keep the names they had when these models lived in the
consultations app (migration responses/0001 moved them without touching a
row)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from consultations.models import ConsultationPage, ConsultationQuestion

MAX_INTRODUCTION = 5000
MAX_ITEM_TEXT = 5000
MAX_HEADING = 200
MAX_COMMITMENT_TITLE = 200
MAX_COMMITMENT_TEXT = 3000
MAX_UPDATE_TEXT = 2000


class Response(models.Model):
    """The planners' answer to a consultation, one per consultation. A draft
    until `published_at`; publishing needs the consultation closed and sets
    the page's `reported_at`. It stays published when edited afterwards."""

    consultation = models.OneToOneField(
        ConsultationPage, on_delete=models.CASCADE, related_name="response"
    )
    introduction = models.TextField(_("introduction"), blank=True, max_length=MAX_INTRODUCTION)
    created = models.DateTimeField()
    # Last change to the response, its items or its commitments.
    updated = models.DateTimeField()
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "consultations_response"
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self):
        return f"response to {self.consultation_id}"

    @property
    def is_published(self):
        return self.published_at is not None


class ResponseItem(models.Model):
    """One point of the response: what people said about a question, a theme
    or a subject of its own (`heading`), and what the government will do.
    Links the published comments and the themes it answers."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="items")
    sort_order = models.PositiveIntegerField(default=0)
    question = models.ForeignKey(
        ConsultationQuestion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("question"),
    )
    theme = models.ForeignKey(
        "comments.Theme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("theme"),
    )
    heading = models.CharField(_("heading"), max_length=MAX_HEADING, blank=True)
    what_you_said = models.TextField(_("what you said"), max_length=MAX_ITEM_TEXT)
    what_we_will_do = models.TextField(_("what we will do"), max_length=MAX_ITEM_TEXT)
    comments = models.ManyToManyField(
        "comments.Comment", blank=True, related_name="response_items", verbose_name=_("comments")
    )
    themes = models.ManyToManyField(
        "comments.Theme", blank=True, related_name="+", verbose_name=_("themes")
    )

    class Meta:
        db_table = "consultations_responseitem"
        ordering = ["sort_order", "pk"]
        verbose_name = _("response item")
        verbose_name_plural = _("response items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=True) | models.Q(theme__isnull=True),
                name="response_item_one_subject",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self):
        """The heading given, else the question's text or the theme's name."""
        if self.heading:
            return self.heading
        if self.question_id and self.question is not None:
            return self.question.text
        if self.theme_id and self.theme is not None:
            return self.theme.name
        return ""


class CommitmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


PROGRESS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Commitment(models.Model):
    """Something the response promises, followed up in public: its status and
    progress are those of its latest dated update (planned, 0 % before any)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="commitments")
    sort_order = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=MAX_COMMITMENT_TITLE)
    description = models.TextField(_("description"), blank=True, max_length=MAX_COMMITMENT_TEXT)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.PLANNED,
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=PROGRESS_VALIDATORS
    )
    items = models.ManyToManyField(
        ResponseItem, blank=True, related_name="commitments", verbose_name=_("comes from")
    )
    created = models.DateTimeField()

    class Meta:
        db_table = "consultations_commitment"
        ordering = ["sort_order", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="commitment_progress_max_100"
            ),
        ]

    def __str__(self):
        return self.title


class CommitmentUpdate(models.Model):
    """A dated step of a commitment's follow-up, shown in its public timeline."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"), max_length=MAX_UPDATE_TEXT)
    status = models.CharField(
        _("status after this update"), max_length=12, choices=CommitmentStatus.choices
    )
    progress = models.PositiveSmallIntegerField(
        _("progress after this update (%)"), validators=PROGRESS_VALIDATORS
    )
    created = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "consultations_commitmentupdate"
        ordering = ["date", "created", "pk"]
        verbose_name = _("commitment update")
        verbose_name_plural = _("commitment updates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="commitment_update_progress_max_100"
            ),
        ]

    def __str__(self):
        return f"{self.commitment_id} @ {self.date}"
