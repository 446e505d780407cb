"""The JSON API's one error envelope: {detail, code, errors?, retry_after?}
with the status of the action's error (core.errors), for DRF's own errors
too (parse, permission, method, media type, throttle, validation)."""

import math
import re

from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response

from core.errors import ActionError, Invalid, NotFound
from core.parse import MAX_ID, as_int
from core.throttles import CommentWriteThrottle, PublicReadThrottle

ErrorSerializer = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(
            help_text="invalid, forbidden, not_found, conflict, rate_limited, "
            "method_not_allowed, unsupported_media_type, not_acceptable, search_unavailable."
        ),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="The messages for each field of the request that was refused.",
        ),
        "retry_after": serializers.IntegerField(
            required=False, help_text="With 429 and 503: seconds to wait, as Retry-After."
        ),
    },
)


def errors(*statuses):
    """The error responses an operation documents (OpenAPI)."""
    return dict.fromkeys(statuses, ErrorSerializer)


def error_response(error):
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    return Response(error.envelope(), status=error.status, headers=headers)


def form_errors(form):
    """A Django form's errors as the envelope's field errors."""
    return Invalid({field: list(messages) for field, messages in form.errors.items()})


def validated(serializer_class, data, **kwargs):
    """`data` checked by a serializer: its validated data, or Invalid with
    the messages of each field."""
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise Invalid({field: _messages(value) for field, value in serializer.errors.items()})
    return serializer.validated_data


_SIGNED_DIGITS = re.compile(r"-?[0-9]{1,19}")


class IntegerInput(serializers.IntegerField):
    """A whole number from a client, by core.parse's rule (ASCII digits,
    within the database's range): DRF's own takes "1.0", " 1" and other
    scripts' digits. The bounds are documented in the schema."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # Bounds are the validators' (their messages name them).
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, str) and _SIGNED_DIGITS.fullmatch(data):
            return int(data)
        self.fail("invalid")


class TextInput(serializers.CharField):
    """Text from a client: a JSON string, not a number DRF would turn into
    one (the schema says string)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdInput(IntegerInput):
    """The id of a database row."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class PageNumbers(pagination.PageNumberPagination):
    """DRF's page numbers, with `page` checked as every number (a whole number
    from 1; 400 otherwise) and its bounds in the schema. A page past the last
    is DRF's 404."""

    max_page = 10**6

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and as_int(raw, minimum=1, maximum=self.max_page) is None:
            message = gettext("Give a page number from 1 to %(max)s.") % {"max": self.max_page}
            raise Invalid({self.page_query_param: [message]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page)
        return parameters


class CheckedQuery:
    """An API view whose query parameters come once each
    (`repeatable_params` may come several times) and not empty: a repeated
    or empty one is refused rather than silently read as one of its values
    or as absent."""

    repeatable_params: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        refused = {}
        for name, values in request.query_params.lists():
            if len(values) > 1 and name not in self.repeatable_params:
                refused[name] = [gettext("Give %(name)s only once.") % {"name": name}]
            elif "" in values:
                refused[name] = [gettext("Leave %(name)s out rather than empty.") % {"name": name}]
        if refused:
            raise Invalid(refused)


class ActionErrorsMixin(CheckedQuery):
    """An API view whose actions' errors answer in the envelope and whose
    writes count against the write rate (its query as CheckedQuery's)."""

    throttle_classes = [CommentWriteThrottle, PublicReadThrottle]

    def handle_exception(self, exc):
        if isinstance(exc, ActionError):
            return error_response(exc)
        # A mixin: the APIView it is mixed into supplies handle_exception.
        return super().handle_exception(exc)  # type: ignore[misc]


# DRF's own codes, as the envelope names them (core.errors names the rest).
_CODES = {
    "parse_error": "invalid",
    "permission_denied": "forbidden",
    "not_authenticated": "forbidden",
    "authentication_failed": "forbidden",
    "throttled": "rate_limited",
}


def _messages(detail):
    """A ValidationError's detail (a dict, list or string, nested) as a flat
    list of strings."""
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def exception_handler(exc, context):
    """DRF's handler, with every error it knows in the envelope."""
    if isinstance(exc, ActionError):
        return error_response(exc)
    if isinstance(exc, Http404):
        # Django's message names the model ("No ConsultationPage matches...").
        exc = exceptions.NotFound(_("Not found."))
    # Imported here: rest_framework.views reads the settings naming this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        error = Invalid({field: _messages(value) for field, value in fields.items()})
        response.data = error.envelope()
        return response
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    code = codes if isinstance(codes, str) else "error"
    body: dict[str, object] = {
        "detail": str(getattr(exc, "detail", exc)),
        "code": _CODES.get(code, code),
    }
    if getattr(exc, "errors", None):  # core.parsers.BadBody names the field
        body["errors"] = getattr(exc, "errors")  # noqa: B009 - not on every exception
    if isinstance(exc, exceptions.Throttled):
        seconds = max(1, math.ceil(getattr(exc, "wait", None) or 1))
        body["retry_after"] = seconds
        response["Retry-After"] = str(seconds)
    response.data = body
    return response


@csrf_exempt  # answers 404 whatever the method: nothing to protect
def not_found(request, *args, **kwargs):
    """Any /api/v1/ address nothing else answers (an id past the database's
    range among them): the envelope's 404, not the site's HTML page."""
    return JsonResponse(NotFound(gettext("Not found.")).envelope(), status=404)
