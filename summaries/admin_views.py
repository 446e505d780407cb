"""The summaries in the Wagtail admin, for planners and editors: a list of
consultations, each one's summary page (filters, charts with their tables,
named comments linked to their threads, printable) and its CSV and XLSX
files. Thin: parse, call, render."""

from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from comments.models import CommentStatus
from consultations.models import ConsultationPage
from core.admin import RestrictedTo, SectionPage
from core.throttles import limit_exports
from search.backends.base import IndexUnavailable
from summaries import charts, export
from summaries.forms import SummaryFilterForm
from summaries.opinion_views import summary_section
from summaries.rules import can_read_summary
from summaries.summary_cache import cached_summary

# Tables with more rows than this are folded away in a <details> the
# planner opens (the chart above shows their shape).
LONG_TABLE = 15


class SummaryReadersOnly(RestrictedTo):
    """Planners and editors."""

    refusal = gettext_lazy("Planners and editors only")
    refusal_detail = gettext_lazy("Only planners and editors can see this page.")

    def allowed(self, user):
        return can_read_summary(user)


class SummaryPage(SummaryReadersOnly, SectionPage):
    header_icon = "doc-full-inverse"
    section_url_name = "summaries_admin:index"
    section_label = gettext_lazy("Summaries")


class IndexView(SummaryPage):
    template_name = "summaries/admin/index.html"
    page_title = gettext_lazy("Consultation summaries")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        consultations = ConsultationPage.objects.annotate(
            published_comments=Count("comments", filter=Q(comments__status=CommentStatus.PUBLISHED))
        ).order_by("-opens_at", "title")
        context["consultations"] = consultations
        context["now"] = timezone.now()
        return context


def load_summary(request, consultation_id):
    """The consultation, its bound filter form, and the summary (None when
    the filters are invalid)."""
    consultation = get_object_or_404(ConsultationPage, pk=consultation_id)
    form = SummaryFilterForm(request.GET, consultation=consultation)
    summary = cached_summary(form.to_scope(), request=request) if form.is_valid() else None
    return consultation, form, summary


class SummaryView(SummaryPage):
    template_name = "summaries/admin/summary.html"

    def get_page_title(self):
        return _("Summary: %(title)s") % {"title": self.consultation.title}

    def get(self, request, consultation_id):
        self.unavailable = False
        try:
            self.consultation, self.form, self.summary = load_summary(request, consultation_id)
        except IndexUnavailable:
            self.consultation = get_object_or_404(ConsultationPage, pk=consultation_id)
            self.form = SummaryFilterForm(request.GET, consultation=self.consultation)
            self.form.is_valid()
            self.summary, self.unavailable = None, True
        return super().get(request, consultation_id=consultation_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.urlencode()
        context.update(
            consultation=self.consultation,
            form=self.form,
            summary=self.summary,
            unavailable=self.unavailable,
            charts=summary_charts(self.summary) if self.summary else {},
            opinion_groups=summary_section(self.consultation, self.form, self.request)
            if self.summary
            else None,
            query=f"?{query}" if query else "",
            long_table=LONG_TABLE,
        )
        return context


def per_day_description(summary):
    """The per-day chart's text alternative, its numbers in words."""
    p = summary.participation
    total, days = p.comments + p.replies, len(summary.per_day)
    most = max((d.total for d in summary.per_day), default=0)
    counted = ngettext(
        "%(total)s published comment or reply", "%(total)s published comments and replies", total
    ) % {"total": total}
    over = ngettext("over %(days)s day", "over %(days)s days", days) % {"days": days}
    busiest = _("the busiest day had %(most)s.") % {"most": most}
    return f"{counted} {over}; {busiest}"


def summary_charts(summary):
    s = summary.stance
    return {
        "per_day": charts.columns(
            "chart-per-day",
            _("Comments and replies per day"),
            per_day_description(summary),
            [(d.day.strftime("%d/%m"), (d.comments, d.replies)) for d in summary.per_day],
            series=[_("Comments"), _("Replies")],
        ),
        "anchors": charts.horizontal(
            "chart-anchors",
            _("Comments per question and section"),
            "; ".join(f"{a.label}: {a.total}" for a in summary.anchors),
            [(a.label, a.total) for a in summary.anchors],
        ),
        "stance": charts.stacked(
            "chart-stance",
            _("Reactions"),
            _("Agree: %(agree)s; disagree: %(disagree)s; pass: %(passes)s.")
            % {"agree": s.agree, "disagree": s.disagree, "passes": s.passes},
            [(_("Agree"), s.agree), (_("Disagree"), s.disagree), (_("Pass"), s.passes)],
        ),
        "themes": charts.horizontal(
            "chart-themes",
            _("Comments per theme"),
            "; ".join(f"{t.name}: {t.count}" for t in summary.themes),
            [(t.name, t.count) for t in summary.themes],
        ),
        "reasons": charts.horizontal(
            "chart-reasons",
            _("Flags by reason"),
            "; ".join(f"{r.label}: {r.flags}" for r in summary.moderation.by_reason),
            [(str(r.label), r.flags) for r in summary.moderation.by_reason],
        ),
    }


class ExportView(SummaryReadersOnly, View):
    """The summary with the page's filters as a ZIP of CSV files (one per
    table) or an XLSX workbook. The former single-CSV address, export.csv,
    sends to the ZIP with the same filters, so old links still download."""

    formats = {
        "zip": ("application/zip", export.as_zip),
        "xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            export.as_xlsx,
        ),
    }

    @method_decorator(limit_exports)
    def get(self, request, consultation_id, file_format):
        if file_format == "csv":
            query = request.GET.urlencode()
            url = reverse("summaries_admin:export", args=[consultation_id, "zip"])
            return redirect(f"{url}?{query}" if query else url)
        if file_format not in self.formats:
            raise Http404
        try:
            consultation, form, summary = load_summary(request, consultation_id)
        except IndexUnavailable:
            return HttpResponse(
                _("Search is unavailable right now; try again in a minute."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        if summary is None:
            errors = "; ".join(
                f"{form.fields[name].label if name in form.fields else name}: {' '.join(messages)}"
                for name, messages in form.errors.items()
            )
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        content_type, render = self.formats[file_format]
        groups = summary_section(consultation, form, request)
        response = HttpResponse(render(summary, groups), content_type=content_type)
        filename = f"{slugify(consultation.slug or consultation.title)}-summary.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
