from django import template

from pages.models import LegalPages

register = template.Library()


@register.simple_tag(takes_context=True)
def legal_links(context):
    """The footer's links to the legal and help pages (one query, with the
    settings row: LegalPages.select_related)."""
    request = context.get("request")
    if request is None:
        return []
    return LegalPages.for_request(request).links(request)
