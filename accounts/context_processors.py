from accounts import consent


def policies(request):
    """Whether the signed-in person must accept a new version of the terms
    (the banner of base.html); the query runs only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"policies_pending": False}
    return {"policies_pending": _Lazy(lambda: consent.is_pending(user))}


class _Lazy:
    def __init__(self, compute):
        self._compute = compute

    def __bool__(self):
        return bool(self._compute())
