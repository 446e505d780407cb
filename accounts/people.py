"""The person as the database has them now, for actions that must not act
on a stale copy from the session."""

from django.contrib.auth import get_user_model


def fresh_participant(user):
    """The user as the database has them now, row locked until commit: a
    deactivation made since sign-in counts, and one person's concurrent posts
    queue up for the rate limit instead of all passing it."""
    if not user.is_authenticated:
        return user
    # no_key: rows that point at the user (flags, reactions) can still be
    # inserted meanwhile, which a full lock would make wait (and deadlock).
    return (
        get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).first() or user
    )
