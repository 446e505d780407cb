"""The moderators' part of the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from moderation.models import Action

LOG_LABELS = {
    Action.APPROVE: (_("Approve comment"), _("Comment approved")),
    Action.HIDE: (_("Hide comment"), _("Comment hidden")),
    Action.REMOVE: (_("Remove comment"), _("Comment removed")),
    Action.RESTORE: (_("Restore comment"), _("Comment restored")),
    Action.BLOCK: (_("Block user"), _("User blocked")),
    Action.UNBLOCK: (_("Unblock user"), _("User unblocked")),
}


@hooks.register("register_log_actions")
def register_moderation_log_actions(actions):
    for action, (label, message) in LOG_LABELS.items():
        actions.register_action(f"puente.moderation.{action}", label, message)
