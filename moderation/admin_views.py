"""The moderators' pages in the Wagtail admin: the review queue (with one
decision form per item and a bulk form), a person's moderation page (block,
unblock), the decision log and the queue item fragment the live page fetches.

Thin, as the conventions ask: parse the form, call one action from
moderation/actions.py, report the outcome as a Wagtail message, redirect.
Only moderators (accounts.rules.is_moderator) get past `ModeratorsOnly`;
everyone else who reaches the admin gets a 403 page, never data."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.rules import is_moderator
from comments.links import anchor_label, thread_url
from comments.models import Comment, CommentStatus
from consultations.models import ConsultationPage
from core.admin import RestrictedTo, SectionPage, admin_page_named, comment_refusal, error_text
from core.errors import ActionError, Invalid
from core.parse import MAX_ID, as_int
from core.text import fold
from moderation import actions, changes
from moderation.models import (
    Action,
    Decision,
    FilteredWord,
    FlagReason,
    HoldReason,
    ReviewKind,
)
from moderation.queue import (
    PAGE_SIZE,
    SORTS,
    Filters,
    appeal_of,
    load_items,
    pending_reviews,
    summary,
)

# Labels of the queue's sort options (moderation.queue.SORTS).
SORT_LABELS = {
    "most_flagged": gettext_lazy("Most flagged"),
    "oldest": gettext_lazy("Oldest first"),
    "newest": gettext_lazy("Newest first"),
}
PERSON_COMMENTS = 20
PERSON_DECISIONS = 50
LOG_PAGE_SIZE = 50

# How a person's earlier decisions are counted ("hidden: 2").
RECORD_LABELS = {
    Action.APPROVE: pgettext_lazy("decisions on a person's comments", "approved"),
    Action.HIDE: pgettext_lazy("decisions on a person's comments", "hidden"),
    Action.REMOVE: pgettext_lazy("decisions on a person's comments", "removed"),
    Action.RESTORE: pgettext_lazy("decisions on a person's comments", "restored"),
    Action.BLOCK: pgettext_lazy("decisions on a person", "blocks"),
    Action.UNBLOCK: pgettext_lazy("decisions on a person", "unblocks"),
}
DONE_MESSAGES = {
    Action.APPROVE: gettext_lazy("Comment %(id)s approved."),
    Action.HIDE: gettext_lazy("Comment %(id)s hidden."),
    Action.REMOVE: gettext_lazy("Comment %(id)s removed."),
    Action.RESTORE: gettext_lazy("Comment %(id)s restored."),
}


def action_help(action, comment):
    """What a decision does to `comment` as it is now, for the help text
    next to its button (moderation.actions.do_decide's semantics)."""
    status = comment.status
    if action == Action.APPROVE:
        if status == CommentStatus.HELD:
            return _("Publish the held comment; its author is told.")
        if status == CommentStatus.PUBLISHED:
            return _("Keep the comment published and dismiss its flags.")
        return _(
            "Close the review and show the comment again, dismissing its flags; its author is told."
        )
    if action == Action.RESTORE:
        return _(
            "Undo the earlier decision and show the comment again, dismissing its flags; "
            "its author is told."
        )
    if action == Action.HIDE:
        if status == CommentStatus.HIDDEN:
            return _("Keep the comment hidden: confirm the earlier decision; its author is told.")
        return _(
            "Take the comment off the public page; its author can still read it, is told the "
            "reason and may appeal."
        )
    if status == CommentStatus.REMOVED:
        return _("Keep the comment removed: confirm the earlier decision; its author is told.")
    return _(
        "Take the comment off the public page and out of its author's view; the author is "
        "told the reason and may appeal."
    )


def action_buttons(moderator, comment, review):
    """The decisions that apply to the comment now: (value, label, help)."""
    return [
        (action.value, action.label, action_help(action, comment))
        for action in actions.allowed_actions(moderator, comment, review)
    ]


def queue_url(filters=None, page=None):
    """The queue page with the given filters (defaults left out) and page."""
    params = {}
    if filters is not None:
        if filters.consultation:
            params["consultation"] = filters.consultation
        if filters.kind:
            params["kind"] = filters.kind
        if filters.reason:
            params["reason"] = filters.reason
        if filters.sort != Filters().sort:
            params["sort"] = filters.sort
    if (number := as_int(str(page or ""))) and number > 1:
        params["p"] = number
    url = reverse("moderation_admin:queue")
    return f"{url}?{urlencode(params)}" if params else url


# The queue's filters ride along with each decision form to come back to the
# same view, under their own names: the decision has a "reason" of its own.
BACK = "back_"


def filter_params(filters):
    """The filters as (name, value) pairs for hidden inputs (defaults left out)."""
    pairs = [
        ("consultation", filters.consultation or ""),
        ("kind", filters.kind),
        ("reason", filters.reason),
        ("sort", filters.sort if filters.sort != Filters().sort else ""),
    ]
    return [(BACK + name, value) for name, value in pairs if value]


def back_to_queue(data):
    """The queue page a decision form came from (its filters and page), or
    the admin page named by `next` (the comment search sends its own URL)."""
    if target := admin_page_named(data):
        return redirect(target)
    params = {k[len(BACK) :]: v for k, v in data.items() if k.startswith(BACK)}
    return redirect(queue_url(Filters.from_params(params), params.get("p")))


def record_rows(record):
    """An author's record ({action or "comments": count}) as labelled rows."""
    rows = []
    if "comments" in record:
        rows.append(
            ngettext("%(count)s comment", "%(count)s comments", record["comments"])
            % {"count": record["comments"]}
        )
    for action in Action:
        if record.get(action.value):
            rows.append(f"{RECORD_LABELS[action]}: {record[action.value]}")
    return rows


@dataclass
class Row:
    """One queue item as the template shows it."""

    item: object
    consultation: object
    thread_url: str
    anchor: str
    flags: list = field(default_factory=list)
    # (reason label, note, when) for each flag that came with a note.
    notes: list = field(default_factory=list)
    record: list = field(default_factory=list)
    appeal: object = None
    # The decision under appeal (when appealed), a moderation.models.Decision.
    appealed_decision: object = None
    actions: list = field(default_factory=list)

    @property
    def review(self):
        return self.item.review

    @property
    def comment(self):
        return self.item.comment


def rows_for(request, reviews):
    """Rows for a page of reviews: load_items' five queries, with the anchors
    joined in, whatever the page's size."""
    items = load_items(reviews.select_related("comment__question", "comment__section"))
    return [
        Row(
            item=item,
            consultation=item.review.consultation,
            thread_url=thread_url(request, item.comment, item.review.consultation),
            anchor=anchor_label(item.comment),
            flags=[(FlagReason(reason).label, n) for reason, n in item.flags.items()],
            notes=[(FlagReason(n.reason).label, n.note, n.created) for n in item.notes],
            record=record_rows(item.author_record),
            appeal=appeal_of(item.comment),
            appealed_decision=item.appealed_decision,
            actions=action_buttons(request.user, item.comment, item.review),
        )
        for item in items
    ]


def access_comment(comment_id):
    """Any comment, whatever its status (moderators see them all), or 404."""
    return get_object_or_404(Comment, pk=comment_id)


class ModeratorsOnly(RestrictedTo):
    """Moderators (and superusers) only."""

    refusal = gettext_lazy("Moderators only")
    refusal_detail = gettext_lazy("Only moderators can see this page.")

    def allowed(self, user):
        return is_moderator(user)


class ModerationPage(ModeratorsOnly, SectionPage):
    header_icon = "warning"
    section_url_name = "moderation_admin:queue"
    section_label = gettext_lazy("Moderation")


class QueuePanel(Component):
    """The dashboard's panel for moderators: how many items wait, of which
    kind, and for how long the oldest has (one query), linking to the queue."""

    name = "moderation_queue"
    template_name = "moderation/admin/dashboard_panel.html"
    order = 50

    class Media:
        css = {"all": ["css/queue.css"]}

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        figures = summary()
        queue = reverse("moderation_admin:queue")
        context.update(
            figures=figures,
            kinds=[
                (label, count, f"{queue}?{urlencode({'kind': kind, 'sort': 'oldest'})}")
                for kind, label, count in (
                    (ReviewKind.FLAGGED, ReviewKind.FLAGGED.label, figures.flagged),
                    (ReviewKind.HELD, ReviewKind.HELD.label, figures.held),
                    (ReviewKind.APPEALED, ReviewKind.APPEALED.label, figures.appealed),
                )
            ],
            queue_url=queue,
            oldest_url=f"{queue}?sort=oldest",
        )
        return context


class QueueView(ModerationPage):
    template_name = "moderation/admin/queue.html"
    page_title = gettext_lazy("Moderation queue")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Read before the rows: a change made while they are read is after
        # it, and the live page (queue.js) catches up on it.
        cursor = changes.current_cursor()
        filters = Filters.from_params(self.request.GET)
        paginator = WagtailPaginator(pending_reviews(filters), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("p"))
        context.update(
            elided_page_range=paginator.get_elided_page_range(page.number),
            filters=filters,
            filter_params=filter_params(filters),
            paginator=paginator,
            page=page,
            rows=rows_for(self.request, page.object_list),
            consultations=ConsultationPage.objects.order_by("title").only("pk", "title"),
            kinds=ReviewKind.choices,
            flag_reasons=FlagReason.choices,
            hold_reasons=HoldReason.choices,
            sorts=[(key, SORT_LABELS[key]) for key in SORTS],
            bulk_actions=[(a.value, a.label) for a in actions.COMMENT_ACTIONS],
            item_url=reverse("moderation_admin:queue_item", args=[0]),
            changes_url=reverse("moderation_admin:queue_changes"),
            cursor=cursor,
            max_note=actions.MAX_NOTE_LENGTH,
        )
        return context


def parse_cursor(value):
    """The `after` a page sent: a whole number from 0 to 2**63 - 1 in ASCII
    digits (core.parse's rule), else Invalid naming the field."""
    if value is None or value == "":
        raise Invalid({"after": [_("Give the cursor to read the changes after.")]})
    cursor = as_int(value, minimum=0, maximum=MAX_ID)
    if cursor is None:
        raise Invalid(
            {"after": [_("The cursor must be a whole number from 0 to %(max)s.") % {"max": MAX_ID}]}
        )
    return cursor


class QueueChangesView(ModeratorsOnly, View):
    """`GET queue/changes/?after=N`: the queue's changes after cursor N, as
    JSON, for the live page that missed events (a reconnect, a gap, a pong
    ahead of it): {"results": [queue.changed events], "next_cursor", "more"},
    oldest first, at most moderation.changes.CHANGES_LIMIT at a time, in a
    constant number of queries. The page fetches each pending item's row
    through QueueItemView, where its filters apply. A bad cursor: 400 with
    the error envelope."""

    http_method_names = ["get"]

    def get(self, request):
        try:
            after = parse_cursor(request.GET.get("after"))
        except Invalid as error:
            return JsonResponse(error.envelope(), status=400)
        return JsonResponse(changes.changes_after(after))


class QueueItemView(ModeratorsOnly, View):
    """One pending item's row, for the live page; 404 when the comment is not
    waiting for review (or does not match the page's filters)."""

    def get(self, request, comment_id):
        filters = Filters.from_params(request.GET)
        rows = rows_for(request, pending_reviews(filters).filter(comment_id=comment_id))
        if not rows:
            raise Http404(_("That comment is not waiting for review."))
        return TemplateResponse(
            request,
            "moderation/admin/queue_item.html",
            {
                "row": rows[0],
                "filter_params": filter_params(filters),
                "flag_reasons": FlagReason.choices,
                "max_note": actions.MAX_NOTE_LENGTH,
            },
        )


class DecideView(ModeratorsOnly, View):
    http_method_names = ["post"]

    def post(self, request, comment_id):
        comment = access_comment(comment_id)
        data = request.POST
        try:
            decision = actions.do_decide(
                request.user,
                comment,
                action=data.get("action", ""),
                reason=data.get("reason", ""),
                note=data.get("note", ""),
            )
        except ActionError as error:
            messages.error(request, comment_refusal(comment.pk, error))
        else:
            messages.success(
                request,
                DONE_MESSAGES[decision.action] % {"id": comment.pk},
            )
        return back_to_queue(data)


class BulkDecideView(ModeratorsOnly, View):
    http_method_names = ["post"]

    def post(self, request):
        data = request.POST
        back = back_to_queue(data)
        try:
            outcome = actions.do_bulk_decide(
                request.user,
                data.getlist("comments"),
                action=data.get("action", ""),
                reason=data.get("reason", ""),
                note=data.get("note", ""),
            )
        except ActionError as error:
            messages.error(request, error_text(error))
            return back
        taken = [i for i, refused in outcome.items() if refused is None]
        if taken:
            messages.success(
                request,
                ngettext("%(count)s decision taken.", "%(count)s decisions taken.", len(taken))
                % {"count": len(taken)},
            )
        for comment_id, refused in outcome.items():
            if refused is not None:
                messages.warning(request, comment_refusal(comment_id, refused))
        return back


class PersonView(ModerationPage):
    """A person's moderation page: their record, recent comments and the
    decisions about them, with the block or unblock form."""

    template_name = "moderation/admin/person.html"

    @cached_property
    def person(self):
        return get_object_or_404(get_user_model(), pk=self.kwargs["user_id"])

    def get_page_title(self):
        return _("Moderation of %(name)s") % {"name": self.person}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.person
        comments = list(
            Comment.objects.filter(author=person)
            .select_related("consultation")
            .order_by("-created", "-pk")[:PERSON_COMMENTS]
        )
        decisions = Decision.objects.filter(user=person).select_related(
            "moderator", "comment__consultation"
        )[:PERSON_DECISIONS]
        record = dict(
            Decision.objects.filter(user=person)
            .values_list("action")
            .annotate(n=Count("pk"))
            .order_by()
        )
        record["comments"] = Comment.objects.filter(author=person).count()
        context.update(
            person=person,
            comments=[(c, thread_url(self.request, c)) for c in comments],
            decisions=[(d, thread_url(self.request, d.comment)) for d in decisions],
            record=record_rows(record),
            flag_reasons=FlagReason.choices,
            is_self=person.pk == self.request.user.pk,
            max_note=actions.MAX_NOTE_LENGTH,
        )
        return context


class BlockView(ModeratorsOnly, View):
    http_method_names = ["post"]

    def post(self, request, user_id):
        person = get_object_or_404(get_user_model(), pk=user_id)
        data = request.POST
        try:
            hidden = actions.do_block(
                request.user,
                person,
                reason=data.get("reason", ""),
                note=data.get("note", ""),
                hide_content=data.get("hide_content") == "on",
            )
        except ActionError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(name)s is blocked; %(count)s comment hidden.",
                    "%(name)s is blocked; %(count)s comments hidden.",
                    hidden,
                )
                % {"name": person, "count": hidden},
            )
        return redirect("moderation_admin:user", user_id=person.pk)


