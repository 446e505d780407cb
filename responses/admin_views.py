"""The planners' "Responses" section of the Wagtail admin, mounted at
/admin/responses/ by responses/wagtail_hooks.py: the consultations and
their responses, one page per response (introduction, items, commitments,
publish), and a form page for an item, a commitment and a dated update.

Thin, as the conventions ask: parse the form, call one action from
responses/actions.py, show its errors on the form or report the
outcome as a Wagtail message and redirect. Only planners and editors
(consultations.rules.can_write_response) get past `WritersOnly`; anyone else
who reaches the admin gets a 403 page; anonymous people and citizens never
get this far (the admin sends them to sign in)."""

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from wagtail.admin import messages

from comments.models import Comment
from consultations.models import ConsultationPage
from core.admin import RestrictedTo, SectionPage
from core.errors import ActionError, Invalid
from responses import actions as responses
from responses import rules
from responses.models import (
    MAX_COMMITMENT_TEXT,
    MAX_COMMITMENT_TITLE,
    MAX_HEADING,
    MAX_INTRODUCTION,
    MAX_ITEM_TEXT,
    MAX_UPDATE_TEXT,
    CommitmentStatus,
    Response,
)

INDEX_PAGE_SIZE = 50


# Forms: they parse; responses/actions.py validates. ---------------------


def textarea(max_length, rows=6):
    return forms.Textarea(attrs={"rows": rows, "maxlength": max_length})


class IntroductionForm(forms.Form):
    introduction = forms.CharField(
        label=gettext_lazy("Introduction"),
        required=False,
        strip=False,
        widget=textarea(MAX_INTRODUCTION),
        help_text=gettext_lazy("Optional. Plain text; leave a blank line between paragraphs."),
    )


