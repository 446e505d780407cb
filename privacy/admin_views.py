"""The transparency unit's page in the Wagtail admin: every ARCO request,
how many of each right, and how long they took (no personal data: the
records hold none)."""

from statistics import median

from django.db.models import Count
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.admin import RestrictedTo
from privacy.models import ArcoKind, ArcoRequest
from privacy.rules import can_read_arco_log

RECENT = 200


class ArcoLogView(RestrictedTo, WagtailAdminTemplateMixin, TemplateView):
    template_name = "privacy/admin/arco_log.html"
    page_title = gettext_lazy("ARCO requests")
    header_icon = "lock"
    refusal = gettext_lazy("Transparency unit only")
    refusal_detail = gettext_lazy("Only the transparency unit can read the ARCO requests.")

    def allowed(self, user):
        return can_read_arco_log(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(
            ArcoRequest.objects.values("kind").annotate(n=Count("pk")).values_list("kind", "n")
        )
        open_counts = dict(
            ArcoRequest.objects.filter(completed_at__isnull=True)
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
        recent = list(ArcoRequest.objects.all()[:RECENT])
        durations = {}
        for row in recent:
            if row.duration is not None:
                durations.setdefault(row.kind, []).append(row.duration.total_seconds())
        context.update(
            kinds=[
                {
                    "label": label,
                    "count": counts.get(kind, 0),
                    "pending": open_counts.get(kind, 0),
                    "median_seconds": (
                        round(median(durations[kind]), 1) if kind in durations else None
                    ),
                }
                for kind, label in ArcoKind.choices
            ],
            recent=recent,
            recent_limit=RECENT,
        )
        return context
