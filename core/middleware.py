"""Query strings and form fields checked once for every request (core.input):
a NUL byte would reach PostgreSQL as an error (500); refused here as 400."""

from django.http import HttpResponseBadRequest, JsonResponse

from core.errors import ActionError
from core.input import bad_character

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseBadCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = self._problem(request)
        if found:
            field, message = found
            if request.path.startswith("/api/"):
                error = ActionError(message, {field: [message]} if field else None)
                return JsonResponse(error.envelope(), status=error.status)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _problem(request):
        """(field, what) of the first bad character, or None."""
        # Form bodies are read here as the CSRF check reads them anyway (and
        # before any view could change the upload handlers); file contents
        # are not text and are not looked at.
        sources = [request.GET]
        # The JSON API takes no form bodies (DRF answers 415 when the view
        # reads one, after its permission check): left unread here.
        api = request.path.startswith("/api/")
        if request.method == "POST" and request.content_type in FORMS and not api:
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                for text in (key, *values):
                    problem = bad_character(text)
                    if problem:
                        return (key if not bad_character(key) else None), problem
        problem = bad_character(request.path)
        return (None, problem) if problem else None
