"""The comment search's admin pages, mounted at /admin/search/comments/ by
search/wagtail_hooks.py."""

from django.urls import path

from search import admin_views

app_name = "search_admin"
urlpatterns = [
    path("", admin_views.SearchView.as_view(), name="search"),
    path("<id:comment_id>/similar/", admin_views.SimilarView.as_view(), name="similar"),
    path("<id:comment_id>/themes/", admin_views.ThemesView.as_view(), name="themes"),
    path("authors/", admin_views.AuthorNamesView.as_view(), name="authors"),
    path("duplicates/", admin_views.DuplicatesView.as_view(), name="duplicates"),
    path("duplicates/act/", admin_views.CampaignView.as_view(), name="campaign"),
]
