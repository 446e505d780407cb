from django.urls import path

from search import api

urlpatterns = [
    path("moderation/search/", api.CommentSearch.as_view(), name="api-moderation-search"),
    path(
        "moderation/comments/<id:comment_id>/similar/",
        api.SimilarComments.as_view(),
        name="api-moderation-similar",
    ),
    path(
        "moderation/duplicates/", api.DuplicateClusters.as_view(), name="api-moderation-duplicates"
    ),
    path(
        "moderation/comments/<id:comment_id>/tags/",
        api.CommentThemes.as_view(),
        name="api-moderation-tags",
    ),
]
