"""Comments on a consultation's questions and sections, their reactions and
edit history. Writes go through comments/actions.py only."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from consultations.models import ConsultationPage, ConsultationQuestion, ConsultationSection


class CommentStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    DELETED = "deleted", _("Deleted by its author")
    HIDDEN = "hidden", _("Hidden by moderation")
    REMOVED = "removed", _("Removed by moderation")
    # Waiting for a moderator before anyone but its author sees it.
    HELD = "held", _("Awaiting review")


class Stance(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    PASS = "pass", _("Pass")


class ConsultationActivity(models.Model):
    """The consultation's change counter. Every comment write takes the next
    value under a row lock, so values commit in order and a client that saw
    value N can ask for everything after N without missing a write."""

    consultation = models.OneToOneField(
        ConsultationPage, on_delete=models.CASCADE, primary_key=True, related_name="activity"
    )
    last_seq = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.consultation_id}: {self.last_seq}"


FOLIO_PREFIX = "PUE"
FOLIO_PATTERN = re.compile(r"\s*PUE-(\d{4})-(\d{6,19})\s*", re.IGNORECASE)


def parse_folio(text):
    """(year, comment id) of a folio as typed (any case, spaces around), or
    None when it is not one. The year must match the comment's too."""
    match = FOLIO_PATTERN.fullmatch(text or "")
    if match is None:
        return None
    number = int(match.group(2))
    if number >= 2**63:
        return None
    return int(match.group(1)), number


class Comment(models.Model):
    consultation = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, related_name="comments"
    )
    # Exactly one anchor; the anchors' keys survive new revisions of the page.
    question = models.ForeignKey(
        ConsultationQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    section = models.ForeignKey(
        ConsultationSection, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Comments are never deleted one by one once others could reply (an
    # author's deletion blanks the text); rows go only with their
    # consultation, or when a held comment nobody else saw is withdrawn.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # The top-level comment of the thread (itself for a top-level comment), so
    # one query loads whole threads.
    root = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(_("comment"))
    status = models.CharField(
        max_length=16, choices=CommentStatus.choices, default=CommentStatus.PUBLISHED
    )
    created = models.DateTimeField(db_index=True)
    edited = models.DateTimeField(null=True, blank=True)
    # The consultation's change counter at this comment's last change.
    seq = models.BigIntegerField()
    reply_count = models.PositiveIntegerField(default=0)
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    pass_count = models.PositiveIntegerField(default=0)
    # Themes moderators and planners give comments; searchable and summed up.
    tags = TaggableManager(through="TaggedComment", blank=True, verbose_name=_("themes"))

    class Meta:
        ordering = ["created", "pk"]
        indexes = [
            models.Index(fields=["consultation", "seq"], name="comment_cursor_idx"),
            models.Index(fields=["root", "created"], name="comment_thread_idx"),
            models.Index(fields=["author", "-created"], name="comment_author_recent_idx"),
            models.Index(
                fields=["consultation", "question", "section", "created"],
                condition=Q(parent__isnull=True),
                name="comment_top_level_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=True) | Q(section__isnull=True),
                name="comment_one_anchor",
            ),
        ]

    def __str__(self):
        return f"{self.pk} by {self.author_id}"

    @property
    def folio(self):
        """The receipt's reference a person can cite to the municipality
        (PUE-2026-000123): the year it was posted and its number, so
        unique within the site and read back by `parse_folio`."""
        return f"{FOLIO_PREFIX}-{self.created.year}-{self.pk:06d}"

    @property
    def is_deleted(self):
        return self.status == CommentStatus.DELETED

    @property
    def is_published(self):
        return self.status == CommentStatus.PUBLISHED

    @property
    def reactions(self):
        return {
            Stance.AGREE: self.agree_count,
            Stance.DISAGREE: self.disagree_count,
            Stance.PASS: self.pass_count,
        }


class Theme(TagBase):
    """A theme comments are tagged with; kept apart from the pages' tags."""

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class TaggedComment(TaggedItemBase):
    tag = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="tagged_comments")
    content_object = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="one_tag_per_comment")
        ]

    def __str__(self):
        return f"{self.content_object_id}: {self.tag_id}"


class CommentRevision(models.Model):
    """A comment's earlier text, kept when its author edits it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created = models.DateTimeField()

    class Meta:
        ordering = ["created"]

    def __str__(self):
        return f"{self.comment_id} @ {self.created:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reaction_set")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stance = models.CharField(max_length=8, choices=Stance.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_reaction_per_person")
        ]

    def __str__(self):
        return f"{self.user_id} {self.stance} {self.comment_id}"
