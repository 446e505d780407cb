from django.urls import path

from notifications.views import follow, inbox, preferences

urlpatterns = [
    path("", inbox.notifications, name="notifications"),
    path("leidos/", inbox.mark_all_read, name="notifications-read-all"),
    path("preferencias/", preferences.preferences, name="notification-preferences"),
    path("baja/<str:token>/", preferences.unsubscribe, name="notification-unsubscribe"),
    path(
        "seguir/consultas/<id:consultation_id>/",
        follow.follow_consultation,
        name="follow-consultation",
    ),
    path("seguir/hilos/<id:comment_id>/", follow.follow_thread, name="follow-thread"),
]
