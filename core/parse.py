"""Numbers from the outside world (URLs, query strings, form fields, JSON).

One rule for every id and counter a client sends: ASCII digits only (no
signs, spaces, underscores or other scripts' digits, which int() accepts),
and never past what both databases store. SQLite raises OverflowError on
integers of 2**63 and more instead of finding nothing."""

import re

# The largest value a signed 64-bit column (and SQLite) holds.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def as_int(value, *, minimum=0, maximum=MAX_ID):
    """`value` (a str of ASCII digits or an int) as an int in
    [minimum, maximum], else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def as_id(value):
    """A primary key a client sent, or None."""
    return as_int(value, minimum=1)
