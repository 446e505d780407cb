from django.urls import path

from moderation import views

urlpatterns = [
    path("avisos/", views.notices, name="moderation-notices"),
    path("comentarios/<id:comment_id>/reportar/", views.flag_comment, name="moderation-flag"),
    path("comentarios/<id:comment_id>/apelar/", views.appeal, name="moderation-appeal"),
]
