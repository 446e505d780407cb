"""The one shape of a comment, for the JSON API and for live events."""

from rest_framework import serializers

from comments.models import Comment, CommentStatus
from comments.text import render_body


class ReactionCountsSerializer(serializers.Serializer):
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    # `pass` is a Python keyword: declared below.


ReactionCountsSerializer._declared_fields["pass"] = serializers.IntegerField()


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "parent",
            "root",
            "depth",
            "question",
            "section",
            "author",
            "body",
            "body_html",
            "created",
            "edited",
            "reactions",
            "status",
        ]

    def get_author(self, comment) -> str | None:
        if comment.status != CommentStatus.PUBLISHED:
            return None
        return str(comment.author.public_name)

    def get_body(self, comment) -> str:
        return comment.body if comment.status == CommentStatus.PUBLISHED else ""

    def get_body_html(self, comment) -> str:
        return str(render_body(self.get_body(comment)))

    def get_reactions(self, comment) -> ReactionCountsSerializer:
        return reaction_counts(comment)


class PostedCommentSerializer(CommentSerializer):
    """A new comment as its author gets it back: with its receipt number."""

    folio = serializers.CharField(
        read_only=True,
        help_text="The comment's receipt number (PUE-<year>-<number>), to cite it "
        "to the municipality.",
    )

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "folio"]


class EditedCommentSerializer(CommentSerializer):
    """An edited comment as its author gets it back: whether the edit went to
    the moderators for review (it stays published meanwhile)."""

    sent_for_review = serializers.BooleanField(
        read_only=True,
        default=False,
        help_text="True when the edit was sent to the moderators for review; the "
        "comment stays published until they decide.",
    )

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "sent_for_review"]


def reaction_counts(comment):
    return {
        "agree": comment.agree_count,
        "disagree": comment.disagree_count,
        "pass": comment.pass_count,
    }


def comment_data(comment):
    return CommentSerializer(comment).data


def comments_data(comments):
    """comment_data of each, with one serializer's fields for all (building
    them is most of the cost of one)."""
    return CommentSerializer(comments, many=True).data
