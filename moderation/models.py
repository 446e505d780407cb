"""Moderation: the flags citizens raise, the holds the site applies, the review
queue, the decisions moderators take (an append-only log), the notices
authors receive and the one appeal each may make. Writes go through
moderation/actions.py only."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from comments.models import Comment
from consultations.models import ConsultationPage
from core.text import fold


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
    # Set when a moderator approves the comment: the flag no longer counts
    # towards hiding it, and its author cannot flag the comment again.
    cleared = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_flag_per_person")
        ]
        indexes = [models.Index(fields=["reason", "created"], name="flag_reason_idx")]

    def __str__(self):
        return f"{self.user_id} flags {self.comment_id}: {self.reason}"


@register_setting(icon="warning")
class ModerationSettings(BaseSiteSetting):
    """The site's moderation policy; a consultation may override the mode and
    the flag threshold (ConsultationPage.moderation_mode / auto_hide_flags)."""

    premoderation = models.BooleanField(
        _("hold every comment until a moderator approves it"), default=False
    )
    auto_hide_flags = models.PositiveSmallIntegerField(
        _("hide a comment after this many flags"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Distinct people; the comment stays hidden until a moderator reviews it."),
    )
    new_account_comments = models.PositiveSmallIntegerField(
        _("hold the first comments of each account"),
        default=0,
        help_text=_("How many of a person's first comments wait for review. 0: none."),
    )
    new_account_days = models.PositiveSmallIntegerField(
        _("hold comments of accounts younger than this many days"),
        default=0,
        help_text=_("0: off."),
    )
    max_links = models.PositiveSmallIntegerField(
        _("hold comments with more links than"),
        default=3,
    )

    class Meta:
        verbose_name = _("moderation settings")


class FilteredWord(models.Model):
    """A word or phrase that holds a comment for review (never rejects it).
    Matched ignoring accents and case (core.text.fold), on word boundaries
    (moderation/words.py)."""

    class Language(models.TextChoices):
        SPANISH = "es", _("Spanish")
        ENGLISH = "en", _("English")

    word = models.CharField(_("word or phrase"), max_length=100)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    # The word as matched: accents stripped, case folded.
    normalized = models.CharField(max_length=100, editable=False)
    # Named for the admin's list ("Created" had no translation).
    created = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("filtered word")
        verbose_name_plural = _("filtered words")
        ordering = ["language", "normalized"]
        constraints = [
            models.UniqueConstraint(fields=["language", "normalized"], name="one_filtered_word")
        ]

    def __str__(self):
        return self.word

    def save(self, *args, **kwargs):
        self.normalized = fold(self.word).strip()
        super().save(*args, **kwargs)


class ReviewKind(models.TextChoices):
    FLAGGED = "flagged", _("Flagged")
    HELD = "held", _("Held")
    APPEALED = "appealed", _("Appealed")


class HoldReason(models.TextChoices):
    PREMODERATION = "premoderation", _("Pre-moderation")
    WORD = "word", _("Filtered word")
    NEW_ACCOUNT = "new_account", _("New account")
    LINKS = "links", _("Too many links")


class Action(models.TextChoices):
    APPROVE = "approve", _("Approve")
    HIDE = "hide", _("Hide")
    REMOVE = "remove", _("Remove")
    RESTORE = "restore", _("Restore")
    BLOCK = "block", _("Block user")
    UNBLOCK = "unblock", _("Unblock user")


# Actions on a comment (the others act on a person).
COMMENT_ACTIONS = (Action.APPROVE, Action.HIDE, Action.REMOVE, Action.RESTORE)
# Actions that need a reason the author is told.
ACTIONS_WITH_REASON = (Action.HIDE, Action.REMOVE, Action.BLOCK)


class QueueActivity(models.Model):
    """The review queue's change counter: one row (pk 1). Every write to a
    queue item takes the next value under the row's lock, last in its
    transaction (moderation/changes.py), so values commit in order and a
    moderator's page that saw value N can ask for every change after N
    without missing one."""

    last_seq = models.BigIntegerField(default=0)

    def __str__(self):
        return f"queue: {self.last_seq}"


class Review(models.Model):
    """A comment's place in the review queue: one row per comment that ever
    needed a moderator, pending until a decision resolves it."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="review")
    # Copied from the comment so the queue filters without a join.
    consultation = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="+")
    pending = models.BooleanField(default=True)
    kind = models.CharField(max_length=10, choices=ReviewKind.choices)
    hold_reason = models.CharField(max_length=16, choices=HoldReason.choices, blank=True)
    # What the hold matched (the filtered word), for the moderator.
    hold_detail = models.CharField(max_length=100, blank=True)
    # Flags not cleared by an approval.
    flag_count = models.PositiveIntegerField(default=0)
    # When the item (re-)entered the queue.
    opened = models.DateTimeField()
    # The last decision, for the author and the public figures.
    action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    reason = models.CharField(max_length=20, choices=FlagReason.choices, blank=True)
    # The queue's change counter (QueueActivity) at the item's last change:
    # the live page catches up on the changes after its cursor.
    seq = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["seq"], name="review_seq_idx"),
            models.Index(
                fields=["-flag_count", "opened"],
                condition=Q(pending=True),
                name="review_pending_flags_idx",
            ),
            models.Index(
                fields=["opened"], condition=Q(pending=True), name="review_pending_opened_idx"
            ),
            models.Index(
                fields=["consultation", "pending", "opened"], name="review_consultation_idx"
            ),
        ]

    def __str__(self):
        return f"review of {self.comment_id} ({'pending' if self.pending else 'resolved'})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The moderation log is append-only.")

    def delete(self):
        raise PermissionDenied("The moderation log is append-only.")


class AppendOnly(models.Model):
    """Rows are written once and never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The moderation log is append-only.")


class Decision(AppendOnly):
    """One moderation decision: who, what, on which comment or person, why, when.
    Its keys have no database constraint and nothing happens to the row when
    what they point at is deleted (a consultation, an account): the log keeps
    the ids."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the site's own decisions (a hide after enough flags).",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    comment = models.ForeignKey(
        Comment,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="decisions",
    )
    # The person affected: the comment's author, or the person blocked.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="moderation_decisions",
    )
    reason = models.CharField(max_length=20, choices=FlagReason.choices, blank=True)
    note = models.TextField(blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="decision_user_idx")]

    def __str__(self):
        return f"{self.action} {self.comment_id or self.user_id} by {self.moderator_id}"


class Appeal(models.Model):
    """An author asks for a decision to be reviewed again; once per comment."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="appeal")
    note = models.TextField()
    created = models.DateTimeField()
    resolved = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"appeal of {self.comment_id}"
