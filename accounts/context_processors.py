from django.utils.functional import SimpleLazyObject

from accounts import consent


def policies(request):
    """Whether the signed-in person must accept a new version of the terms
    (the banner of base.html); the query runs only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"policies_pending": False}
    return {"policies_pending": SimpleLazyObject(lambda: consent.is_pending(user))}
