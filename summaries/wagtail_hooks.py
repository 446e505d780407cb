"""The summaries in the Wagtail admin menu, for planners and editors."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from summaries import admin_urls
from summaries.rules import can_read_summary


@hooks.register("register_admin_urls")
def register_summaries_admin_urls():
    return [path("summaries/", include(admin_urls, namespace="summaries_admin"))]


class SummaryReadersMenuItem(MenuItem):
    def is_shown(self, request):
        return can_read_summary(request.user)


@hooks.register("register_admin_menu_item")
def register_summaries_menu():
    return SummaryReadersMenuItem(
        gettext_lazy("Summaries"),
        reverse("summaries_admin:index"),
        name="summaries",
        icon_name="doc-full-inverse",
        order=270,
    )
