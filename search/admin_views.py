"""The comment search in the Wagtail admin: the search page with facets and
decision forms, similar comments, copy-paste clusters, and the themes form.
Moderators search every comment; planners the published ones (they tag
comments for the summaries). Thin: parse, call, render."""

from django.contrib.auth import get_user_model
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from wagtail.admin import messages

from accounts.rules import is_moderator
from comments import actions as comment_actions
from comments.links import anchor_label, thread_url
from comments.models import Comment
from comments.rules import readable_statuses
from core.admin import RestrictedTo, SectionPage, admin_page_named, comment_refusal, error_text
from core.errors import ActionError
from core.throttles import ModerationWriteThrottle, check_write_rate
from moderation import actions as moderation_actions
from moderation.actions import MAX_CAMPAIGN, MAX_NOTE_LENGTH
from moderation.admin_views import ModeratorsOnly, action_buttons
from moderation.models import FlagReason, Review
from search import duplicates, results
from search.backends.base import IndexUnavailable
from search.forms import MAX_NAME_LENGTH, SearchForm
from search.health import unavailable_message
from search.query import FACETS

# Names offered as the author is typed.
MAX_SUGGESTIONS = 10

FACET_LABELS = {
    "consultation": gettext_lazy("Consultation"),
    "status": gettext_lazy("Status"),
    "reason": gettext_lazy("Flagged as"),
    "tag": gettext_lazy("Theme"),
}


class ReadersOnly(RestrictedTo):
    """Moderators and planners."""

    refusal = gettext_lazy("Moderators and planners only")
    refusal_detail = gettext_lazy("Only moderators and planners can see this page.")

    def allowed(self, user):
        return bool(readable_statuses(user))


class SearchPage(ReadersOnly, SectionPage):
    header_icon = "search"
    section_url_name = "search_admin:search"
    section_label = gettext_lazy("Comment search")


def with_param(params, name, value):
    """The query string with `name` set to `value` and the page reset."""
    params = params.copy()
    params.pop("page", None)
    params[name] = value
    return "?" + params.urlencode()


def without_param(params, name):
    params = params.copy()
    params.pop("page", None)
    params.pop(name, None)
    return "?" + params.urlencode()


def result_rows(request, found):
    """Each result with its context and, for moderators, the decisions that
    apply to it now (one query for all their queue items)."""
    moderator = is_moderator(request.user)
    reviews = {}
    if moderator:
        reviews = {
            review.comment_id: review
            for review in Review.objects.filter(
                comment_id__in=[result.comment.pk for result in found]
            )
        }
    return [
        {
            "result": result,
            "comment": result.comment,
            "anchor": anchor_label(result.comment),
            "thread_url": thread_url(request, result.comment),
            "reasons": [FlagReason(reason).label for reason in result.reasons],
            # A decision returns to this search.
            "back": [("next", request.get_full_path())],
            "actions": action_buttons(request.user, result.comment, reviews.get(result.comment.pk))
            if moderator
            else [],
        }
        for result in found
    ]


class SearchView(SearchPage):
    template_name = "search/admin/search.html"
    page_title = gettext_lazy("Comment search")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        form = SearchForm(params or None, user=self.request.user).offer_pickers()
        # `unavailable`: why the search could not answer, or None.
        context.update(form=form, page=None, unavailable=None, searched=bool(params))
        context.update(max_note=MAX_NOTE_LENGTH, flag_reasons=FlagReason.choices)
        if params and form.is_valid():
            try:
                page = results.run(form.to_query())
            except IndexUnavailable as error:
                context["unavailable"] = unavailable_message(error)
                context["retry_after"] = error.retry_after
                return context
            context.update(
                page=page,
                rows=result_rows(self.request, page.results),
                facets=[
                    {
                        "name": name,
                        "label": FACET_LABELS[name],
                        "clear_url": without_param(params, name) if params.get(name) else "",
                        "values": [
                            {
                                "label": label,
                                "count": count,
                                "url": with_param(params, name, value),
                                "current": str(value) == params.get(name, ""),
                            }
                            for value, label, count in page.facets.get(name, [])
                        ],
                    }
                    for name in FACETS
                ],
                next_url=with_param(params, "page", page.query.page + 1) if page.has_next else "",
                previous_url=with_param(params, "page", page.query.page - 1)
                if page.has_previous
                else "",
                here=self.request.get_full_path(),
            )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["unavailable"]:
            # A 503, not a page that looks like "nothing found".
            response.status_code = 503
            response["Retry-After"] = str(context["retry_after"])
        return response


def readable_comment(request, comment_id):
    comment = (
        Comment.objects.select_related("consultation", "author", "question", "section")
        .filter(pk=comment_id, status__in=readable_statuses(request.user))
        .first()
    )
    if comment is None:
        raise Http404(_("There is no such comment, or you cannot see it."))
    return comment


