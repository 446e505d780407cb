"""The summaries' admin pages, mounted at /admin/summaries/ by
summaries/wagtail_hooks.py."""

from django.urls import path

from summaries import admin_views

app_name = "summaries_admin"
urlpatterns = [
    path("", admin_views.IndexView.as_view(), name="index"),
    path("<id:consultation_id>/", admin_views.SummaryView.as_view(), name="summary"),
    path(
        "<id:consultation_id>/export.<str:file_format>",
        admin_views.ExportView.as_view(),
        name="export",
    ),
]
