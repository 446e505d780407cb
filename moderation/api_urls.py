from django.urls import path

from moderation import api

urlpatterns = [
    path("comments/<int:comment_id>/flags/", api.CommentFlags.as_view(), name="api-comment-flags"),
]
