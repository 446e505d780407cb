from django.urls import path

from consultations import api

urlpatterns = [
    path("consultations/", api.ConsultationList.as_view(), name="api-consultation-list"),
    path(
        "consultations/<id:pk>/",
        api.ConsultationDetail.as_view(),
        name="api-consultation-detail",
    ),
]
