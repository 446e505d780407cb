"""The open-data links of a consultation, for its public page:
{% load open_data %}{% open_data_links page %}."""

from django import template
from django.utils import timezone

from comments import rules
from summaries.opendata import availability

register = template.Library()


@register.inclusion_tag("summaries/_open_data_links.html")
def open_data_links(page):
    """The links to the files and their explanation once they are available,
    or from when they will be; nothing for a page that is not public (a
    draft's preview, a private page), nor when the site does not publish
    them. One query (the view restrictions on the page and its ancestors)."""
    if page is None or page.pk is None or not rules.is_public(page):
        return {"show": False}
    state = availability(page, timezone.now())
    return {
        "show": state.available or state.available_from is not None,
        "consultation": page,
        "availability": state,
    }
