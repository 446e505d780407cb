"""A summary's filters as people give them (the admin page's form and the
API's query string), turned into a Scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DayField
from summaries.summary import Scope, day_bounds

MAX_THEME_LENGTH = 100


class SummaryFilterForm(forms.Form):
    question = forms.TypedChoiceField(label=_("Question"), required=False, coerce=int)
    section = forms.TypedChoiceField(label=_("Section"), required=False, coerce=int)
    tag = forms.CharField(label=_("Theme"), required=False, max_length=MAX_THEME_LENGTH)
    since = DayField(label=_("From (date)"), required=False)
    until = DayField(label=_("Until (date, included)"), required=False)

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.fields["question"].choices = [
            ("", _("Every question")),
            *((q.pk, q.text) for q in consultation.ordered_questions),
        ]
        self.fields["section"].choices = [
            ("", _("Every section")),
            *((s.pk, s.heading) for s in consultation.ordered_sections),
        ]

    def clean(self):
        data = super().clean()
        if data.get("question") not in (None, "") and data.get("section") not in (None, ""):
            self.add_error("section", _("Choose a question or a section, not both."))
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date comes before the start date."))
        return data

    def to_scope(self):
        data = self.cleaned_data
        since, until = day_bounds(data.get("since"), data.get("until"))
        return Scope(
            self.consultation,
            question=data.get("question") or None,
            section=data.get("section") or None,
            tag=(data.get("tag") or "").strip() or None,
            since=since,
            until=until,
        )
