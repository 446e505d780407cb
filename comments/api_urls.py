from django.urls import path

from comments import api

urlpatterns = [
    path(
        "consultations/<id:consultation_id>/comments/",
        api.ConsultationComments.as_view(),
        name="api-consultation-comments",
    ),
    path("comments/<id:comment_id>/", api.CommentDetail.as_view(), name="api-comment"),
    path(
        "comments/<id:comment_id>/reactions/",
        api.CommentReactions.as_view(),
        name="api-comment-reactions",
    ),
]
