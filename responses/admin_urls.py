"""The "Responses" admin pages, mounted at /admin/responses/ by
responses/wagtail_hooks.py (behind the admin's own sign-in check)."""

from django.urls import path

from responses import admin_views

app_name = "responses_admin"
urlpatterns = [
    path("", admin_views.IndexView.as_view(), name="index"),
    path("<id:consultation_id>/", admin_views.ResponseView.as_view(), name="response"),
    path("<id:consultation_id>/publish/", admin_views.PublishView.as_view(), name="publish"),
    path("<id:consultation_id>/items/add/", admin_views.ItemView.as_view(), name="add_item"),
    path(
        "<id:consultation_id>/items/<id:item_id>/",
        admin_views.ItemView.as_view(),
        name="edit_item",
    ),
    path(
        "<id:consultation_id>/items/<id:item_id>/delete/",
        admin_views.DeleteItemView.as_view(),
        name="delete_item",
    ),
    path(
        "<id:consultation_id>/items/<id:item_id>/move/",
        admin_views.MoveItemView.as_view(),
        name="move_item",
    ),
    path(
        "<id:consultation_id>/commitments/add/",
        admin_views.CommitmentView.as_view(),
        name="add_commitment",
    ),
    path(
        "<id:consultation_id>/commitments/<id:commitment_id>/",
        admin_views.CommitmentView.as_view(),
        name="edit_commitment",
    ),
    path(
        "<id:consultation_id>/commitments/<id:commitment_id>/delete/",
        admin_views.DeleteCommitmentView.as_view(),
        name="delete_commitment",
    ),
    path(
        "<id:consultation_id>/commitments/<id:commitment_id>/updates/add/",
        admin_views.UpdateView.as_view(),
        name="add_update",
    ),
    path(
        "<id:consultation_id>/updates/<id:update_id>/delete/",
        admin_views.DeleteUpdateView.as_view(),
        name="delete_update",
    ),
]
