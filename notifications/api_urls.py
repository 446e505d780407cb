from django.urls import path

from notifications.api import follow, inbox, preferences

urlpatterns = [
    path("notifications/", inbox.Notifications.as_view(), name="api-notifications"),
    path("notifications/read/", inbox.MarkRead.as_view(), name="api-notifications-read"),
    path("notifications/unread/", inbox.Unread.as_view(), name="api-notifications-unread"),
    path(
        "notifications/preferences/",
        preferences.Preferences.as_view(),
        name="api-notification-preferences",
    ),
    path(
        "consultations/<id:consultation_id>/follow/",
        follow.FollowConsultation.as_view(),
        name="api-follow-consultation",
    ),
    path(
        "comments/<id:comment_id>/follow/", follow.FollowThread.as_view(), name="api-follow-thread"
    ),
]
