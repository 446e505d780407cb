"""The comment forms: post, reply, edit, delete, react. Each parses the form,
calls one action and answers in one of two ways:

- a plain POST (no JavaScript) is redirected back to the page, to the form
  or comment it concerns; what happened is shown there once (a refused form
  keeps its text and its errors in the session, a done write its notice);
- a POST sent by site/static/js/forms.js (core.fragments) gets the piece
  of page that changed, drawn by the same templates: the comment (201
  when new, else 200) or the form with its errors (the action's status:
  400, 403, 409, 429). forms.js swaps it in.

Both spend the same write budget as the JSON API (core.throttles), through
one guard (`_write`)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comments import actions
from comments.models import CommentStatus
from comments.threads import (
    DRAFT_SESSION_KEY,
    NOTICE_SESSION_KEY,
    POSTED_SESSION_KEY,
    anchor_key,
    comment_context,
    posting_interval,
)
from core.errors import ActionError, NotFound, RateLimited
from core.fragments import fragment, wants_fragment
from core.throttles import check_write_rate

# What a refused form keeps of what was typed (the action says what is too long).
KEEP_CHARS = 10_000


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


def _write(request, action, *args, **kwargs):
    """The one guard of every form, plain or sent by JavaScript: the write
    budget it shares with the API, then the action."""
    check_write_rate(request)
    return action(*args, **kwargs)


def _back(consultation, fragment_id="", query=""):
    url = consultation.get_url() + (f"?{query}" if query else "")
    return redirect(f"{url}#{fragment_id}" if fragment_id else url)


def _draft(consultation, error, *, form, body=None):
    """What a refused form shows again: its text, and why (the action's
    field errors, else its message), with the wait when it was too soon."""
    errors = [str(m) for ms in error.errors.values() for m in ms] or [str(error.message)]
    return {
        "consultation": consultation.pk,
        "form": form,
        "body": (body or "")[:KEEP_CHARS],
        "errors": errors,
        "retry_after": error.retry_after if isinstance(error, RateLimited) else None,
    }


def _refused(request, consultation, error, *, fragment_id, form, body=None, query=""):
    """A plain form refused: back to it, its text and errors shown there."""
    request.session[DRAFT_SESSION_KEY] = _draft(consultation, error, form=form, body=body)
    return _back(consultation, fragment_id, query)


def _notice(request, comment, text):
    """A plain form's write done: its notice, shown once next to the comment."""
    request.session[NOTICE_SESSION_KEY] = {
        "consultation": comment.consultation_id,
        "comment": comment.pk,
        "text": str(text),
    }


def _comment_fragment(request, comment, *, notice=None, draft=None, status=200, posted=False):
    context = comment_context(request, comment, notice=notice, draft=draft, posted=posted)
    return fragment(request, "comments/fragment_comment.html", context, status=status)


@require_POST
def post_comment(request, consultation_id):
    consultation = _consultation(consultation_id)
    if not request.user.is_authenticated:
        return redirect_to_login(consultation.get_url())
    data = request.POST
    question, section, parent = data.get("question"), data.get("section"), data.get("parent")
    form = f"reply-{parent}" if parent else anchor_key(question, section)
    body = data.get("body", "")
    try:
        comment = _write(
            request,
            actions.do_post_comment,
            request.user,
            consultation,
            body=body,
            question=question or None,
            section=section or None,
            parent=parent or None,
        )
    except ActionError as error:
        if wants_fragment(request):
            return _form_fragment(request, consultation, error, form=form, body=body)
        return _refused(
            request,
            consultation,
            error,
            fragment_id=f"form-{form}",
            body=body,
            form=form,
            # A refused reply comes back with its form open.
            query=f"reply={parent}" if str(parent or "").isdigit() else "",
        )
    said = _posted_text(comment)
    if wants_fragment(request):
        return _comment_fragment(request, comment, notice=said, status=201, posted=True)
    _posted(request, comment, said)
    return _back(consultation, f"comment-{comment.pk}")


def _form_fragment(request, consultation, error, *, form, body):
    """The refused post's form again, with its text and errors."""
    parent = None
    if form.startswith("reply-"):
        try:
            parent = actions.access_comment(request.user, form.removeprefix("reply-"))
        except NotFound:
            parent = None
    key = anchor_key(parent.question_id, parent.section_id) if parent else form
    context = {
        "page": consultation,
        "key": key,
        "parent": parent,
        "draft": _draft(consultation, error, form=form, body=body),
        "posting_interval": posting_interval(request.user, timezone.now()),
    }
    return fragment(request, "comments/form.html", context, status=error.status)


