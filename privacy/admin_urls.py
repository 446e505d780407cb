from django.urls import path

from privacy import admin_views

app_name = "privacy_admin"
urlpatterns = [path("", admin_views.ArcoLogView.as_view(), name="arco_log")]
