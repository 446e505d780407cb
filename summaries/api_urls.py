from django.urls import path

from summaries import api

urlpatterns = [
    path(
        "consultations/<id:consultation_id>/summary/",
        api.ConsultationSummary.as_view(),
        name="api-consultation-summary",
    ),
    path(
        "consultations/<id:consultation_id>/opinion-groups/",
        api.ConsultationOpinionGroups.as_view(),
        name="api-consultation-opinion-groups",
    ),
]