def _posted_text(comment):
    """What posting did: published, or held for review (honestly)."""
    if comment.status == CommentStatus.HELD:
        return _(
            "Your comment is awaiting review: only you can see it until a moderator approves it."
        )
    return _("Your comment was published.")


def _posted(request, comment, said):
    """Tell the author, next to the comment, what posting did and its receipt
    number; the page then shows what posting followed for them
    (comments.threads hands the note to the page; notifications' follow
    tags draw it)."""
    receipt = _("Its receipt number is %(folio)s.") % {"folio": comment.folio}
    messages.success(request, f"{said} {receipt}")
    _notice(request, comment, said)
    request.session[POSTED_SESSION_KEY] = {
        "consultation": comment.consultation_id,
        "comment": comment.pk,
        "thread": comment.root_id,
        "folio": comment.folio,
        "held": comment.status == CommentStatus.HELD,
    }


@require_GET
def reply_form(request, comment_id):
    """The reply form under a comment: for forms.js, the form alone; without
    JavaScript, the page with that form open, the comment in view."""
    comment = _comment(request.user, comment_id)
    consultation = comment.consultation
    if not wants_fragment(request):
        return _back(consultation, f"comment-{comment.pk}", f"reply={comment.pk}")
    if not request.user.is_authenticated:
        return redirect_to_login(consultation.get_url())
    context = {
        "page": consultation,
        "key": anchor_key(comment.question_id, comment.section_id),
        "parent": comment,
        "draft": None,
        "posting_interval": posting_interval(request.user, timezone.now()),
    }
    return fragment(request, "comments/form.html", context)


def _comment_refused(request, comment, error, *, form, body=None):
    """A write on an existing comment refused: its card again with the
    errors (JavaScript), or back to it (plain form)."""
    if wants_fragment(request):
        draft = _draft(comment.consultation, error, form=form, body=body)
        return _comment_fragment(request, comment, draft=draft, status=error.status)
    return _refused(
        request,
        comment.consultation,
        error,
        fragment_id=f"comment-{comment.pk}",
        form=form,
        body=body,
    )


def _comment_done(request, comment, text):
    if wants_fragment(request):
        return _comment_fragment(request, comment, notice=text)
    messages.success(request, text)
    _notice(request, comment, text)
    return _back(comment.consultation, f"comment-{comment.pk}")


@require_POST
def edit_comment(request, comment_id):
    comment = _comment(request.user, comment_id)
    body = request.POST.get("body", "")
    try:
        comment = _write(request, actions.do_edit_comment, request.user, comment, body=body)
    except ActionError as error:
        return _comment_refused(request, comment, error, form=f"edit-{comment.pk}", body=body)
    return _comment_done(request, comment, _edited_text(comment))


def _edited_text(comment):
    """What editing did: updated, or updated and sent for review (honestly:
    an edit a hold rule would have caught, a filtered word or too many
    links, stays shown until a moderator decides)."""
    if comment.sent_for_review:
        return _(
            "Your comment was updated. A moderator will review the change; "
            "until then your comment stays visible."
        )
    return _("Your comment was updated.")


@require_POST
def delete_comment(request, comment_id):
    comment = _comment(request.user, comment_id)
    was_held = comment.status == CommentStatus.HELD
    try:
        comment = _write(request, actions.do_delete_comment, request.user, comment)
    except ActionError as error:
        return _comment_refused(request, comment, error, form=f"comment-{comment.pk}")
    text = _("Your comment was deleted.")
    if was_held:
        # Nobody else saw it: it is gone, tombstone and all.
        if wants_fragment(request):
            return fragment(
                request, "comments/fragment_gone.html", {"comment_id": comment_id, "text": text}
            )
        messages.success(request, text)
        return _back(comment.consultation, f"discussion-{_anchor(comment)}")
    return _comment_done(request, comment, text)


def _anchor(comment):
    return anchor_key(comment.question_id, comment.section_id)


@require_POST
def react(request, comment_id):
    comment = _comment(request.user, comment_id)
    if not request.user.is_authenticated:
        return redirect_to_login(comment.consultation.get_url())
    try:
        comment, mine = _write(
            request, actions.do_react, request.user, comment, request.POST.get("stance", "")
        )
    except ActionError as error:
        return _comment_refused(request, comment, error, form=f"comment-{comment.pk}")
    text = _("Your reaction was withdrawn.") if mine is None else _("Your reaction was saved.")
    if wants_fragment(request):
        return _comment_fragment(request, comment, notice=text)
    _notice(request, comment, text)
    return _back(comment.consultation, f"comment-{comment.pk}")
