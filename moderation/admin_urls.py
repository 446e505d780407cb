"""The moderators' admin pages, mounted at /admin/moderation/ by
moderation/wagtail_hooks.py (behind the admin's own sign-in check)."""

from django.urls import path

from moderation import admin_views

app_name = "moderation_admin"
urlpatterns = [
    path("queue/", admin_views.QueueView.as_view(), name="queue"),
    path("queue/item/<id:comment_id>/", admin_views.QueueItemView.as_view(), name="queue_item"),
    path("queue/changes/", admin_views.QueueChangesView.as_view(), name="queue_changes"),
    path("queue/<id:comment_id>/decide/", admin_views.DecideView.as_view(), name="decide"),
    path("queue/bulk/", admin_views.BulkDecideView.as_view(), name="bulk"),
    path("users/<id:user_id>/", admin_views.PersonView.as_view(), name="user"),
    path("users/<id:user_id>/block/", admin_views.BlockView.as_view(), name="block"),
    path("users/<id:user_id>/unblock/", admin_views.UnblockView.as_view(), name="unblock"),
    path("log/", admin_views.LogView.as_view(), name="log"),
]
