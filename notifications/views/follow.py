"""Follow and stop following without JavaScript: the buttons next to a
consultation and a thread post here (`following` "1" or "0", and `next`, the
page to go back to). Each parses the form, calls one action and redirects
back with a message. The budget is the JSON API's (core.throttles)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comments.links import permalink
from core.errors import ActionError, NotFound
from core.throttles import FollowThrottle, check_write_rate
from notifications import follows

FOLLOWING = {"1": True, "0": False}


def _next(request):
    """The page the form came from, when it is one of this site's."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _follow(request, access, target_id, *, said, fallback):
    """Access the target (404 when there is none to see), then follow or
    stop following it, within the follow budget."""
    back = _next(request)
    if not request.user.is_authenticated:
        return redirect_to_login(back or "/")
    try:
        target = access(request.user, target_id)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    except ActionError as error:  # not allowed to follow (an account no longer active)
        messages.error(request, str(error.message))
        return redirect(back or fallback(None))
    back = back or fallback(target)
    following = FOLLOWING.get(request.POST.get("following", ""))
    if following is None:
        messages.error(request, _("Choose to follow or to stop following."))
        return redirect(back)
    try:
        check_write_rate(request, FollowThrottle)
        follows.do_follow(request.user, **{said: target}, following=following)
    except ActionError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(request, _done(said, following))
    return redirect(back)


def _consultation_url(consultation):
    return consultation.get_url() if consultation is not None else "/"


def _thread_url(thread):
    if thread is None:
        return "/"
    return permalink(thread)


@require_POST
def follow_consultation(request, consultation_id):
    return _follow(
        request,
        follows.access_consultation,
        consultation_id,
        said="consultation",
        fallback=_consultation_url,
    )


@require_POST
def follow_thread(request, comment_id):
    return _follow(request, follows.access_thread, comment_id, said="thread", fallback=_thread_url)


def _done(said, following):
    """What the form says once done."""
    if said == "consultation":
        if following:
            return _(
                "You follow this consultation. You will be told when it opens, "
                "is about to close, closes and publishes its response."
            )
        return _("You no longer follow this consultation.")
    if following:
        return _("You follow this thread. You will be told of new comments.")
    return _("You no longer follow this thread.")
