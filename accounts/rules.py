"""Who a person is to the site, whatever the app asking: a participant (may
take part), a moderator, and why someone may not take part, in words for
them. Each app's `rules.py` combines these with its own objects."""

from django.utils.translation import gettext as _

from accounts.roles import MODERATOR, has_role


def is_participant(user):
    # Blocked people keep reading, and may still delete their comments or appeal.
    return user.is_authenticated and user.is_active and not user.blocked


def is_moderator(user):
    return is_participant(user) and has_role(user, MODERATOR)


def refusal(user):
    """Why `user` may not take part, in words for them."""
    if user.is_authenticated and user.blocked:
        return _("Your account has been blocked by the moderators: you cannot take part.")
    return _("Sign in to take part.")
