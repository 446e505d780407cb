"""Moderation endpoints of the JSON API v1 (contract: DESIGN.md)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from comments import actions as comment_actions
from comments.api import CommentErrorsMixin
from moderation import actions
from moderation.models import FlagReason


class FlagInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FlagReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class CommentFlags(CommentErrorsMixin, APIView):
    @extend_schema(
        request=FlagInput,
        responses={201: inline_serializer("FlagResult", {"reason": serializers.CharField()})},
    )
    def post(self, request, comment_id):
        """Report a comment to the moderators (once per person, not your own)."""
        comment = comment_actions.access_comment(request.user, comment_id)
        data = FlagInput(data=request.data)
        if not data.is_valid():
            return Response({"detail": "invalid", "errors": data.errors}, status=400)
        flag = actions.do_flag(request.user, comment, **data.validated_data)
        return Response({"reason": flag.reason}, status=201)
