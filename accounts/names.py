"""Display names: what a person may be called next to their comments. One
check for sign-up and for correcting the name later (rectification).

Reserved names: nobody may take the name of a staff account, of an office
that answers a consultation, or of the site's institutions (the setting
PUENTE_RESERVED_NAMES), nor one that only looks like it (same skeleton,
accounts/confusables.py)."""

import unicodedata

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.confusables import skeleton, words
from accounts.models import User
from accounts.roles import ADMIN_ROLES

MAX_LENGTH = 60
MIN_LENGTH = 2
# Control and format characters (right-to-left overrides, zero-width
# joiners), private-use and unpaired surrogates, line and paragraph
# separators: invisible, or able to make a name read as something else.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
# Invisible too, outside those categories: the Hangul fillers (letters that
# draw nothing), the braille blank, the combining grapheme joiner and the
# Khmer inherent vowels. Favourites for names that look empty, or that look
# exactly like someone else's.
_BLANKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


def clean_display_name(raw, user=None):
    """The name to store, or forms.ValidationError saying what to change.

    `user`: whose name it is, when they correct it; a name that reads as
    their current one is never refused as reserved (they may fix its case
    or accents, even when it is an office's or their own staff name)."""
    name = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if name and not any(_is_visible(char) for char in name):
        raise forms.ValidationError(
            _("This name would look blank. Use visible letters or numbers."), code="blank"
        )
    if any(_is_invisible(char) for char in name):
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
    if is_reserved(name, user):
        raise forms.ValidationError(
            _(
                "This name is reserved for the site's staff or offices, or looks too much "
                "like one of theirs. Choose another."
            ),
            code="reserved",
        )
    return name


def is_reserved(name, user=None):
    """Whether `name` reads as a reserved one (see the module docstring).
    The lists in the setting first; then one query for the staff's names
    and one per source (the offices)."""
    key = skeleton(name)
    if not key or (user is not None and key == skeleton(user.display_name)):
        return False
    config = settings.PUENTE_RESERVED_NAMES
    # Role words claim a role wherever they stand: "Moderadora Ana".
    role_words = {skeleton(word) for word in config["words"]}
    if key in role_words or role_words.intersection(words(name)):
        return True
    if key in {skeleton(reserved) for reserved in config["names"]}:
        return True
    sources = [staff_names, *map(import_string, config["sources"])]
    return any(skeleton(reserved) == key for source in sources for reserved in source())


def staff_names():
    """The display names of everyone with a staff role or flag."""
    staff = Q(groups__name__in=ADMIN_ROLES) | Q(is_staff=True) | Q(is_superuser=True)
    return User.objects.filter(staff).values_list("display_name", flat=True).distinct()


def _is_invisible(char):
    return unicodedata.category(char) in _REFUSED_CATEGORIES or char in _BLANKS


def _is_visible(char):
    # Letters, digits, punctuation and symbols draw something; spaces and
    # combining marks alone do not.
    return unicodedata.category(char)[0] in "LNPS" and char not in _BLANKS
