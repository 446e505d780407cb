"""Display names: what a person may be called next to their comments. One
check for sign-up and for correcting the name later (rectification)."""

import unicodedata

from django import forms
from django.utils.translation import gettext as _

MAX_LENGTH = 60
MIN_LENGTH = 2
# Control and format characters (right-to-left overrides, zero-width
# joiners), private-use and unpaired surrogates, line and paragraph
# separators: invisible, or able to make a name read as something else.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}


def clean_display_name(raw):
    """The name to store, or forms.ValidationError saying what to change."""
    name = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in name):
        raise forms.ValidationError(
            _("A display name cannot contain invisible or control characters."), code="control"
        )
    if "<" in name or ">" in name:
        raise forms.ValidationError(
            _("A display name cannot contain the characters < or >."), code="markup"
        )
    # Full-width and other look-alike at signs fold to "@" under NFKC.
    if "@" in unicodedata.normalize("NFKC", name):
        raise forms.ValidationError(
            _("A display name cannot contain an e-mail address."), code="email"
        )
    if len(name) < MIN_LENGTH:
        raise forms.ValidationError(_("Use at least two characters."), code="short")
    if len(name) > MAX_LENGTH:
        raise forms.ValidationError(
            _("Use at most %(max)d characters.") % {"max": MAX_LENGTH}, code="long"
        )
    return name
