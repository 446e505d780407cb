from django.urls import path
from django.views.generic import RedirectView

from moderation import views

urlpatterns = [
    # The notices moved to the notifications page (notifications/urls.py).
    path(
        "avisos/",
        RedirectView.as_view(pattern_name="notifications", permanent=True, query_string=True),
        name="moderation-notices",
    ),
    path("comentarios/<id:comment_id>/reportar/", views.flag_comment, name="moderation-flag"),
    path("comentarios/<id:comment_id>/apelar/", views.appeal, name="moderation-appeal"),
]
