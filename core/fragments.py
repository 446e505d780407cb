"""Forms that answer JavaScript with a piece of page.

site/static/js/forms.js sends a page's forms with the header
`X-Puente-Fragment: 1`; the view then answers with the part of the page
that changed, drawn by the page's own templates (the comment, or the form
with its errors), with the action's status code, instead of redirecting.
Without the header, the same view redirects as a plain form does. The
answer carries the header too, so that forms.js can tell it from a page
(a sign-in redirect, Django's CSRF refusal) and fall back to sending the
form the plain way."""

from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers

FRAGMENT_HEADER = "X-Puente-Fragment"


def wants_fragment(request):
    """The form was sent by forms.js, which swaps the answer into the page."""
    return request.headers.get(FRAGMENT_HEADER) == "1"


def fragment(request, template, context, status=200):
    """`template` rendered alone, marked as a fragment, never cached."""
    response = TemplateResponse(request, template, context, status=status)
    response[FRAGMENT_HEADER] = "1"
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, [FRAGMENT_HEADER])
    return response
