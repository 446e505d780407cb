from django.urls import path

from moderation import views

urlpatterns = [
    path("avisos/", views.notices, name="moderation-notices"),
]
