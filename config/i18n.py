"""Language switching that works without JavaScript."""

from django.conf import settings
from django.urls import translate_url
from django.views.i18n import set_language as django_set_language

from accounts.language import do_set_language


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


def set_language(request):
    """Django's language switch, which also keeps a signed-in person's
    choice on their account: their e-mail follows it."""
    response = django_set_language(request)
    if request.method == "POST" and response.status_code in (302, 204):
        do_set_language(request.user, request.POST.get("language"))
    return response