class SimilarView(SearchPage):
    template_name = "search/admin/similar.html"
    page_title = gettext_lazy("Similar comments")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comment = readable_comment(self.request, kwargs["comment_id"])
        context.update(
            comment=comment,
            thread_url=thread_url(self.request, comment),
            similar=duplicates.similar_to(comment, readable_statuses(self.request.user)),
        )
        return context


class DuplicatesView(SearchPage):
    template_name = "search/admin/duplicates.html"
    page_title = gettext_lazy("Copy-paste campaigns")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["clusters"] = duplicates.clusters(readable_statuses(self.request.user))
        # Moderators act on a campaign as a whole (CampaignView).
        context["can_act"] = is_moderator(self.request.user)
        context["flag_reasons"] = FlagReason.choices
        context["max_note"] = MAX_NOTE_LENGTH
        context["max_campaign"] = MAX_CAMPAIGN
        return context


def done_tagging(count):
    return ngettext(
        "Theme given to %(count)s comment.", "Theme given to %(count)s comments.", count
    ) % {"count": count}


def done_hiding(count):
    return ngettext("%(count)s comment hidden.", "%(count)s comments hidden.", count) % {
        "count": count
    }


def campaign_summary(request, outcome, done_message):
    """The outcome of an action on a campaign as Wagtail messages: how many
    comments it reached, and why the others were left (grouped by reason,
    however many there are)."""
    done = [pk for pk, refused in outcome.items() if refused is None]
    if done:
        messages.success(request, done_message(len(done)))
    left: dict[str, list] = {}
    for comment_id, refused in outcome.items():
        if refused is not None:
            left.setdefault(refused, []).append(comment_id)
    for why, ids in left.items():
        messages.warning(
            request,
            ngettext(
                "%(count)s comment left as it was (%(ids)s): %(why)s",
                "%(count)s comments left as they were (%(ids)s): %(why)s",
                len(ids),
            )
            % {"count": len(ids), "ids": ", ".join(map(str, ids[:20])), "why": why},
        )


class CampaignView(ModeratorsOnly, View):
    """Hide, or give a theme to, the chosen comments of a copy-paste
    campaign in one POST: each comment decided as a single decision would
    be (its log entry, its author's notice), at most MAX_CAMPAIGN at once,
    within the moderators' write budget."""

    http_method_names = ["post"]

    def post(self, request):
        data = request.POST
        back = redirect(reverse("search_admin:duplicates"))
        try:
            check_write_rate(request, ModerationWriteThrottle)
            if data.get("action") == "tag":
                outcome = moderation_actions.do_bulk_add_tags(
                    request.user,
                    data.getlist("comments"),
                    data.get("tags", "").split(","),
                    maximum=MAX_CAMPAIGN,
                )
                done = done_tagging
            else:
                outcome = moderation_actions.do_bulk_decide(
                    request.user,
                    data.getlist("comments"),
                    action="hide",
                    reason=data.get("reason", ""),
                    note=data.get("note", ""),
                    maximum=MAX_CAMPAIGN,
                )
                done = done_hiding
        except ActionError as error:
            messages.error(request, error_text(error))
            return back
        campaign_summary(request, outcome, done)
        return back


class AuthorNamesView(ReadersOnly, View):
    """Display names starting with what was typed, for the search form's
    author field as the searcher types (static/js/comment_search.js): at most
    MAX_SUGGESTIONS, of people who wrote a comment, two letters at least.
    Without JavaScript the field takes the name as typed."""

    http_method_names = ["get"]

    def get(self, request):
        typed = " ".join(request.GET.get("q", "").split())[:MAX_NAME_LENGTH]
        names = []
        if len(typed) >= 2:
            names = list(
                get_user_model()
                .objects.filter(
                    display_name__istartswith=typed,
                    erased_at__isnull=True,
                    pk__in=Comment.objects.values("author_id"),
                )
                .order_by("display_name")
                .values_list("display_name", flat=True)
                .distinct()[:MAX_SUGGESTIONS]
            )
        return JsonResponse({"names": names})


class ThemesView(ReadersOnly, View):
    http_method_names = ["post"]

    def post(self, request, comment_id):
        comment = readable_comment(request, comment_id)
        names = request.POST.get("tags", "").split(",")
        try:
            saved = comment_actions.do_set_tags(request.user, comment, names)
        except ActionError as error:
            messages.error(request, comment_refusal(comment.pk, error))
        else:
            messages.success(
                request,
                _("Themes of comment %(id)s: %(themes)s")
                % {"id": comment.pk, "themes": ", ".join(saved) or _("none")},
            )
        return redirect(admin_page_named(request.POST) or reverse("search_admin:search"))
