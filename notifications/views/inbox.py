"""A person's notifications page, without JavaScript: their notices newest
first, fifty a page, each marked read once shown; and a button that marks
them all read. A constant number of queries, whatever the notices.

Apps above this one add to the page through PUENTE_NOTICE_EXTRAS: import
strings of callables `(request, entries) -> None`, run in order on the
page's entries (dicts with "notice" and "new"). Each may set an entry's
"extra_template" (shown under its notice, with the entry in context) and
whatever that template reads; moderation/notices.py puts the appeal form
under a moderation notice. An extra sees the request because what it shows
may come from the session (an appeal refused, with what was typed)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.errors import RateLimited
from core.throttles import check_write_rate
from notifications import reading


def notice_extras():
    return [import_string(path) for path in settings.PUENTE_NOTICE_EXTRAS]


@require_safe
@login_required
def notifications(request):
    page = Paginator(reading.notices_of(request.user), reading.PER_PAGE).get_page(
        request.GET.get("page")
    )
    entries = [{"notice": notice, "new": not notice.read} for notice in page.object_list]
    for extra in notice_extras():
        extra(request, entries)
    # Read once shown: those on another page stay unread until it is opened.
    reading.mark_shown(request.user, [entry["notice"] for entry in entries])
    return render(request, "notifications/inbox.html", {"entries": entries, "page_obj": page})


@require_POST
@login_required
def mark_all_read(request):
    back = reverse("notifications")
    try:
        check_write_rate(request)
    except RateLimited as error:
        messages.error(request, str(error.message))
        return redirect(back)
    marked = reading.mark_read(request.user)
    if marked:
        messages.success(request, _("All your notifications are marked as read."))
    else:
        messages.info(request, _("You had no unread notifications."))
    return redirect(back)
