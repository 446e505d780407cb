"""Public pages of summaries/: the open-data files (summaries/opendata.py)."""

from django.urls import path

from summaries import views

app_name = "summaries"
urlpatterns = [
    path("<id:consultation_id>/export.csv", views.export_csv, name="export-csv"),
    path("<id:consultation_id>/export.json", views.export_json, name="export-json"),
    path("<id:consultation_id>/datos-abiertos/", views.open_data, name="open-data"),
]
