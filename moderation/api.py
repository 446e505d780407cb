"""Moderation endpoints of the JSON API v1 (contract: DESIGN.md): citizens'
flags, and the moderators' review queue and decisions. Parse, call one
action, render; the rules live in moderation/actions.py."""

from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from comments import actions as comment_actions
from comments.models import Comment
from core.api import ActionErrorsMixin, IdInput, IntegerInput, TextInput, errors, validated
from core.errors import Invalid, NotFound
from core.throttles import ModerationWriteThrottle
from moderation import actions
from moderation.models import FlagReason, HoldReason, ReviewKind
from moderation.queue import (
    DEFAULT_SORT,
    PAGE_SIZE,
    SORTS,
    Filters,
    load_items,
    pending_reviews,
)
from moderation.rules import require_moderator
from moderation.serializers import (
    BulkDecisionInput,
    BulkDecisionResultSerializer,
    DecisionInput,
    DecisionResultSerializer,
    DecisionSerializer,
    ModeratorCommentSerializer,
    QueueItemSerializer,
    QueuePageSerializer,
)

MAX_PAGE = 10**6


def access_comment_for_moderation(user, comment_id):
    """Any comment, whatever its status or consultation, for a moderator;
    others are refused before learning whether it exists."""
    require_moderator(user)
    comment = Comment.objects.select_related("author").filter(pk=comment_id).first()
    if comment is None:
        raise NotFound()
    return comment


class FlagInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = TextInput(required=False, allow_blank=True, default="", max_length=4000)


class QueueQuery(serializers.Serializer):
    """The queue's filters. The admin page ignores values it does not know
    (a stale link still shows the queue); the API refuses them."""

    consultation = IdInput(required=False, help_text="Only this consultation's items.")
    kind = serializers.ChoiceField(choices=ReviewKind.choices, required=False)
    reason = serializers.ChoiceField(
        choices=FlagReason.choices + HoldReason.choices,
        required=False,
        help_text="A flag reason (items with such a flag) or a hold reason.",
    )
    sort = serializers.ChoiceField(
        choices=list(SORTS),
        required=False,
        default=DEFAULT_SORT,
        help_text="Default: most_flagged.",
    )
    page = IntegerInput(
        required=False,
        default=1,
        min_value=1,
        max_value=MAX_PAGE,
        help_text=f"{PAGE_SIZE} items a page.",
    )


class CommentFlags(ActionErrorsMixin, APIView):
    @extend_schema(
        request=FlagInput,
        responses={
            201: inline_serializer("FlagResult", {"reason": serializers.CharField()}),
            **errors(400, 403, 404),
        },
    )
    def post(self, request, comment_id):
        """Report a comment to the moderators (once per person, not your own)."""
        comment = comment_actions.access_comment(request.user, comment_id)
        flag = actions.do_flag(request.user, comment, **validated(FlagInput, request.data))
        return Response({"reason": flag.reason}, status=201)


class ModerationQueue(ActionErrorsMixin, APIView):
    @extend_schema(
        parameters=[QueueQuery],
        responses={200: QueuePageSerializer, **errors(400, 403)},
    )
    def get(self, request):
        """The review queue (moderators only): flagged, held and appealed
        comments waiting for a decision."""
        require_moderator(request.user)
        query = validated(QueueQuery, request.query_params)
        number = query.pop("page")
        reviews = pending_reviews(Filters(**{"kind": "", "reason": "", **query}))
        count = reviews.count()
        last = max(1, -(-count // PAGE_SIZE))
        if number > last:
            message = ngettext(
                "There is no page %(page)s: the queue has %(pages)s page.",
                "There is no page %(page)s: the queue has %(pages)s pages.",
                last,
            ) % {"page": number, "pages": last}
            raise Invalid({"page": [message]})
        start = (number - 1) * PAGE_SIZE
        items = load_items(reviews[start : start + PAGE_SIZE])
        context = {"request": request}
        return Response(
            {
                "count": count,
                "next": self.page_url(request, number + 1) if number < last else None,
                "previous": self.page_url(request, number - 1) if number > 1 else None,
                "results": QueueItemSerializer(items, many=True, context=context).data,
            }
        )

    @staticmethod
    def page_url(request, number):
        params = request.query_params.copy()
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


class CommentDecisions(ActionErrorsMixin, APIView):
    throttle_classes = [ModerationWriteThrottle]

    @extend_schema(
        request=DecisionInput,
        responses={200: DecisionResultSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, comment_id):
        """Approve, hide, remove or restore a comment (moderators only). Hide
        and remove need the reason the author is told; 409 when the comment
        is no longer in a state the decision applies to."""
        comment = access_comment_for_moderation(request.user, comment_id)
        decision = actions.do_decide(
            request.user, comment, **validated(DecisionInput, request.data)
        )
        comment = Comment.objects.select_related("author").get(pk=comment.pk)
        return Response(
            {
                "comment": ModeratorCommentSerializer(comment).data,
                "decision": DecisionSerializer(decision).data,
            }
        )


class BulkDecisions(ActionErrorsMixin, APIView):
    throttle_classes = [ModerationWriteThrottle]

    @extend_schema(
        request=BulkDecisionInput,
        responses={200: BulkDecisionResultSerializer, **errors(400, 403)},
    )
    def post(self, request):
        """The same decision on up to 100 comments (moderators only), each
        taken or refused on its own."""
        require_moderator(request.user)
        fields = dict(validated(BulkDecisionInput, request.data))
        outcome = actions.do_bulk_decide(request.user, fields.pop("comments"), **fields)
        return Response(
            {
                "results": {
                    str(comment_id): "ok" if refusal is None else refusal
                    for comment_id, refusal in outcome.items()
                }
            }
        )
