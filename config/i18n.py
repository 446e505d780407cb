"""Language switching that works without JavaScript."""

from django.conf import settings
from django.urls import translate_url


def language_switch(request):
    """The current page's address in the default language, for the switch form.

    Django's set_language view translates `next` while the default language is
    active (non-prefixed URL), so an English address such as /en/consultas/
    would be read as a page called "en"; handing it the default-language
    address lets it translate to any language.
    """
    return {
        "language_switch_next": translate_url(request.get_full_path(), settings.LANGUAGE_CODE),
        # Editors write in the default language (content is not translated):
        # content marked with it is read correctly on English pages too.
        "content_language": settings.LANGUAGE_CODE,
    }
