"""Text from the outside world, checked in one place: JSON bodies and
websocket frames (bounded nesting), and every string a client sends (no NUL
byte, which PostgreSQL refuses in text; no lone surrogate, which no
encoding can store). The API's parser, the sockets' frame reader and the
request middleware all ask here, so no view has to."""

import json

# Deeper than any request Puente expects (the deepest is a list of ids in an
# object); far below what makes Python's parser recurse out of stack.
MAX_JSON_DEPTH = 20


class BadInput(ValueError):
    """What is wrong with the input, in words for the client (English: the
    transports translate their own envelope)."""


def bad_character(text):
    """The name of the first character `text` must not contain, or None."""
    if "\x00" in text:
        return "NUL"
    if any("\ud800" <= char <= "\udfff" for char in text):
        return "lone surrogate"
    return None


def check_text(text):
    problem = bad_character(text)
    if problem:
        raise BadInput(f"Text may not contain a {problem} character.")
    return text


def _check_value(value, depth):
    if depth > MAX_JSON_DEPTH:
        raise BadInput(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            _check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, depth + 1)


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
            raise BadInput("The body is not UTF-8.") from error
    if _depth_before_parsing(text) > MAX_JSON_DEPTH:
        raise BadInput(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BadInput("The body is not valid JSON.") from error
    _check_value(value, 0)
    return value
