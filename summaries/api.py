"""The summary endpoint of the JSON API v1 (DESIGN.md: planners'
`GET /api/v1/consultations/<id>/summary/`), filterable as the admin page."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
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
from summaries.opinion_views import PENDING, STATUSES, OpinionGroupsFilter, load
from summaries.rules import can_read_summary
from summaries.summary_cache import cached_summary


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
            summary = cached_summary(form.to_scope(), request=request)
        except IndexUnavailable as error:
            return index_unavailable(error)
        return Response(SummarySerializer(summary).data)


class NamedCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    excerpt = serializers.CharField()
    url = serializers.CharField(help_text="The comment in its thread.")
    anchor = serializers.CharField(help_text="The question or section it answers.")


class RateSerializer(serializers.Serializer):
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    seen = serializers.IntegerField(help_text="People who reacted: agree, disagree or pass.")
    rate = serializers.FloatField(help_text="The share of `seen` who agreed.")


class GroupRateSerializer(RateSerializer):
    number = serializers.IntegerField(help_text="The group.")


class RepresentativeSerializer(serializers.Serializer):
    comment = NamedCommentSerializer(source="ref")
    direction = serializers.ChoiceField(
        choices=["agree", "disagree"], help_text="How the group differs from the others."
    )
    inside = RateSerializer(help_text="The group's reactions.")
    outside = RateSerializer(help_text="The other people placed.")
    score = serializers.FloatField()


class OpinionGroupSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    size = serializers.IntegerField(help_text="People in the group.")
    centre = serializers.ListField(
        child=serializers.FloatField(), help_text="The group's centre in the projection."
    )
    representative = RepresentativeSerializer(many=True)


class AcrossSerializer(serializers.Serializer):
    comment = NamedCommentSerializer(source="ref")
    score = serializers.FloatField()
    groups = serializers.SerializerMethodField()

    @extend_schema_field(GroupRateSerializer(many=True))
    def get_groups(self, entry):
        return [GroupRateSerializer(rate).data for rate in entry.groups if rate is not None]


class MapCellSerializer(serializers.Serializer):
    x = serializers.FloatField(help_text="0 (left) to 1 (right).")
    y = serializers.FloatField(help_text="0 (bottom) to 1 (top).")
    group = serializers.IntegerField()
    count = serializers.IntegerField(help_text="People of that group in that cell.")


class OpinionMapSerializer(serializers.Serializer):
    grid = serializers.IntegerField(help_text="Cells per side.")
    cells = MapCellSerializer(many=True)


class GroupingSettingsSerializer(serializers.Serializer):
    min_votes = serializers.IntegerField()
    min_group = serializers.IntegerField()
    max_groups = serializers.IntegerField()


class OpinionGroupsSerializer(serializers.Serializer):
    consultation = serializers.IntegerField()
    question = serializers.IntegerField(allow_null=True, help_text="Null: the whole consultation.")
    status = serializers.ChoiceField(
        choices=[PENDING, *STATUSES],
        help_text="pending: not computed yet (a refresh was requested); groups; one_group: "
        "everyone placed reacted alike; no_reactions; too_few_people: fewer people with "
        "`min_votes` reactions than groups need.",
    )
    computed_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(
        help_text="No comment or reaction changed since it was computed (else being updated)."
    )
    settings = GroupingSettingsSerializer()
    participants = serializers.IntegerField(help_text="People who reacted.")
    grouped = serializers.IntegerField(help_text="People placed in a group.")
    left_out = serializers.IntegerField(help_text="People with fewer than `min_votes` reactions.")
    comments = serializers.IntegerField()
    reactions = serializers.IntegerField()
    chosen = serializers.IntegerField(allow_null=True, help_text="The number of groups chosen.")
    silhouette = serializers.DictField(
        child=serializers.FloatField(), help_text="Silhouette score per number of groups tried."
    )
    groups = OpinionGroupSerializer(many=True)
    bridging = AcrossSerializer(many=True)
    divisive = AcrossSerializer(many=True)
    map = serializers.SerializerMethodField()

    @extend_schema_field(OpinionMapSerializer)
    def get_map(self, view):
        return {"grid": view.map_grid, "cells": view.map_cells}


class ConsultationOpinionGroups(ActionErrorsMixin, APIView):
    @extend_schema(
        parameters=form_parameters(OpinionGroupsFilter),
        responses={200: OpinionGroupsSerializer, **errors(400, 403, 404)},
    )
    def get(self, request, consultation_id):
        """A consultation's opinion groups (or one question's) for planners and
        editors, as last computed in the background: groups with their sizes
        and representative comments, bridging and divisive comments, the map's
        cells. Never who is in which group."""
        consultation = access_consultation_to_summarise(request.user, consultation_id)
        form = OpinionGroupsFilter(request.query_params, consultation=consultation)
        if not form.is_valid():
            raise form_errors(form)
        view = load(consultation, form.cleaned_data.get("question") or None, request=request)
        return Response(OpinionGroupsSerializer(view).data)
