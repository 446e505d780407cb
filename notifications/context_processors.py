"""Template context for every page: the signed-in person's unread
notifications (`notifications_unread`), counted only when a template asks
(one query), and never for anonymous visitors."""

from django.utils.functional import SimpleLazyObject

from notifications import reading


def unread(request):
    def count():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return reading.unread_count(user)

    return {"notifications_unread": SimpleLazyObject(count)}
