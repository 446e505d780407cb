"""The search criteria as people give them (the admin page's form and the
API's query string), turned into a SearchQuery for one person."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from comments.models import CommentStatus, parse_folio
from comments.rules import readable_statuses
from consultations.models import ConsultationPage, ConsultationQuestion, ConsultationSection
from core.forms import FIRST_DAY, LAST_DAY, DayField, IdField
from core.parse import as_id
from moderation.models import FlagReason
from search.query import MAX_PER_PAGE, QueryError, SearchQuery, clean, parse_text

MAX_PAGE = 500
# Accounts sharing a display name offered to choose from.
MAX_NAMESAKES = 20
MAX_NAME_LENGTH = 100
PICKERS_ORDER = [
    "q",
    "consultation",
    "question",
    "section",
    "author_name",
    "author",
    "since",
    "until",
    "status",
    "reason",
    "tag",
]
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


def grouped(model, label, titles):
    """A consultation's questions or sections as <optgroup>s, by title."""
    groups: dict[int, list] = {}
    for pk, page_id, text in model.objects.order_by("page_id", "sort_order", "pk").values_list(
        "pk", "page_id", label
    ):
        groups.setdefault(page_id, []).append((pk, text))
    return sorted(
        ((titles.get(page_id, ""), choices) for page_id, choices in groups.items()),
        key=lambda group: group[0],
    )


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
        self.pickers = False
        visible = readable_statuses(user)
        self.fields["status"].choices = [c for c in STATUS_CHOICES if c[0] in visible]

    def offer_pickers(self):
        """The admin page's widgets: lists to choose the consultation, the
        question and the section from (grouped by consultation), checkboxes
        for the statuses, the author by display name, and date inputs. The
        API takes the numbers and need not read every title. The query
        parameters stay the same, so older links keep working."""
        self.pickers = True
        pages = list(ConsultationPage.objects.order_by("title").values_list("pk", "title"))
        titles = dict(pages)
        self.fields["consultation"].widget = forms.Select(
            choices=[("", _("Every consultation")), *pages]
        )
        self.fields["question"].widget = forms.Select(
            choices=[("", _("Every question")), *grouped(ConsultationQuestion, "text", titles)]
        )
        self.fields["section"].widget = forms.Select(
            choices=[("", _("Every section")), *grouped(ConsultationSection, "heading", titles)]
        )
        self.fields["status"].widget = forms.CheckboxSelectMultiple(
            choices=self.fields["status"].choices
        )
        for name in ("since", "until"):
            self.fields[name].widget = forms.DateInput(
                attrs={"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()},
                format="%Y-%m-%d",
            )
        self.fields["author_name"] = forms.CharField(
            label=_("Author"),
            required=False,
            max_length=MAX_NAME_LENGTH,
            help_text=_("Their display name, as shown next to their comments."),
            # Names are suggested as one types (static/js/comment_search.js).
            widget=forms.TextInput(attrs={"list": "author-names", "autocomplete": "off"}),
        )
        # The account number rides along hidden: it tells apart accounts
        # sharing a name, and links from before the name field keep working.
        self.fields["author"].widget = forms.HiddenInput()
        self.order_fields(PICKERS_ORDER)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-help"
        self._tick_older_statuses()
        self._name_the_author()
        return self

    def _tick_older_statuses(self):
        """An older link's comma-separated statuses, as the boxes send them."""
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return
        statuses = self.data.getlist("status")
        if any("," in value for value in statuses):
            self.data = self.data.copy()
            self.data.setlist(
                "status", [part for value in statuses for part in value.split(",") if part]
            )

    def _name_the_author(self):
        """An older link names the author by account number only: fill in
        their name, so the page shows whom it searches."""
        data = self.data
        if not self.is_bound or "author_name" in data or not data.get("author"):
            return
        author_id = as_id(data.get("author"))
        name = (
            get_user_model()
            .objects.filter(pk=author_id)
            .values_list("display_name", flat=True)
            .first()
            if author_id
            else None
        )
        if name:
            self.data = data.copy()
            self.data["author_name"] = name

    def _clean_author_name(self, data):
        """The author the name designates: the one account with that name
        (case ignored), or the account number given when several share it;
        otherwise a form error, and a list of the accounts to choose from."""
        if "author_name" not in self.data:
            return  # an older link: the account number as given
        name = " ".join((data.get("author_name") or "").split())
        if not name:
            data["author"] = None
            return
        matches = list(
            get_user_model()
            .objects.filter(display_name__iexact=name, erased_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "date_joined")[: MAX_NAMESAKES + 1]
        )
        ids = [pk for pk, _joined in matches]
        if data.get("author") in ids:
            return
        if len(ids) == 1:
            data["author"] = ids[0]
            return
        data["author"] = None
        if not ids:
            self.add_error("author_name", _("No account is called “%(name)s”.") % {"name": name})
            return
        self.add_error(
            "author_name",
            _("Several accounts are called “%(name)s”: choose one in the list below.")
            % {"name": name},
        )
        self.fields["author"].label = _("Which “%(name)s”?") % {"name": name}
        self.fields["author"].widget = forms.Select(
            choices=[
                (
                    pk,
                    _("Account %(id)s, joined %(day)s")
                    % {"id": pk, "day": date_format(localtime(joined), "DATE_FORMAT")},
                )
                for pk, joined in matches[:MAX_NAMESAKES]
            ]
        )

    def _check_picked(self, data, name, model):
        """A question or section from the list: one that exists."""
        value = data.get(name)
        if value is not None and not model.objects.filter(pk=value).exists():
            self.add_error(name, _("Choose one from the list."))

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
        if self.pickers:
            self._clean_author_name(data)
            self._check_picked(data, "question", ConsultationQuestion)
            self._check_picked(data, "section", ConsultationSection)
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
