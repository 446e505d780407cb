from django.urls import path

from moderation import api

urlpatterns = [
    path("comments/<id:comment_id>/flags/", api.CommentFlags.as_view(), name="api-comment-flags"),
    path("moderation/queue/", api.ModerationQueue.as_view(), name="api-moderation-queue"),
    path(
        "moderation/comments/<id:comment_id>/decisions/",
        api.CommentDecisions.as_view(),
        name="api-moderation-decisions",
    ),
    path(
        "moderation/decisions/", api.BulkDecisions.as_view(), name="api-moderation-bulk-decisions"
    ),
]
