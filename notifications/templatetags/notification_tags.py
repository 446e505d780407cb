"""Where a notice leads, for its page and its e-mail."""

from django import template
from django.urls import reverse

from comments.links import permalink

register = template.Library()

RESPONSE_KINDS = {"response", "reported", "commitment"}


@register.simple_tag
def notice_path(notice):
    """The address (a path) of what `notice` is about, or "" when it leads
    nowhere (a comment no longer shown, a page no longer published)."""
    if notice.kind == "export":
        return reverse("privacy-my-data") + "#access"
    consultation = notice.about_consultation
    if consultation is None or not consultation.live:
        return ""
    url = consultation.get_url() or ""
    if not url:
        return ""
    if notice.kind in RESPONSE_KINDS:
        return f"{url}#response"
    if notice.comment_id and notice.shows_comment:
        return permalink(notice.comment_id)
    return url
