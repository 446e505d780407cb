from django.urls import path

from summaries import api

urlpatterns = [
    path(
        "consultations/<id:consultation_id>/summary/",
        api.ConsultationSummary.as_view(),
        name="api-consultation-summary",
    ),
]
