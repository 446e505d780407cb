"""Public pages of summaries/: the open-data files (summaries/opendata.py)."""

app_name = "summaries"
urlpatterns = []
