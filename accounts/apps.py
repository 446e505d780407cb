from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts.roles import ensure_role_groups

        # Permissions exist only after migrate has run, so the role groups are
        # (re)built then; the function is idempotent.
        post_migrate.connect(ensure_role_groups, sender=self)