class ItemForm(forms.Form):
    subject = forms.ChoiceField(label=gettext_lazy("Answers"), required=False)
    heading = forms.CharField(
        label=gettext_lazy("Heading"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": MAX_HEADING}),
        help_text=gettext_lazy(
            "Required for an item of its own; otherwise the question or theme names it."
        ),
    )
    what_you_said = forms.CharField(
        label=gettext_lazy("What you said"),
        required=False,
        strip=False,
        widget=textarea(MAX_ITEM_TEXT),
    )
    what_we_will_do = forms.CharField(
        label=gettext_lazy("What we will do"),
        required=False,
        strip=False,
        widget=textarea(MAX_ITEM_TEXT),
    )
    comments = forms.CharField(
        label=gettext_lazy("Comments this item answers"),
        required=False,
        help_text=gettext_lazy(
            "Their numbers, separated by commas: 12, 57, 301. Only published comments "
            "of this consultation: find them and their numbers below."
        ),
    )
    themes = forms.MultipleChoiceField(
        label=gettext_lazy("Themes this item answers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, consultation, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [
            ("", _("A subject of its own (give it a heading)")),
            (
                _("Questions"),
                [(f"question-{q.pk}", q.text) for q in consultation.ordered_questions],
            ),
            (_("Themes"), [(f"theme-{t.pk}", t.name) for t in themes]),
        ]
        self.fields["themes"].choices = [(str(t.pk), t.name) for t in themes]
        if not themes:
            self.fields["themes"].help_text = _(
                "No theme yet: moderators and planners give comments themes in the comment search."
            )


class CommitmentForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": MAX_COMMITMENT_TITLE}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        strip=False,
        widget=textarea(MAX_COMMITMENT_TEXT, rows=4),
    )
    items = forms.MultipleChoiceField(
        label=gettext_lazy("Comes from these items of the response"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(str(item.pk), item.title) for item in items]


class UpdateForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    text = forms.CharField(
        label=gettext_lazy("What happened"),
        required=False,
        strip=False,
        widget=textarea(MAX_UPDATE_TEXT, rows=4),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status after this update"), choices=CommitmentStatus.choices
    )
    progress = forms.CharField(
        label=gettext_lazy("Progress after this update (%)"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        help_text=gettext_lazy("A whole number from 0 to 100."),
    )


def add_errors(form, error):
    """An action's Invalid errors on the form's fields (or the form)."""
    for name, messages_ in error.errors.items():
        for message in messages_ if isinstance(messages_, list | tuple) else [messages_]:
            form.add_error(name if name in form.fields else None, message)


# Access -----------------------------------------------------------------------


class WritersOnly(RestrictedTo):
    """Planners and editors (and superusers); a 403 page for anyone else."""

    refusal = gettext_lazy("Planners and editors only")
    refusal_detail = gettext_lazy("Only planners and editors can see this page.")

    def allowed(self, user):
        return rules.can_write_response(user)


class ResponsesPage(WritersOnly, SectionPage):
    header_icon = "openquote"
    section_url_name = "responses_admin:index"
    section_label = gettext_lazy("Responses")


class ConsultationMixin:
    """The consultation named in the URL (404 if there is none)."""

    @cached_property
    def consultation(self):
        try:
            return responses.access_consultation_to_answer(
                self.request.user, self.kwargs["consultation_id"]
            )
        except ConsultationPage.DoesNotExist as error:
            raise Http404 from error

    @cached_property
    def response(self):
        return Response.objects.filter(consultation=self.consultation).first()

    def target(self, access, key):
        """The item, commitment or update the URL names (`access` checks it
        belongs to this consultation), or 404."""
        try:
            return access(self.request.user, self.consultation, self.kwargs[key])
        except ObjectDoesNotExist as error:
            raise Http404 from error

    def overview_url(self, anchor=""):
        url = reverse("responses_admin:response", args=[self.consultation.pk])
        return f"{url}#{anchor}" if anchor else url

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        if self.get_page_title() != self.consultation.title:
            items.insert(-1, {"url": self.overview_url(), "label": self.consultation.title})
        return items


# Pages ------------------------------------------------------------------------


class IndexView(ResponsesPage):
    template_name = "responses/admin/index.html"
    page_title = gettext_lazy("Responses")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        consultations = ConsultationPage.objects.select_related("response").order_by(
            "-closes_at", "pk"
        )
        page = Paginator(consultations, INDEX_PAGE_SIZE).get_page(self.request.GET.get("p"))
        now = timezone.now()
        context.update(
            page=page,
            rows=[(c, c.status_at(now), getattr(c, "response", None)) for c in page],
        )
        return context


class ResponseView(ConsultationMixin, ResponsesPage):
    """The response of one consultation: its introduction (edited here), its
    items and commitments (each edited on its own page) and publishing."""

    template_name = "responses/admin/response.html"

    def get_page_title(self):
        return self.consultation.title

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        response, items, commitments = self.response, [], []
        if response is not None:
            items = list(
                response.items.select_related("question", "theme").prefetch_related(
                    Prefetch("comments", Comment.objects.order_by("pk")), "themes"
                )
            )
            commitments = list(response.commitments.prefetch_related("updates", "items"))
        now = timezone.now()
        try:
            responses.check_publish(self.request.user, self.consultation, response, now)
            publish_refusal = ""
        except ActionError as error:
            publish_refusal = str(error.message)
        context.update(
            consultation=self.consultation,
            response=response,
            items=items,
            commitments=commitments,
            form=form
            or IntroductionForm(
                initial={"introduction": response.introduction if response else ""}
            ),
            publish_refusal=publish_refusal,
            status=self.consultation.status_at(now),
            public_url=self.consultation.get_url(request=self.request)
            if self.consultation.live
            else "",
        )
        return context

    def post(self, request, consultation_id):
        form = IntroductionForm(request.POST)
        form.is_valid()
        try:
            responses.do_save_introduction(
                request.user,
                self.consultation,
                introduction=form.cleaned_data.get("introduction", ""),
            )
        except Invalid as error:
            add_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Introduction saved."))
        return redirect(self.overview_url("introduction"))


class FormPage(ConsultationMixin, ResponsesPage):
    """A page with one form, saved by one action; back to the response."""

    template_name = "responses/admin/form.html"
    submit_label = gettext_lazy("Save")
    anchor = ""

    def make_form(self, data=None):
        raise NotImplementedError

    def save(self, form):
        raise NotImplementedError

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            consultation=self.consultation,
            form=form or self.make_form(),
            submit_label=self.submit_label,
            cancel_url=self.overview_url(self.anchor),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                done = self.save(form)
            except Invalid as error:
                add_errors(form, error)
            else:
                messages.success(request, done)
                return redirect(self.overview_url(self.anchor))
        return self.render_to_response(self.get_context_data(form=form))


class ItemView(FormPage):
    anchor = "items"

    @cached_property
    def item(self):
        if "item_id" not in self.kwargs:
            return None
        return self.target(responses.access_item, "item_id")

    def get_page_title(self):
        return _("Edit an item") if self.item else _("Add an item")

    def make_form(self, data=None):
        initial = {}
        if self.item is not None:
            item = self.item
            subject = ""
            if item.question_id:
                subject = f"question-{item.question_id}"
            elif item.theme_id:
                subject = f"theme-{item.theme_id}"
            initial = {
                "subject": subject,
                "heading": item.heading,
                "what_you_said": item.what_you_said,
                "what_we_will_do": item.what_we_will_do,
                "comments": ", ".join(str(pk) for pk in item.comments.values_list("pk", flat=True)),
                "themes": [str(pk) for pk in item.themes.values_list("pk", flat=True)],
            }
        return ItemForm(
            data,
            initial=initial,
            consultation=self.consultation,
            themes=list(responses.consultation_themes(self.consultation)),
        )

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        form = context["form"]
        numbers = form.data.get("comments") if form.is_bound else form.initial.get("comments")
        words = self.request.POST.get("q", "")
        context["finder"] = {
            "q": words,
            "searched": "find" in self.request.POST,
            "results": responses.find_comments(self.consultation, words),
            "linked": responses.linked_comments(self.consultation, numbers),
        }
        return context

    def post(self, request, *args, **kwargs):
        if "find" in request.POST:
            # Look for comments to link, keeping what was typed (nothing saved).
            return self.render_to_response(self.get_context_data(form=self.make_form(request.POST)))
        return super().post(request, *args, **kwargs)

    def save(self, form):
        data = form.cleaned_data
        responses.do_save_item(
            self.request.user,
            self.consultation,
            self.item,
            subject=data["subject"],
            heading=data["heading"],
            what_you_said=data["what_you_said"],
            what_we_will_do=data["what_we_will_do"],
            comments=data["comments"],
            themes=data["themes"],
        )
        return _("Item saved.")


class CommitmentView(FormPage):
    anchor = "commitments"

    @cached_property
    def commitment(self):
        if "commitment_id" not in self.kwargs:
            return None
        return self.target(responses.access_commitment, "commitment_id")

    def get_page_title(self):
        return _("Edit a commitment") if self.commitment else _("Add a commitment")

    def make_form(self, data=None):
        initial = {}
        if self.commitment is not None:
            initial = {
                "title": self.commitment.title,
                "description": self.commitment.description,
                "items": [str(pk) for pk in self.commitment.items.values_list("pk", flat=True)],
            }
        items = (
            list(self.response.items.select_related("question", "theme")) if self.response else []
        )
        return CommitmentForm(data, initial=initial, items=items)

    def save(self, form):
        data = form.cleaned_data
        responses.do_save_commitment(
            self.request.user,
            self.consultation,
            self.commitment,
            title=data["title"],
            description=data["description"],
            items=data["items"],
        )
        return _("Commitment saved.")


class UpdateView(FormPage):
    anchor = "commitments"
    submit_label = gettext_lazy("Add the update")

    @cached_property
    def commitment(self):
        return self.target(responses.access_commitment, "commitment_id")

    def get_page_title(self):
        return _("Add an update to “%(title)s”") % {"title": self.commitment.title}

    def make_form(self, data=None):
        return UpdateForm(
            data,
            initial={
                "date": timezone.localdate(),
                "status": self.commitment.status,
                "progress": self.commitment.progress,
            },
        )

    def save(self, form):
        data = form.cleaned_data
        responses.do_add_update(
            self.request.user,
            self.commitment,
            date=data["date"],
            text=data["text"],
            status=data["status"],
            progress=data["progress"],
        )
        return _("Update added.")


# Buttons (POST only) ---------------------------------------------------------


class ActionView(ConsultationMixin, WritersOnly, View):
    http_method_names = ["post"]
    anchor = ""

    def post(self, request, *args, **kwargs):
        try:
            message = self.act()
        except ActionError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, message)
        return redirect(self.overview_url(self.anchor))

    def get_breadcrumbs_items(self):  # pragma: no cover - never rendered
        return []


class PublishView(ActionView):
    def act(self):
        _response, notified = responses.do_publish_response(self.request.user, self.consultation)
        return ngettext(
            "Response published; %(count)s person whose comment it links was told.",
            "Response published; %(count)s people whose comments it links were told.",
            notified,
        ) % {"count": notified}


class DeleteItemView(ActionView):
    anchor = "items"

    def act(self):
        item = self.target(responses.access_item, "item_id")
        responses.do_delete_item(self.request.user, item)
        return _("Item deleted.")


class MoveItemView(ActionView):
    anchor = "items"

    def act(self):
        item = self.target(responses.access_item, "item_id")
        responses.do_move_item(self.request.user, item, up=self.request.POST.get("to") == "up")
        return _("Item moved.")


class DeleteCommitmentView(ActionView):
    anchor = "commitments"

    def act(self):
        commitment = self.target(responses.access_commitment, "commitment_id")
        responses.do_delete_commitment(self.request.user, commitment)
        return _("Commitment deleted.")


class DeleteUpdateView(ActionView):
    anchor = "commitments"

    def act(self):
        update = self.target(responses.access_update, "update_id")
        responses.do_delete_update(self.request.user, update)
        return _("Update deleted.")
