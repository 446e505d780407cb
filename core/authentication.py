"""How the JSON API knows who is asking: Django's session, with its CSRF
check made before anything reads the body."""

from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, with the CSRF check made on Django's
    request: on DRF's, the check reads `request.POST`, which parses the body,
    so a malformed body answered 400 before the permission check."""

    def enforce_csrf(self, request):
        return super().enforce_csrf(request._request)
