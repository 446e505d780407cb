""" "My data": where a signed-in person exercises their ARCO rights without
JavaScript (and accepts a new version of the terms), and follows what
happened to each of their comments. Each view parses its form, calls one
action (privacy/actions.py) and redirects with a message next to the
section it concerns, or re-renders with the errors."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import consent
from accounts.forms import AcceptPoliciesForm, DisplayNameForm
from accounts.models import Consent, ProfileChange
from core.errors import ActionError, Invalid, NotFound, RateLimited
from core.throttles import limit_exports
from privacy import actions, contributions
from privacy.models import DataExport


def _my_data(anchor=""):
    return redirect(reverse("privacy-my-data") + (f"#{anchor}" if anchor else ""))


def _context(request, **extra):
    user = request.user
    latest = (
        DataExport.objects.filter(user=user).defer("content").order_by("-created", "-pk").first()
    )
    return {
        "name_form": extra.pop("name_form", None)
        or DisplayNameForm(initial={"display_name": user.display_name}),
        "export": latest,
        "export_url": (
            reverse("privacy-export", args=[actions.export_token(latest)])
            if latest is not None and latest.status == DataExport.Status.READY
            else ""
        ),
        "consents": Consent.objects.filter(user=user).select_related("version")[:20],
        "changes": ProfileChange.objects.filter(user=user)[:20],
        "export_hours": settings.PUENTE_DATA_EXPORT_HOURS,
        **extra,
    }


@never_cache
@login_required
def my_data(request):
    return render(request, "privacy/my_data.html", _context(request))


@never_cache
@login_required
def my_contributions(request):
    """¿Qué pasó con mi comentario?: the person's comments and replies, each
    with its folio and its fate (privacy/contributions.py)."""
    page, entries = contributions.contributions_page(
        request.user, request.GET.get("page"), request=request
    )
    return render(request, "privacy/contributions.html", {"page_obj": page, "entries": entries})


@require_POST
@login_required
def change_display_name(request):
    form = DisplayNameForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(
            request, "privacy/my_data.html", _context(request, name_form=form), status=400
        )
    try:
        actions.do_change_display_name(request.user, form.cleaned_data["display_name"])
    except RateLimited:
        form.add_error(
            "display_name",
            _("You changed your name several times today. Try again tomorrow."),
        )
        return render(
            request, "privacy/my_data.html", _context(request, name_form=form), status=429
        )
    messages.success(request, _("Your display name was changed."))
    return _my_data("rectification")


@require_POST
@login_required
def open_data(request):
    choice = request.POST.get("open_data", "")
    if choice not in ("in", "out"):
        messages.error(request, _("Choose whether your comments are included in open data."))
        return _my_data("opposition")
    actions.do_set_open_data_opt_out(request.user, choice == "out")
    if choice == "out":
        messages.success(request, _("Your comments are no longer included in the open-data files."))
    else:
        messages.success(request, _("Your published comments are included in open data again."))
    return _my_data("opposition")


@require_POST
@login_required
def request_export(request):
    actions.purge_expired_exports()
    export, created = actions.do_request_export(request.user)
    if export.status == DataExport.Status.READY and not created:
        messages.info(request, _("Your file is ready below."))
    elif created:
        messages.success(
            request,
            _("We are preparing your file. We will tell you here and by e-mail when it is ready."),
        )
    else:
        messages.info(request, _("Your file is already being prepared."))
    return _my_data("access")


@never_cache
@login_required
@limit_exports
def download_export(request, token):
    try:
        export = actions.access_export(request.user, token)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    response = HttpResponse(bytes(export.content), content_type="application/zip")
    stamp = export.finished.strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="puente-mis-datos-{stamp}.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def delete_account(request):
    refused = actions.deletion_refusal(request.user)
    if refused:
        messages.error(request, refused)
        return _my_data("cancellation")
    errors, choice = {}, ""
    if request.method == "POST":
        choice = request.POST.get("comments", "")
        try:
            actions.do_delete_account(
                request.user, password=request.POST.get("password", ""), comments=choice
            )
        except Invalid as error:
            errors = error.errors
        except ActionError as error:
            messages.error(request, str(error.message))
            return _my_data("cancellation")
        else:
            logout(request)
            return redirect("privacy-deleted")
    comment_count = request.user.comments.count()
    return render(
        request,
        "privacy/delete.html",
        {"errors": errors, "choice": choice, "comment_count": comment_count},
        status=400 if errors else 200,
    )


def account_deleted(request):
    return render(request, "privacy/deleted.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def accept_policies(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST":
        form = AcceptPoliciesForm(request.POST)
        if form.is_valid():
            actions.do_accept_policies(request.user, form)
            messages.success(request, _("Thank you: you can take part again."))
            return redirect(next_url or "/")
    else:
        form = AcceptPoliciesForm()
    return render(
        request,
        "privacy/accept.html",
        {"form": form, "next": next_url, "pending": consent.is_pending(request.user)},
        status=400 if form.errors else 200,
    )
