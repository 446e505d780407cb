"""Public JSON API v1 for consultations (contract: DESIGN.md)."""

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from consultations.models import ConsultationPage, ConsultationQuestion, ConsultationSection
from consultations.status import Status
from core.api import CheckedQuery


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsultationQuestion
        fields = ["id", "text"]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsultationSection
        fields = ["id", "heading"]


class ConsultationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    questions = QuestionSerializer(many=True, read_only=True)
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = ConsultationPage
        fields = [
            "id",
            "title",
            "url",
            "status",
            "opens_at",
            "closes_at",
            "tags",
            "questions",
            "sections",
        ]

    def get_url(self, page) -> str:
        # Absolute on the host the client used, whatever the Site record says.
        request = self.context["request"]
        return request.build_absolute_uri(page.get_url(request))

    @extend_schema_field(serializers.ChoiceField(choices=Status.choices))
    def get_status(self, page) -> str:
        # One clock for the whole response, so a list is consistent.
        now = self.context.setdefault("now", timezone.now())
        return page.status_at(now).value

    def get_tags(self, page) -> list[str]:
        return sorted(tag.name for tag in page.tags.all())


def api_consultations():
    return (
        ConsultationPage.objects.live()
        .public()
        .prefetch_related(
            "tags",
            Prefetch("questions", ConsultationQuestion.objects.order_by("sort_order")),
            Prefetch("sections", ConsultationSection.objects.order_by("sort_order")),
        )
        .order_by("-opens_at", "pk")
    )


class ConsultationList(CheckedQuery, generics.ListAPIView):
    """Published consultations, newest opening first."""

    serializer_class = ConsultationSerializer

    def get_queryset(self):
        return api_consultations()


class ConsultationDetail(CheckedQuery, generics.RetrieveAPIView):
    """One published consultation; 404 if it is unpublished or private."""

    serializer_class = ConsultationSerializer

    def get_queryset(self):
        return api_consultations()
