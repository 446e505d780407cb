from django.urls import path

from comments import views

app_name = "comments"
urlpatterns = [
    path("consultas/<id:consultation_id>/comentar/", views.post_comment, name="post"),
    path("<id:comment_id>/responder/", views.reply_form, name="reply"),
    path("<id:comment_id>/editar/", views.edit_comment, name="edit"),
    path("<id:comment_id>/borrar/", views.delete_comment, name="delete"),
    path("<id:comment_id>/reaccionar/", views.react, name="react"),
]
