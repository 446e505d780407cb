from django.urls import path

from moderation import views

urlpatterns = [
    path("avisos/", views.notices, name="moderation-notices"),
    path("comentarios/<int:comment_id>/reportar/", views.flag_comment, name="moderation-flag"),
    path("comentarios/<int:comment_id>/apelar/", views.appeal, name="moderation-appeal"),
]
