"""How a person hears about each topic (a form that works without
JavaScript), and the link at the foot of every e-mail that stops one kind
of e-mail without signing in. Each view parses, calls one function of
notifications/preferences.py and renders the result."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import Invalid, RateLimited
from core.parse import MAX_ID
from core.throttles import check_write_rate
from notifications import preferences as chosen
from notifications import unsubscribe as links
from notifications.models import Delivery, Topic

TEMPLATE = "notifications/preferences.html"


def _fields(values, errors):
    """One radio group per topic: its choices, the value to check, its errors."""
    labels = dict(Delivery.choices)
    return [
        {
            "name": topic,
            "legend": label,
            "choices": [(value, labels[value]) for value in chosen.CHOICES[topic]],
            "value": values.get(topic),
            "errors": [str(message) for message in errors.get(topic, [])],
        }
        for topic, label in Topic.choices
    ]


def _page(request, values, errors=None, status=200):
    errors = errors or {}
    return render(
        request,
        TEMPLATE,
        {
            "fields": _fields(values, errors),
            "errors": {field: [str(m) for m in ms] for field, ms in errors.items()},
            "language": request.user.get_language_display(),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def preferences(request):
    if request.method != "POST":
        return _page(request, chosen.of(request.user))
    # Only the topics' fields: the form also carries its CSRF token.
    values = {topic: request.POST.get(topic) for topic in Topic.values}
    try:
        check_write_rate(request)
        chosen.do_save(request.user, values)
    except Invalid as error:
        return _page(request, values, error.errors, status=400)
    except RateLimited as error:
        messages.error(request, str(error.message))
        return _page(request, values, status=429)
    messages.success(request, _("Your choices were saved."))
    return redirect("notification-preferences")


def _person_and_topic(token):
    """The person and topic a genuine, unexpired token names, else None
    (a forged, garbled or expired token, or one naming nobody who still has
    an account)."""
    read = links.read(token)
    if read is None:
        return None
    user_id, topic = read
    if topic not in Topic.values or not 1 <= user_id <= MAX_ID:
        return None
    person = (
        get_user_model()
        .objects.filter(pk=user_id, erased_at__isnull=True)
        .only("pk", "language")
        .first()
    )
    if person is None:
        return None
    return person, Topic(topic)


# The token is the authority: mail programs POST to the link without a
# session or a CSRF token (RFC 8058 one-click), and anyone holding the link
# may only stop that one kind of e-mail.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    found = _person_and_topic(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"state": "invalid"}, status=400)
    person, topic = found
    if request.method == "POST":
        state = "done" if chosen.do_stop_email(person, topic) else "unchanged"
    elif chosen.of(person)[topic] == Delivery.SITE:
        state = "already"
    else:
        state = "confirm"
    return render(
        request,
        "notifications/unsubscribe.html",
        {"state": state, "topic": topic.label, "token": token},
    )
