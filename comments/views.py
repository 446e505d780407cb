"""The forms that work without JavaScript: post, reply, edit, delete, react.
Each parses the form, calls one action and redirects back to the page (a
refused post keeps its text in the session and shows why). Every one
spends the same write budget as the JSON API (core.throttles)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comments import actions
from comments.models import CommentStatus
from comments.threads import DRAFT_SESSION_KEY, POSTED_SESSION_KEY, anchor_key
from core.errors import ActionError, NotFound
from core.throttles import check_write_rate


def _consultation(consultation_id):
    try:
        return actions.access_public_consultation(consultation_id)
    except NotFound as error:
        raise Http404(str(error.message)) from error


def _comment(user, comment_id):
    try:
        return actions.access_comment(user, comment_id)
    except NotFound as error:
        raise Http404(str(error.message)) from error


def _back(consultation, fragment="", query=""):
    url = consultation.get_url() + (f"?{query}" if query else "")
    return redirect(f"{url}#{fragment}" if fragment else url)


def _refused(request, consultation, error, *, fragment, body=None, form=None, query=""):
    messages.error(request, str(error.message))
    if body is not None:
        request.session[DRAFT_SESSION_KEY] = {
            "consultation": consultation.pk,
            "form": form,
            "body": body[:10_000],
            "errors": [str(m) for ms in error.errors.values() for m in ms],
        }
    return _back(consultation, fragment, query)


@require_POST
def post_comment(request, consultation_id):
    consultation = _consultation(consultation_id)
    if not request.user.is_authenticated:
        return redirect_to_login(consultation.get_url())
    data = request.POST
    question, section, parent = data.get("question"), data.get("section"), data.get("parent")
    form = f"reply-{parent}" if parent else anchor_key(question, section)
    try:
        check_write_rate(request)
        comment = actions.do_post_comment(
            request.user,
            consultation,
            body=data.get("body", ""),
            question=question or None,
            section=section or None,
            parent=parent or None,
        )
    except ActionError as error:
        return _refused(
            request,
            consultation,
            error,
            fragment=f"form-{form}",
            body=data.get("body", ""),
            form=form,
            # A refused reply comes back with its form open.
            query=f"reply={parent}" if str(parent or "").isdigit() else "",
        )
    _posted(request, comment)
    return _back(consultation, f"comment-{comment.pk}")


def _posted(request, comment):
    """Tell the author their comment's receipt number; the page then shows,
    next to the comment, what posting followed for them (comments.threads
    hands the note to the page; notifications' follow tags draw it)."""
    held = comment.status == CommentStatus.HELD
    if held:
        said = _(
            "Your comment is awaiting review: only you can see it until a moderator approves it."
        )
    else:
        said = _("Your comment was published.")
    receipt = _("Its receipt number is %(folio)s.") % {"folio": comment.folio}
    messages.success(request, f"{said} {receipt}")
    request.session[POSTED_SESSION_KEY] = {
        "consultation": comment.consultation_id,
        "comment": comment.pk,
        "thread": comment.root_id,
        "folio": comment.folio,
        "held": held,
    }


@require_POST
def edit_comment(request, comment_id):
    comment = _comment(request.user, comment_id)
    try:
        check_write_rate(request)
        actions.do_edit_comment(request.user, comment, body=request.POST.get("body", ""))
    except ActionError as error:
        return _refused(
            request,
            comment.consultation,
            error,
            fragment=f"comment-{comment.pk}",
            body=request.POST.get("body", ""),
            form=f"edit-{comment.pk}",
        )
    messages.success(request, _("Your comment was updated."))
    return _back(comment.consultation, f"comment-{comment.pk}")


@require_POST
def delete_comment(request, comment_id):
    comment = _comment(request.user, comment_id)
    try:
        check_write_rate(request)
        actions.do_delete_comment(request.user, comment)
    except ActionError as error:
        return _refused(request, comment.consultation, error, fragment=f"comment-{comment.pk}")
    messages.success(request, _("Your comment was deleted."))
    return _back(comment.consultation, f"comment-{comment.pk}")


@require_POST
def react(request, comment_id):
    comment = _comment(request.user, comment_id)
    if not request.user.is_authenticated:
        return redirect_to_login(comment.consultation.get_url())
    try:
        check_write_rate(request)
        actions.do_react(request.user, comment, request.POST.get("stance", ""))
    except ActionError as error:
        return _refused(request, comment.consultation, error, fragment=f"comment-{comment.pk}")
    return _back(comment.consultation, f"comment-{comment.pk}")
