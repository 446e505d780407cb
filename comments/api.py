"""JSON API v1 for comments (contract: DESIGN.md). Parse, call one action,
render; the rules live in comments/actions.py."""

from django.db.models import F
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from comments import actions
from comments.models import Comment, Stance
from comments.serializers import (
    CommentSerializer,
    EditedCommentSerializer,
    PostedCommentSerializer,
)
from comments.text import MAX_LENGTH
from comments.threads import VISIBLE, changes_after, current_cursor
from core.api import ActionErrorsMixin, IdInput, IntegerInput, TextInput, errors, validated

PAGE_SIZE = 200


MAX_OFFSET = 10**9
MAX_CURSOR = 2**62


def thread_order(queryset):
    """Threads in the order they started; replies in the order they came."""
    return queryset.order_by(F("root__created").asc(), "root_id", "created", "pk")


def body_input():
    return TextInput(
        trim_whitespace=False,
        allow_blank=True,
        max_length=MAX_LENGTH,
        help_text="Plain text; markup is removed. At least two characters must remain.",
    )


class CommentInput(serializers.Serializer):
    body = body_input()
    question = IdInput(required=False, allow_null=True)
    section = IdInput(required=False, allow_null=True)
    parent = IdInput(required=False, allow_null=True, help_text="The comment this replies to.")


class CommentQuery(serializers.Serializer):
    after = IntegerInput(
        required=False,
        max_value=MAX_CURSOR,
        help_text="A cursor from an earlier response or live event: returns every "
        "comment changed after it (created, edited, deleted, reactions), in change order.",
    )
    offset = IntegerInput(
        required=False,
        default=0,
        max_value=MAX_OFFSET,
        help_text="Without `after`: where the page starts.",
    )


class CommentListResponse(serializers.Serializer):
    results = CommentSerializer(many=True)
    next_cursor = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)


class ConsultationComments(ActionErrorsMixin, APIView):
    # Anyone reads the list; signed-in participants post to it.

    @extend_schema(
        parameters=[CommentQuery],
        responses={200: CommentListResponse, **errors(400, 404)},
    )
    def get(self, request, consultation_id):
        """Published comments in thread order, or the changes after a cursor."""
        consultation = actions.access_public_consultation(consultation_id)
        query = validated(CommentQuery, request.query_params)
        if "after" in query:
            changed, next_cursor = changes_after(consultation, query["after"])
            return Response(
                {
                    "results": CommentSerializer(changed, many=True).data,
                    "next_cursor": next_cursor,
                    "next": None,
                }
            )
        comments = Comment.objects.filter(consultation=consultation).select_related("author")
        offset = query["offset"]
        # Read the cursor first: anything written during the read is newer.
        cursor = current_cursor(consultation)
        visible = comments.filter(status__in=VISIBLE)
        page = list(thread_order(visible)[offset : offset + PAGE_SIZE + 1])
        has_more = len(page) > PAGE_SIZE
        next_url = None
        if has_more:
            next_url = request.build_absolute_uri(f"{request.path}?offset={offset + PAGE_SIZE}")
        return Response(
            {
                "results": CommentSerializer(page[:PAGE_SIZE], many=True).data,
                "next_cursor": cursor,
                "next": next_url,
            }
        )

    @extend_schema(
        request=CommentInput, responses={201: PostedCommentSerializer, **errors(400, 403, 404)}
    )
    def post(self, request, consultation_id):
        """Post a comment (signed-in participants, while the consultation is open)."""
        consultation = actions.access_public_consultation(consultation_id)
        data = validated(CommentInput, request.data)
        comment = actions.do_post_comment(request.user, consultation, **data)
        return Response(PostedCommentSerializer(comment).data, status=201)


class CommentEdit(serializers.Serializer):
    body = body_input()


class CommentDetail(ActionErrorsMixin, APIView):
    @extend_schema(
        request=CommentEdit, responses={200: EditedCommentSerializer, **errors(400, 403, 404)}
    )
    def patch(self, request, comment_id):
        """Edit your own comment; the earlier text is kept for moderators."""
        comment = actions.access_comment(request.user, comment_id)
        body = validated(CommentEdit, request.data)["body"]
        comment = actions.do_edit_comment(request.user, comment, body=body)
        return Response(EditedCommentSerializer(comment).data)

    @extend_schema(responses={204: None, **errors(403, 404)})
    def delete(self, request, comment_id):
        """Delete your own comment: its text goes, replies stay."""
        comment = actions.access_comment(request.user, comment_id)
        actions.do_delete_comment(request.user, comment)
        return Response(status=204)


class ReactionInput(serializers.Serializer):
    stance = serializers.ChoiceField(choices=Stance.choices)


class CommentReactions(ActionErrorsMixin, APIView):
    @extend_schema(
        request=ReactionInput,
        responses={
            200: inline_serializer(
                "ReactionResult",
                {"comment": CommentSerializer(), "mine": serializers.CharField(allow_null=True)},
            ),
            **errors(400, 403, 404),
        },
    )
    def post(self, request, comment_id):
        """Agree, disagree or pass; the same stance again withdraws it."""
        comment = actions.access_comment(request.user, comment_id)
        stance = validated(ReactionInput, request.data)["stance"]
        comment, mine = actions.do_react(request.user, comment, stance)
        return Response({"comment": CommentSerializer(comment).data, "mine": mine})
