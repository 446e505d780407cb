"""The citizens' side of moderation, without JavaScript: report a comment
and appeal a decision once (the appeal form is under the notice, on the
notifications page: moderation/notices.py). Each view parses the form,
calls one action (moderation/actions.py) and redirects or re-renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from comments import actions as comment_actions
from comments import links, rules
from comments.models import CommentStatus
from core.errors import ActionError, Invalid, NotAllowed, NotFound, RateLimited
from core.fragments import fragment, wants_fragment
from core.throttles import check_write_rate
from moderation import actions
from moderation.models import FlagReason
from moderation.notices import APPEAL_DRAFT_SESSION_KEY

# What a refused form keeps of what was typed (the action says what is too long).
KEEP_CHARS = 10_000


def _comment(user, comment_id):
    """A comment `user` may see in its thread, or 404: someone else's held
    comment does not exist for them."""
    try:
        comment = comment_actions.access_comment(user, comment_id)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    if comment.status == CommentStatus.HELD and not rules.is_author(user, comment):
        raise Http404(_("That comment does not exist."))
    return comment


def _at_comment(comment):
    return redirect(links.permalink(comment))


def _flag_refusal(user, comment):
    """Why `user` cannot report `comment` at all (no form to show), or None."""
    try:
        actions.check_may_flag(user, comment)
    except NotAllowed as error:
        return error.message
    if actions.already_flagged(user, comment):
        return actions.already_flagged_message()
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def flag_comment(request, comment_id):
    """GET: the report form; POST: report the comment and go back to it.
    Sent by forms.js (core.fragments), the form opens and answers in place
    under the comment: the form alone, with its errors and the action's
    status, or what reporting did."""
    comment = _comment(request.user, comment_id)
    refusal = _flag_refusal(request.user, comment)
    if refusal is not None:
        return _flag_said(request, comment, refusal, status=409)
    if request.method != "POST":
        return _flag_form(request, comment)
    reason, note = request.POST.get("reason", ""), request.POST.get("note", "")
    try:
        check_write_rate(request)
        actions.do_flag(request.user, comment, reason=reason, note=note)
    except Invalid as error:
        return _flag_form(
            request, comment, reason=reason, note=note, errors=error.errors, status=error.status
        )
    except RateLimited as error:
        # The form again, with what was typed and the wait.
        errors = {"note": [error.message]}
        return _flag_form(
            request, comment, reason=reason, note=note, errors=errors, status=error.status
        )
    except ActionError as error:
        return _flag_said(request, comment, error.message, status=error.status)
    return _flag_said(request, comment, _("Thank you: the moderators will review it."))


def _flag_said(request, comment, text, *, status=200):
    """What reporting did, or why it cannot be done: next to the comment."""
    if wants_fragment(request):
        context = {"comment": comment, "text": str(text)}
        return fragment(request, "moderation/_flag_done.html", context, status=status)
    if status == 200:
        messages.success(request, str(text))
    else:
        messages.error(request, str(text))
    return _at_comment(comment)


def _flag_form(request, comment, *, reason="", note="", errors=None, status=200):
    errors = {field: [str(m) for m in ms] for field, ms in (errors or {}).items()}
    in_place = wants_fragment(request)
    render_as = fragment if in_place else render
    return render_as(
        request,
        "moderation/_flag_panel.html" if in_place else "moderation/flag_form.html",
        {
            "sfx": f"-{comment.pk}" if in_place else "",
            "comment": comment,
            "consultation": comment.consultation,
            "reasons": FlagReason.choices,
            "reason": reason if reason in FlagReason.values else "",
            "note": note[:KEEP_CHARS],
            "errors": errors,
            "max_note": actions.MAX_NOTE_LENGTH,
        },
        # A plain form's page answers 200, as it always did.
        status=status if in_place else 200,
    )


# Appeals (the form is on the notifications page: moderation/notices.py) ------


@require_POST
@login_required
def appeal(request, comment_id):
    comment = _comment(request.user, comment_id)
    note = request.POST.get("note", "")
    back = reverse("notifications")
    try:
        actions.do_appeal(request.user, comment, note=note)
    except Invalid as error:
        messages.error(request, str(error.message))
        request.session[APPEAL_DRAFT_SESSION_KEY] = {
            "comment": comment.pk,
            "note": note[:KEEP_CHARS],
            "errors": [str(m) for ms in error.errors.values() for m in ms],
        }
        return redirect(f"{back}#appeal-{comment.pk}")
    except ActionError as error:
        messages.error(request, str(error.message))
        return redirect(f"{back}#notifications")
    messages.success(request, _("Appeal sent: a moderator will look at your comment again."))
    return redirect(f"{back}#appeal-{comment.pk}")
