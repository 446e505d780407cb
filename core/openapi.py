"""The OpenAPI schema says what the API refuses, from the code that refuses
it: query parameters from the Django forms that check them, and, for every
operation, the error statuses every view shares (the envelope, the id
converter's range, NUL refused in any text, the write and read limits)."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import translation
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiParameter

from core.forms import FIRST_DAY, LAST_DAY, DayField
from core.parse import MAX_ID

ERROR_REF = {"$ref": "#/components/schemas/Error"}
# core.middleware.RefuseBadCharacters and core.input refuse NUL in any text.
NO_NUL = "^[^\\u0000]*$"
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "description": "Seconds to wait before trying again.",
    }
}
UNSAFE = {"post", "put", "patch", "delete"}


class CheckedSessionScheme(SessionScheme):
    """The session cookie, as for DRF's own session authentication."""

    target_class = "core.authentication.SessionAuthentication"


_DESCRIPTIONS = {
    400: "The request was refused: `errors` names each field and what to change.",
    403: "Not allowed: not signed in, no CSRF token, or not a role that may do this.",
    404: "Nothing with that id (or not one this person may see).",
    405: "Not a method this address answers (see Allow).",
    415: "The body must be JSON (application/json).",
    429: "Too many requests: wait Retry-After seconds.",
    503: "The search index is unavailable or being rebuilt: wait Retry-After seconds.",
}


def _values(field):
    """The values of a choice field, without the empty choice."""
    choices: Iterable[tuple[object, object]] = field.choices
    return [str(value) for value, _label in choices if value != ""]


def _field_schema(field) -> dict[str, Any]:
    """A form field as a parameter's JSON schema."""
    if isinstance(field, forms.TypedChoiceField) and field.coerce is int:
        return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    if isinstance(field, forms.MultipleChoiceField):
        return {"type": "array", "items": {"type": "string", "enum": _values(field)}}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": _values(field)}
    if isinstance(field, forms.IntegerField):
        schema: dict[str, Any] = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        return schema
    if isinstance(field, DayField):
        # JSON Schema has no bounds for dates: the pattern keeps them in the years DayField takes.
        return {
            "type": "string",
            "format": "date",
            "pattern": f"^[{FIRST_DAY.year // 1000}-{LAST_DAY.year // 1000}][0-9]{{3}}-",
        }
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def form_parameters(form_class, **descriptions):
    """Query parameters for an operation that checks them with `form_class`:
    types, bounds and choices from its fields, so they never drift apart."""
    parameters = []
    for name, field in form_class.base_fields.items():
        schema = _field_schema(field)
        with translation.override("en"):  # the schema is in English
            description = descriptions.get(name) or str(field.help_text or field.label or "")
        parameters.append(
            OpenApiParameter(
                name,
                schema,
                description=description,
                explode=True if schema["type"] == "array" else None,
            )
        )
    return parameters


def _refuse_nul(schema, components):
    """NUL is refused in every string a client sends: say so."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1])
        _refuse_nul(schema, components)
        return
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        schema.setdefault("pattern", NO_NUL)
    for key in ("items", "additionalProperties"):
        _refuse_nul(schema.get(key), components)
    for value in schema.get("properties", {}).values():
        _refuse_nul(value, components)


def _error(status):
    response = {
        "description": _DESCRIPTIONS.get(status, ""),
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if status in (429, 503):
        response["headers"] = dict(RETRY_AFTER)
    return response


def _shared_statuses(method, operation, components):
    """The error statuses every operation like this one can answer (and NUL
    refused in its parameters and body)."""
    statuses = {405, 429}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            statuses.add(404)  # core.urls.IdConverter: anything else does not match
        if parameter["in"] == "query":
            statuses.add(400)
            schema = parameter.get("schema", {})
            _refuse_nul(schema, components)
            if schema.get("type") == "string":
                schema.setdefault("minLength", 1)  # ActionErrorsMixin refuses empty ones
        if parameter["name"] == "page":
            statuses.add(404)  # a page past the last
    if "requestBody" in operation:
        statuses |= {400, 415}
        for media in operation["requestBody"].get("content", {}).values():
            _refuse_nul(media.get("schema"), components)
    if method in UNSAFE:
        statuses.add(403)  # the CSRF check, signed in or not
    return statuses


def shared_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation's shared error
    answers and limits, added where the view did not document them."""
    components = result.get("components", {}).get("schemas", {})
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_shared_statuses(method, operation, components)):
                responses.setdefault(str(status), _error(status))
            for status in ("429", "503"):
                if status in responses:
                    responses[status].setdefault("headers", dict(RETRY_AFTER))
    return result
