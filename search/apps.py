from django.apps import AppConfig
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    label = "comment_search"
    verbose_name = _("Search")

    def ready(self):
        from consultations.models import ConsultationPage

        # A deleted consultation takes its comments with it (a cascade no
        # action sees): they must leave the index too.
        pre_delete.connect(
            forget_consultation, sender=ConsultationPage, dispatch_uid="search-forget-consultation"
        )


def forget_consultation(sender, instance, **kwargs):
    from search import indexing

    indexing.schedule_consultation(instance.pk)
