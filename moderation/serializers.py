"""Shapes of the moderators' JSON API: the moderator's view of a comment (its
text whatever its status), queue items and decisions. Never used for the
public API or live events (comments/serializers.py is that shape)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comments.models import Comment
from comments.serializers import ReactionCountsSerializer, reaction_counts
from comments.text import render_body
from core.api import IdInput, TextInput
from moderation.actions import MAX_BULK, MAX_NOTE_LENGTH
from moderation.models import COMMENT_ACTIONS, Decision, FlagReason, HoldReason, ReviewKind
from moderation.queue import appeal_of

PARENT_EXCERPT_LENGTH = 200


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class AuthorSerializer(PersonSerializer):
    blocked = serializers.BooleanField()


class ModeratorCommentSerializer(serializers.ModelSerializer):
    """A comment as moderators see it: the text and author of held, hidden
    and removed comments included."""

    author = AuthorSerializer()
    body_html = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "consultation",
            "question",
            "section",
            "parent",
            "root",
            "depth",
            "status",
            "body",
            "body_html",
            "created",
            "edited",
            "reactions",
            "author",
        ]
        read_only_fields = fields

    def get_body_html(self, comment) -> str:
        return str(render_body(comment.body))

    def get_reactions(self, comment) -> ReactionCountsSerializer:
        return reaction_counts(comment)


class ConsultationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.URLField(allow_null=True)


class FlagNoteSerializer(serializers.Serializer):
    """A note a reporter wrote with their flag (the reporter is not named)."""

    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField()
    created = serializers.DateTimeField()


COMMENT_ACTION_CHOICES = [(action.value, action.label) for action in COMMENT_ACTIONS]


class DecisionSerializer(serializers.ModelSerializer):
    # Decisions on comments only (blocks are decisions on people).
    action = serializers.ChoiceField(choices=COMMENT_ACTION_CHOICES)
    reason = serializers.ChoiceField(
        choices=FlagReason.choices, allow_blank=True, help_text="Empty for approve and restore."
    )
    moderator = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "action", "reason", "note", "created", "moderator"]
        read_only_fields = fields

    def get_moderator(self, decision) -> PersonSerializer(allow_null=True):
        """Null for the site's own decisions (a hide after enough flags)."""
        if decision.moderator is None:
            return None
        return {"id": decision.moderator.pk, "display_name": decision.moderator.display_name}


class AppealSerializer(serializers.Serializer):
    note = serializers.CharField()
    created = serializers.DateTimeField()
    decision = DecisionSerializer(
        allow_null=True,
        help_text="The decision under appeal: the latest one taken before the appeal.",
    )


class AuthorRecordSerializer(serializers.Serializer):
    """The author's history: comments written, and earlier decisions on them."""

    comments = serializers.IntegerField()


for _action in COMMENT_ACTIONS:
    AuthorRecordSerializer._declared_fields[_action.value] = serializers.IntegerField(
        help_text=f"Decisions `{_action.value}` on the author's comments."
    )


class QueueItemSerializer(serializers.Serializer):
    """One pending item of the review queue (a moderation.queue.Item)."""

    comment = ModeratorCommentSerializer()
    consultation = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=ReviewKind.choices, source="review.kind")
    hold_reason = serializers.ChoiceField(
        choices=[("", ""), *HoldReason.choices], source="review.hold_reason"
    )
    hold_detail = serializers.CharField(source="review.hold_detail")
    flag_count = serializers.IntegerField(source="review.flag_count")
    flags = serializers.SerializerMethodField()
    flag_notes = FlagNoteSerializer(
        many=True,
        source="notes",
        help_text="The notes reporters wrote with the flags counted in `flags`, oldest first "
        "(flags without a note left out).",
    )
    parent_excerpt = serializers.SerializerMethodField()
    thread_url = serializers.SerializerMethodField()
    author_record = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()
    opened = serializers.DateTimeField(source="review.opened")

    def _consultation_url(self, page):
        # Computed once per consultation per response.
        urls = self.context.setdefault("consultation_urls", {})
        if page.pk not in urls:
            request = self.context["request"]
            url = page.get_url(request)
            urls[page.pk] = request.build_absolute_uri(url) if url else None
        return urls[page.pk]

    def get_consultation(self, item) -> ConsultationRefSerializer:
        page = item.review.consultation
        return {"id": page.pk, "title": page.title, "url": self._consultation_url(page)}

    @extend_schema_field(
        serializers.DictField(
            child=serializers.IntegerField(),
            help_text="Flags not cleared by an approval, by reason: "
            + ", ".join(FlagReason.values),
        )
    )
    def get_flags(self, item):
        return dict(item.flags)

    def get_parent_excerpt(self, item) -> str | None:
        parent = item.comment.parent
        if parent is None:
            return None
        return parent.body[:PARENT_EXCERPT_LENGTH]

    def get_thread_url(self, item) -> str | None:
        url = self._consultation_url(item.review.consultation)
        return f"{url}#comment-{item.comment.pk}" if url else None

    def get_author_record(self, item) -> AuthorRecordSerializer:
        record = {"comments": item.author_record.get("comments", 0)}
        for action in COMMENT_ACTIONS:
            record[action.value] = item.author_record.get(action.value, 0)
        return record

    def get_appeal(self, item) -> AppealSerializer(allow_null=True):
        appeal = appeal_of(item.comment)
        if appeal is None:
            return None
        return AppealSerializer({**vars(appeal), "decision": item.appealed_decision}).data


class QueuePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = QueueItemSerializer(many=True)


class DecisionResultSerializer(serializers.Serializer):
    comment = ModeratorCommentSerializer()
    decision = DecisionSerializer()


class DecisionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=COMMENT_ACTION_CHOICES)
    reason = serializers.ChoiceField(
        choices=FlagReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to hide or remove: the reason the author is told.",
    )
    note = TextInput(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_NOTE_LENGTH,
        trim_whitespace=False,
        help_text=f"Told to the author with the reason (plain text, at most {MAX_NOTE_LENGTH} "
        "characters).",
    )


class BulkDecisionInput(DecisionInput):
    comments = serializers.ListField(
        child=IdInput(),
        min_length=1,
        max_length=MAX_BULK,
    )


class BulkDecisionResultSerializer(serializers.Serializer):
    results = serializers.DictField(
        child=serializers.CharField(),
        help_text='Comment id -> "ok" when the decision was taken, else why not.',
    )
