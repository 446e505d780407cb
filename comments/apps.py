from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from comments.thread_cache import forget_names

        # A name shown next to kept threads changed: they are rendered again.
        post_save.connect(forget_names, sender=get_user_model(), dispatch_uid="threads-names")
