"""The summary endpoint of the JSON API v1 (DESIGN.md: planners'
`GET /api/v1/consultations/<id>/summary/`), filterable as the admin page."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from consultations.models import ConsultationPage
from core.api import ActionErrorsMixin, errors, form_errors
from core.errors import NotAllowed, NotFound
from core.openapi import form_parameters
from search.api import index_unavailable
from search.backends.base import IndexUnavailable
from summaries.forms import SummaryFilterForm
from summaries.rules import can_read_summary
from summaries.summary import summarise


def require_summary_reader(user):
    if not can_read_summary(user):
        raise NotAllowed(_("Only planners and editors can read summaries."))


def access_consultation_to_summarise(user, consultation_id):
    """Any consultation, drafts included, for a summary reader; others are
    refused before learning whether it exists."""
    require_summary_reader(user)
    consultation = ConsultationPage.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound()
    return consultation


class CommentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    excerpt = serializers.CharField()
    author = serializers.CharField(help_text="The author's display name, as the thread shows it.")
    created = serializers.DateTimeField()
    anchor = serializers.CharField(help_text="The question or section it answers.")
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    passes = serializers.IntegerField(help_text="'Pass' reactions.")
    replies = serializers.IntegerField()
    url = serializers.CharField(help_text="The comment in its thread.")


class TermSerializer(serializers.Serializer):
    text = serializers.CharField()
    count = serializers.IntegerField(help_text="Published comments in scope using it.")
    background = serializers.IntegerField(help_text="The same in the background set.")
    score = serializers.FloatField()


class ParticipationSerializer(serializers.Serializer):
    comments = serializers.IntegerField(help_text="Published top-level comments.")
    replies = serializers.IntegerField(help_text="Published replies.")
    commenters = serializers.IntegerField()
    participants = serializers.IntegerField(help_text="People who commented or reacted.")
    reactions = serializers.IntegerField()


class StanceSerializer(serializers.Serializer):
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    passes = serializers.IntegerField()
    broadly_agreed = serializers.IntegerField(
        help_text="Comments with 5 or more votes, 80 % or more of them agreeing."
    )


class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    comments = serializers.IntegerField()
    replies = serializers.IntegerField()


class AnchorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["question", "section"])
    id = serializers.IntegerField()
    label = serializers.CharField()
    comments = serializers.IntegerField()
    replies = serializers.IntegerField()
    commenters = serializers.IntegerField()
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    passes = serializers.IntegerField()
    representative = CommentRefSerializer(many=True)
    terms = TermSerializer(many=True, help_text="Questions only.")


class ThemeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    examples = CommentRefSerializer(many=True)


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    flags = serializers.IntegerField()
    comments = serializers.IntegerField()


class ModerationSerializer(serializers.Serializer):
    flagged = serializers.IntegerField(help_text="Comments flagged at least once.")
    flags = serializers.IntegerField()
    held = serializers.IntegerField()
    hidden = serializers.IntegerField()
    removed = serializers.IntegerField()
    deleted = serializers.IntegerField(help_text="Deleted by their authors.")
    by_reason = ReasonCountSerializer(many=True)


class ScopeSerializer(serializers.Serializer):
    consultation = serializers.IntegerField(source="consultation.pk")
    question = serializers.IntegerField(allow_null=True)
    section = serializers.IntegerField(allow_null=True)
    tag = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True, help_text="Exclusive.")


class SummarySerializer(serializers.Serializer):
    scope = ScopeSerializer()
    generated = serializers.DateTimeField()
    participation = ParticipationSerializer()
    stance = StanceSerializer()
    per_day = DaySerializer(many=True)
    anchors = AnchorSerializer(many=True)
    most_agreed = CommentRefSerializer(many=True)
    most_divisive = CommentRefSerializer(many=True)
    broad_agreement = CommentRefSerializer(many=True)
    themes = ThemeSerializer(many=True)
    terms = TermSerializer(many=True, help_text="Significant terms of the whole scope.")
    moderation = ModerationSerializer()


class ConsultationSummary(ActionErrorsMixin, APIView):
    @extend_schema(
        parameters=form_parameters(SummaryFilterForm, until="Included."),
        responses={200: SummarySerializer, **errors(400, 403, 404, 503)},
    )
    def get(self, request, consultation_id):
        """A consultation's summary for planners and editors: participation,
        stance, themes and terms, representative comments, moderation."""
        consultation = access_consultation_to_summarise(request.user, consultation_id)
        form = SummaryFilterForm(request.query_params, consultation=consultation)
        if not form.is_valid():
            raise form_errors(form)
        try:
            summary = summarise(form.to_scope(), request=request)
        except IndexUnavailable as error:
            return index_unavailable(error)
        return Response(SummarySerializer(summary).data)
