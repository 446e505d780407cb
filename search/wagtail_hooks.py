"""The comment search in the Wagtail admin menu, for moderators and planners."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from comments.rules import readable_statuses
from search import admin_urls


@hooks.register("register_admin_urls")
def register_search_admin_urls():
    return [path("search/comments/", include(admin_urls, namespace="search_admin"))]


class ReadersMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(readable_statuses(request.user))


@hooks.register("register_admin_menu_item")
def register_comment_search_menu():
    return ReadersMenuItem(
        gettext_lazy("Comment search"),
        reverse("search_admin:search"),
        name="comment-search",
        icon_name="search",
        order=260,
    )
