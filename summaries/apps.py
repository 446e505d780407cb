from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SummariesConfig(AppConfig):
    """What planners read of a consultation (its summary, in the admin and the
    API) and what anyone may download of it (open data). It reads comments,
    moderation and search, which consultations/ must not depend on."""

    name = "summaries"
    verbose_name = _("Summaries")