class UnblockView(ModeratorsOnly, View):
    http_method_names = ["post"]

    def post(self, request, user_id):
        person = get_object_or_404(get_user_model(), pk=user_id)
        try:
            actions.do_unblock(request.user, person, note=request.POST.get("note", ""))
        except ActionError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("%(name)s is unblocked.") % {"name": person})
        return redirect("moderation_admin:user", user_id=person.pk)


class LogView(ModerationPage):
    """The append-only decision log, newest first; read-only."""

    template_name = "moderation/admin/log.html"
    page_title = gettext_lazy("Moderation log")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        decisions = Decision.objects.select_related("moderator", "user", "comment__consultation")
        action = self.request.GET.get("action", "")
        if action in Action.values:
            decisions = decisions.filter(action=action)
        else:
            action = ""
        paginator = WagtailPaginator(decisions, LOG_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("p"))
        context.update(
            elided_page_range=paginator.get_elided_page_range(page.number),
            page=page,
            paginator=paginator,
            decisions=[(d, thread_url(self.request, d.comment)) for d in page],
            action=action,
            actions=Action.choices,
        )
        return context


# The word filter's lists ------------------------------------------------------


class FilteredWordForm(WagtailAdminModelForm):
    """A word or phrase for one language's list. The model computes the
    normalised form on save; the form refuses a word already listed in that
    form (same letters ignoring accents and case) instead of letting the
    database's unique constraint fail."""

    class Meta:
        model = FilteredWord
        fields = ["word", "language"]

    def clean_word(self):
        # Runs of spaces collapsed: "mala  palabra" is "mala palabra".
        word = " ".join(self.cleaned_data["word"].split())
        normalized = fold(word).strip()
        if not normalized:
            raise ValidationError(_("Write a word or phrase."))
        if len(normalized) > FilteredWord._meta.get_field("normalized").max_length:
            raise ValidationError(_("This word or phrase is too long."))
        return word

    def clean(self):
        cleaned = super().clean()
        word, language = cleaned.get("word"), cleaned.get("language")
        if word and language:
            taken = FilteredWord.objects.filter(
                language=language, normalized=fold(word).strip()
            ).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "word",
                    _("“%(word)s” is already on this language's list.") % {"word": word},
                )
        return cleaned


class FilteredWordViewSet(ModelViewSet):
    """Moderators list, add, edit and delete filtered words (the FilteredWord
    model permissions, which accounts/roles.py grants the moderator group)."""

    model = FilteredWord
    name = "filtered_words"
    url_prefix = "moderation/words"
    icon = "warning"
    menu_label = gettext_lazy("Filtered words")
    menu_name = "filtered-words"
    add_to_admin_menu = False  # in the Moderation submenu (wagtail_hooks.py)
    list_display = ["word", "language", "created"]
    list_filter = ["language"]
    search_fields = ["word"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return FilteredWordForm
