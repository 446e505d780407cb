"""The outbox in the admin (Settings → Outgoing e-mail): what is waiting,
sent or failed after every retry (core/mail.py), for operators. Read-only:
mail is written by the site, never by hand. Superusers, and accounts given
the `core.view_outgoingemail` permission, see it."""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.models import OutgoingEmail


class ReadOnly(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action in ("add", "change"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class OutgoingEmailViewSet(ModelViewSet):
    model = OutgoingEmail
    name = "outgoing_email"
    url_prefix = "outgoing-email"
    icon = "mail"
    menu_label = gettext_lazy("Outgoing e-mail")
    add_to_settings_menu = True
    list_display = ["subject", "to", "about", "state", "attempts", "created", "sent_at"]
    list_filter = ["state", "about"]
    search_fields = ["to", "subject"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "to",
        "subject",
        "about",
        "state",
        "attempts",
        "last_error",
        "created",
        "next_attempt",
        "sent_at",
        "body",
    ]
    copy_view_enabled = False
    # No one writes mail by hand (ReadOnly); the form exists for Wagtail only.
    form_fields = ["state"]


register_permission_policy(OutgoingEmail, ReadOnly(OutgoingEmail))


@hooks.register("register_admin_viewset")
def register_outgoing_email():
    return OutgoingEmailViewSet()
