"""Who a person is to the site, whatever the app asking: a participant (may
take part), a moderator, and why someone may not take part, in words for
them. Each app's `rules.py` combines these with its own objects."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts import consent
from accounts.roles import MODERATOR, has_role


def _active(user):
    return user.is_authenticated and user.is_active and not user.blocked


def is_participant(user):
    # Blocked people keep reading, and may still delete their comments or
    # appeal; people with a new version of the terms to accept keep reading
    # and managing their data.
    return _active(user) and not consent.is_pending(user)


def is_moderator(user):
    # Moderating is staff work, not taking part: a moderator with new terms
    # to accept keeps the queue moving (and accepts before posting).
    return _active(user) and has_role(user, MODERATOR)


def refusal(user):
    """Why `user` may not take part, in words for them."""
    if user.is_authenticated and user.blocked:
        return _("Your account has been blocked by the moderators: you cannot take part.")
    if consent.is_pending(user):
        return _("The terms of use or the privacy notice changed: accept them to take part.")
    return _("Sign in to take part.")


def refusal_html(user, back=""):
    """`refusal` with the link that resolves it, for pages (`back`: the
    page to return to afterwards)."""
    if user.is_authenticated and not user.blocked and consent.is_pending(user):
        url = reverse("privacy-accept") + (f"?{urlencode({'next': back})}" if back else "")
        return format_html('{} <a href="{}">{}</a>', refusal(user), url, _("Read and accept"))
    return refusal(user)
