from django.urls import path

from privacy import views

urlpatterns = [
    path("mis-datos/", views.my_data, name="privacy-my-data"),
    path("mis-comentarios/", views.my_contributions, name="my-contributions"),
    path("mis-datos/nombre/", views.change_display_name, name="privacy-display-name"),
    path("mis-datos/datos-abiertos/", views.open_data, name="privacy-open-data"),
    path("mis-datos/exportar/", views.request_export, name="privacy-export-request"),
    path("mis-datos/exportar/<str:token>/", views.download_export, name="privacy-export"),
    path("eliminar/", views.delete_account, name="privacy-delete"),
    path("eliminada/", views.account_deleted, name="privacy-deleted"),
    path("terminos/", views.accept_policies, name="privacy-accept"),
]
