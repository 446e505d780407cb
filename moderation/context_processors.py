"""Template context for every page: the signed-in person's unread moderation
notices, counted only when a template asks (one query)."""

from django.utils.functional import SimpleLazyObject

from notifications.models import Notice


def notices(request):
    def unread():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Notice.objects.filter(user=user, read=False).count()

    return {"moderation_unread": SimpleLazyObject(unread)}
