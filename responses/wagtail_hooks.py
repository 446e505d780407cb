"""The planners' "Responses" section in the Wagtail admin
(responses/admin_urls.py) and the labels of its entries in a page's
history."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from responses import admin_urls, rules
from responses.actions import LOG_EDIT, LOG_PUBLISH


@hooks.register("register_admin_urls")
def register_response_admin_urls():
    return [path("responses/", include(admin_urls, namespace="responses_admin"))]


@hooks.register("register_log_actions")
def register_response_log_actions(actions):
    actions.register_action(
        LOG_PUBLISH, gettext_lazy("Publish response"), gettext_lazy("Response published")
    )
    actions.register_action(
        LOG_EDIT, gettext_lazy("Edit published response"), gettext_lazy("Published response edited")
    )


class WritersMenuItem(MenuItem):
    def is_shown(self, request):
        return rules.can_write_response(request.user)


@hooks.register("register_admin_menu_item")
def register_responses_menu():
    return WritersMenuItem(
        gettext_lazy("Responses"),
        reverse("responses_admin:index"),
        name="responses",
        icon_name="openquote",
        order=270,
    )
