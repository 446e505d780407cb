"""Text from the outside world, checked in one place: JSON bodies and
websocket frames (bounded nesting), and every string a client sends (no NUL
byte, which PostgreSQL refuses in text; no lone surrogate, which no
encoding can store). The API's parser, the sockets' frame reader and the
request middleware all ask here, so no view has to."""

import json
import re

from django.utils.translation import gettext as _

# Deeper than any request Puente expects (the deepest is a list of ids in an
# object); far below what makes Python's parser recurse out of stack.
MAX_JSON_DEPTH = 20


_SURROGATE = re.compile("[\ud800-\udfff]")


class BadInput(ValueError):
    """What is wrong with the input, in words for the client; `field`: the
    top-level key it was found under, when there is one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def bad_character(text):
    """Why `text` must be refused (its first forbidden character, named for
    the client), or None."""
    if "\x00" in text:
        return _("Text may not contain a NUL character.")
    if _SURROGATE.search(text):
        return _("Text may not contain a lone surrogate (an incomplete character).")
    return None


def check_text(text):
    problem = bad_character(text)
    if problem:
        raise BadInput(problem)
    return text


def too_deep():
    return _("JSON may not be nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}


def _check_value(value, top=True):
    """NUL and lone surrogates anywhere in a parsed value (its nesting was
    bounded before parsing, by _depth_before_parsing)."""
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            try:
                _check_value(item, top=False)
            except BadInput as error:
                # Named after the outermost key: the field the client sent.
                raise BadInput(str(error), key if top else error.field) from None
    elif isinstance(value, list):
        for item in value:
            _check_value(item, top=False)


def _depth_before_parsing(text):
    """The deepest nesting of brackets outside strings: refused before
    json.loads would recurse into it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(text):
    """`text` parsed as JSON, or BadInput: malformed, nested too deep, or
    holding a NUL or a lone surrogate anywhere (keys included)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadInput(_("The body is not UTF-8.")) from error
    if _depth_before_parsing(text) > MAX_JSON_DEPTH:
        raise BadInput(too_deep())
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BadInput(_("The body is not valid JSON.")) from error
    _check_value(value)
    return value
