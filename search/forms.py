"""The search criteria as people give them (the admin page's form and the
API's query string), turned into a SearchQuery for one person."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comments.models import CommentStatus, parse_folio
from comments.rules import readable_statuses
from consultations.models import ConsultationPage
from core.forms import DayField, IdField
from moderation.models import FlagReason
from search.query import MAX_PER_PAGE, QueryError, SearchQuery, clean, parse_text

MAX_PAGE = 500
STATUS_CHOICES = [
    (status.value, status.label)
    for status in (
        CommentStatus.PUBLISHED,
        CommentStatus.HIDDEN,
        CommentStatus.REMOVED,
        CommentStatus.HELD,
    )
]


class StatusField(forms.TypedMultipleChoiceField):
    """Several statuses, repeated (?status=a&status=b) or comma-separated."""

    def to_python(self, value):
        values = super().to_python(value)
        return [part for item in values for part in item.split(",") if part]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Words"),
        required=False,
        # No max_length: clean_q refuses long text with a message that names
        # the limit on what is searched (after invisible characters go).
        help_text=_(
            'Every word must appear; put "quotes" around an exact phrase. '
            "A folio (PUE-2026-000123) finds its comment."
        ),
    )
    consultation = IdField(label=_("Consultation"), required=False)
    question = IdField(label=_("Question"), required=False)
    section = IdField(label=_("Section"), required=False)
    status = StatusField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    reason = forms.ChoiceField(
        label=_("Flagged as"), required=False, choices=[("", _("Any reason")), *FlagReason.choices]
    )
    tag = forms.CharField(label=_("Theme"), required=False, max_length=100)
    author = IdField(label=_("Author (account number)"), required=False)
    since = DayField(label=_("From (date)"), required=False)
    until = DayField(label=_("Until (date, included)"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    per_page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PER_PAGE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        visible = readable_statuses(user)
        self.fields["status"].choices = [c for c in STATUS_CHOICES if c[0] in visible]

    def offer_consultations(self):
        """A list to choose the consultation from, for the admin page (the API
        takes the number and need not read every consultation's title)."""
        self.fields["consultation"].widget = forms.Select(
            choices=[
                ("", _("Every consultation")),
                *ConsultationPage.objects.order_by("title").values_list("pk", "title"),
            ]
        )
        return self

    def clean_q(self):
        raw = self.cleaned_data["q"]
        try:
            text = parse_text(raw)
        except QueryError as error:
            raise forms.ValidationError(str(error), code="query") from None
        # A folio as typed (any case, spaces around) names one comment.
        self.cleaned_data["folio"] = parse_folio(clean(raw))
        return text

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date comes before the start date."))
        return data

    def to_query(self, per_page=20):
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        zone = timezone.get_current_timezone()
        return SearchQuery(
            visible_statuses=readable_statuses(self.user),
            text=data["q"],
            consultation=data.get("consultation"),
            question=data.get("question"),
            section=data.get("section"),
            statuses=tuple(data.get("status") or ()),
            reason=data.get("reason") or None,
            tag=(data.get("tag") or "").strip() or None,
            author=data.get("author"),
            # Dates are the site's days: from the start of `since` to the end of `until`.
            created_from=datetime.combine(since, time.min, zone) if since else None,
            created_to=datetime.combine(until + timedelta(days=1), time.min, zone)
            if until
            else None,
            page=data.get("page") or 1,
            per_page=data.get("per_page") or per_page,
            folio=data.get("folio"),
        )
