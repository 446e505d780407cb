"""Follows, notifications and how each person wants to hear about them.

A `Notice` is one thing a person is told, of any kind: a reply, activity
in a thread they follow, a followed consultation opening or closing or
answering, a moderation decision, their data file being ready. Apps above
this one (moderation, responses, privacy) leave them through
notifications/notify.py; nothing else writes them. E-mail leaves through
core/mail.py, at once or in a digest, as the person chose (`Preference`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comments.models import Comment
from consultations.models import ConsultationPage


class Topic(models.TextChoices):
    """What a person chooses how to hear about: each notice kind has one."""

    REPLY = "reply", _("Replies to my comments")
    THREAD = "thread", _("New comments in threads I follow")
    CONSULTATION = "consultation", _("A consultation I follow opens, is about to close or closes")
    RESPONSE = "response", _("The response to a consultation I follow, and my comments it answers")
    COMMITMENT = "commitment", _("New commitments and progress updates")
    MODERATION = "moderation", _("Moderators' decisions about my comments and my account")
    RECEIPT = "receipt", _("A receipt for each comment I post")


class Delivery(models.TextChoices):
    SITE = "site", _("On the site only")
    NOW = "now", _("By e-mail at once")
    DAILY = "daily", _("In a daily e-mail")
    WEEKLY = "weekly", _("In a weekly e-mail")


class Notice(models.Model):
    """One thing a person is told, on their notifications page and, as they
    chose, by e-mail. `reason` and `hold_reason` hold moderation's
    FlagReason and HoldReason values (their labels are moderation's)."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply to your comment")
        # One per thread while unread: later comments raise `count`.
        THREAD = "thread", _("New comments in a thread you follow")
        OPENED = "opened", _("A consultation opened")
        CLOSING = "closing", _("A consultation is about to close")
        CLOSED = "closed", _("A consultation closed")
        REPORTED = "reported", _("A consultation published its response")
        COMMITMENT = "commitment", _("A commitment was added or updated")
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
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The comment it is about (for a thread: its newest new comment).
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, related_name="+")
    # The thread (its top-level comment) of a THREAD notice: its grouping key.
    thread = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    consultation = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # How many events it stands for (new comments in a thread).
    count = models.PositiveIntegerField(default=1)
    reason = models.CharField(max_length=20, blank=True)
    hold_reason = models.CharField(max_length=16, blank=True)
    # The moderator's note, or the commitment's title.
    note = models.TextField(blank=True)
    created = models.DateTimeField()
    read = models.BooleanField(default=False)
    # How its person chose to hear of it when it was left, and when the
    # e-mail (at once or in a digest) was written to the outbox.
    delivery = models.CharField(max_length=6, choices=Delivery.choices, default=Delivery.SITE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table it had in the moderation app (migration notifications/0001).
        db_table = "moderation_notice"
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["user", "read", "-created"], name="notice_user_idx"),
            # The digests' scan: only rows still waiting for their e-mail.
            models.Index(
                fields=["delivery", "user"],
                name="notice_digest_idx",
                condition=Q(emailed_at__isnull=True, delivery__in=["daily", "weekly"]),
            ),
            # The grouping of thread activity: a person's unread notice of a thread.
            models.Index(
                fields=["thread", "user"],
                name="notice_thread_idx",
                condition=Q(kind="thread", read=False),
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"

    @property
    def topic(self):
        return TOPIC_OF_KIND[self.kind]

    @property
    def about_consultation(self):
        return (
            self.consultation
            if self.consultation_id
            else getattr(self.comment, "consultation", None)
        )

    @property
    def shows_comment(self):
        """Whether its comment's text (and author) may be shown with it: of
        someone else's comment, only while it is published; of the person's
        own, also while held or hidden (they may appeal), never once removed."""
        comment = self.comment
        if comment is None:
            return False
        if self.kind in (self.Kind.REPLY, self.Kind.THREAD):
            return comment.status == "published"
        return comment.status in ("published", "held", "hidden")


TOPIC_OF_KIND = {
    Notice.Kind.REPLY: Topic.REPLY,
    Notice.Kind.THREAD: Topic.THREAD,
    Notice.Kind.OPENED: Topic.CONSULTATION,
    Notice.Kind.CLOSING: Topic.CONSULTATION,
    Notice.Kind.CLOSED: Topic.CONSULTATION,
    Notice.Kind.REPORTED: Topic.RESPONSE,
    Notice.Kind.RESPONDED: Topic.RESPONSE,
    Notice.Kind.COMMITMENT: Topic.COMMITMENT,
    Notice.Kind.HELD: Topic.MODERATION,
    Notice.Kind.HIDDEN_BY_FLAGS: Topic.MODERATION,
    Notice.Kind.APPROVED: Topic.MODERATION,
    Notice.Kind.HIDDEN: Topic.MODERATION,
    Notice.Kind.REMOVED: Topic.MODERATION,
    Notice.Kind.RESTORED: Topic.MODERATION,
    Notice.Kind.BLOCKED: Topic.MODERATION,
    Notice.Kind.UNBLOCKED: Topic.MODERATION,
    # About the person's own request: always said on the site and by e-mail.
    Notice.Kind.EXPORT_READY: None,
}


class Follow(models.Model):
    """A person follows a consultation or a thread (exactly one). Posting
    follows for them, once: a row with `active` False is a stop they chose,
    and posting again does not undo it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    consultation = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(default=True)
    created = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(consultation__isnull=True, thread__isnull=False)
                | Q(consultation__isnull=False, thread__isnull=True),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "consultation"],
                condition=Q(consultation__isnull=False),
                name="follow_consultation_once",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=Q(thread__isnull=False),
                name="follow_thread_once",
            ),
        ]
        # The fan-out reads followers by target.
        indexes = [
            models.Index(fields=["thread", "active"], name="follow_thread_idx"),
            models.Index(fields=["consultation", "active"], name="follow_consultation_idx"),
        ]

    def __str__(self):
        target = (
            f"thread {self.thread_id}" if self.thread_id else f"consultation {self.consultation_id}"
        )
        return f"{self.user_id} follows {target}"


class Preference(models.Model):
    """How a person wants to hear about one topic; a missing row means the
    default (PUENTE_NOTIFICATION_DEFAULTS)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    topic = models.CharField(max_length=12, choices=Topic.choices)
    delivery = models.CharField(max_length=6, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="preference_once_per_topic")
        ]

    def __str__(self):
        return f"{self.user_id}: {self.topic} {self.delivery}"


class Announcement(models.Model):
    """That a consultation's followers were told it opened, is about to
    close or closed: once each, however often the scheduler runs."""

    consultation = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Notice.Kind.choices)
    created = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "kind"], name="announcement_once")
        ]

    def __str__(self):
        return f"{self.kind} of {self.consultation_id}"
