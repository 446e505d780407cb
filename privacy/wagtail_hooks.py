"""The ARCO requests page in the admin (privacy/admin_urls.py), shown in the
menu to the transparency unit only."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from privacy import admin_urls
from privacy.rules import can_read_arco_log


@hooks.register("register_admin_urls")
def register_privacy_admin_urls():
    return [path("arco/", include(admin_urls, namespace="privacy_admin"))]


class TransparencyMenuItem(MenuItem):
    def is_shown(self, request):
        return can_read_arco_log(request.user)


@hooks.register("register_admin_menu_item")
def register_arco_menu():
    return TransparencyMenuItem(
        gettext_lazy("ARCO requests"),
        reverse("privacy_admin:arco_log"),
        name="arco",
        icon_name="lock",
        order=900,
    )
