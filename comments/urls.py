from django.urls import path

from comments import views

app_name = "comments"
urlpatterns = [
    path("consultas/<int:consultation_id>/comentar/", views.post_comment, name="post"),
    path("<int:comment_id>/editar/", views.edit_comment, name="edit"),
    path("<int:comment_id>/borrar/", views.delete_comment, name="delete"),
    path("<int:comment_id>/reaccionar/", views.react, name="react"),
]
