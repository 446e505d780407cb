"""The moderators' part of the Wagtail admin: the queue, the log and the
person pages (moderation/admin_urls.py), the filtered words (a ModelViewSet),
one "Moderation" submenu for them, and the labels of the decisions Wagtail's
history shows."""

from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent
from wagtail.admin.ui.sidebar import SubMenuItem as SubMenuItemComponent

from accounts.rules import is_moderator
from moderation import admin_urls
from moderation.admin_views import FilteredWordViewSet, QueuePanel
from moderation.models import Action, Review

LOG_LABELS = {
    Action.APPROVE: (gettext_lazy("Approve comment"), gettext_lazy("Comment approved")),
    Action.HIDE: (gettext_lazy("Hide comment"), gettext_lazy("Comment hidden")),
    Action.REMOVE: (gettext_lazy("Remove comment"), gettext_lazy("Comment removed")),
    Action.RESTORE: (gettext_lazy("Restore comment"), gettext_lazy("Comment restored")),
    Action.BLOCK: (gettext_lazy("Block user"), gettext_lazy("User blocked")),
    Action.UNBLOCK: (gettext_lazy("Unblock user"), gettext_lazy("User unblocked")),
}


@hooks.register("register_log_actions")
def register_moderation_log_actions(actions):
    for action, (label, message) in LOG_LABELS.items():
        actions.register_action(f"puente.moderation.{action}", label, message)


@hooks.register("register_admin_urls")
def register_moderation_admin_urls():
    return [path("moderation/", include(admin_urls, namespace="moderation_admin"))]


filtered_words = FilteredWordViewSet()


@hooks.register("register_admin_viewset")
def register_filtered_words():
    return filtered_words


def pending_count(request):
    """Items waiting for review, counted once per request (the sidebar shows
    it twice)."""
    if not hasattr(request, "_moderation_pending"):
        request._moderation_pending = Review.objects.filter(pending=True).count()
    return request._moderation_pending


def with_count(label, request):
    return _("%(label)s (%(count)s)") % {"label": label, "count": pending_count(request)}


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_moderator(request.user)


class QueueMenuItem(ModeratorMenuItem):
    """ "Moderation queue (N)": the number of items waiting, at each page load."""

    def render_component(self, request):
        return LinkMenuItemComponent(
            self.name,
            with_count(self.label, request),
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


class ModerationSubmenu(SubmenuMenuItem):
    def render_component(self, request):
        label = with_count(self.label, request) if is_moderator(request.user) else self.label
        return SubMenuItemComponent(
            self.name,
            label,
            self.menu.render_component(request),
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


@hooks.register("register_admin_menu_item")
def register_moderation_menu():
    # Shown when one of its items is: the queue and the log to moderators, the
    # filtered words to whoever holds the FilteredWord permissions.
    items = [
        QueueMenuItem(
            gettext_lazy("Moderation queue"),
            reverse("moderation_admin:queue"),
            name="moderation-queue",
            icon_name="warning",
            order=1,
        ),
        ModeratorMenuItem(
            gettext_lazy("Moderation log"),
            reverse("moderation_admin:log"),
            name="moderation-log",
            icon_name="history",
            order=2,
        ),
        filtered_words.get_menu_item(order=3),
    ]
    return ModerationSubmenu(
        gettext_lazy("Moderation"),
        Menu(items=items),
        name="moderation",
        icon_name="warning",
        order=250,
    )


@hooks.register("construct_homepage_panels")
def add_queue_panel(request, panels):
    """The review queue at a glance on the admin's dashboard, for moderators."""
    if is_moderator(request.user):
        panels.append(QueuePanel())
