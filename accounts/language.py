"""The language a person reads Puente in, kept on their account so that
what is sent to them later (notifications, e-mail, digests) is written in
it: the language they signed up in, then the last one they chose."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

CODES = [code for code, _name in settings.LANGUAGES]


def supported(code):
    """`code` as one of LANGUAGES (es, es-MX, en-GB... map to ours), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def do_set_language(user, code):
    """Keep `code` as `user`'s language (one UPDATE, only when it changes)."""
    code = supported(code)
    if code is None or not user.is_authenticated or user.language == code:
        return
    get_user_model().objects.filter(pk=user.pk).update(language=code)
    user.language = code
