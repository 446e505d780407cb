"""The JSON API's one error envelope: {detail, code, errors?, retry_after?}
with the status of the action's error (core.errors)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.errors import ActionError, Invalid
from core.throttles import CommentWriteThrottle

ErrorSerializer = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


def errors(*statuses):
    """The error responses an operation documents (OpenAPI)."""
    return dict.fromkeys(statuses, ErrorSerializer)


def error_response(error):
    body = {"detail": str(error.message), "code": error.code}
    if error.errors:
        body["errors"] = {
            field: [str(m) for m in messages] for field, messages in error.errors.items()
        }
    headers = {}
    if getattr(error, "retry_after", None):
        body["retry_after"] = error.retry_after
        headers["Retry-After"] = str(error.retry_after)
    return Response(body, status=error.status, headers=headers)


def form_errors(form):
    """A Django form's errors as the envelope's field errors."""
    return Invalid({field: list(messages) for field, messages in form.errors.items()})


class ActionErrorsMixin:
    """An API view whose actions' errors answer in the envelope, and whose
    writes count against the write rate."""

    throttle_classes = [CommentWriteThrottle]

    def handle_exception(self, exc):
        if isinstance(exc, ActionError):
            return error_response(exc)
        # A mixin: the APIView it is mixed into supplies handle_exception.
        return super().handle_exception(exc)  # type: ignore[misc]


def exception_handler(exc, context):
    """DRF's handler, with the envelope for bodies the parser refused
    (core.parsers.BadBody): {detail, code: "invalid", errors?}."""
    from rest_framework.views import exception_handler as drf_handler

    response = drf_handler(exc, context)
    if response is not None and getattr(exc, "errors", None) is not None:
        response.data = {"detail": str(exc.detail), "code": "invalid"}
        if exc.errors:
            response.data["errors"] = exc.errors
    return response


def not_found(request, *args, **kwargs):
    """Any /api/v1/ address nothing else answers (an id past the database's
    range among them): the envelope's 404, not the site's HTML page."""
    from django.http import JsonResponse
    from django.utils.translation import gettext

    return JsonResponse({"detail": gettext("Not found."), "code": "not_found"}, status=404)
