from django import template

from comments.text import render_body

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter(name="render_body")
def render_body_filter(text):
    return render_body(text)


@register.filter
def stance_count(comment, stance):
    return getattr(comment, f"{stance}_count", 0)


@register.filter
def changed_since(section_changed_at, comment):
    """The section this comment is on changed after it was written."""
    changed = section_changed_at.get(comment.section_id) if comment.section_id else None
    return bool(changed and changed > comment.created)


@register.simple_tag
def form_key(parent=None, key=""):
    """The id of a comment form: its anchor, or `reply-<id>` for a reply."""
    return f"reply-{parent.pk}" if parent else key


@register.simple_tag
def anchor(question=None, section=None):
    from comments.threads import anchor_key

    return anchor_key(getattr(question, "pk", None), getattr(section, "pk", None))


@register.simple_tag
def edit_form_key(comment):
    return f"edit-{comment.pk}"


@register.simple_tag
def comment_form_key(comment):
    """The key of a refusal about the comment itself (a reaction, a deletion)."""
    return f"comment-{comment.pk}"


@register.simple_tag
def datetime_display():
    """What live.js needs to write a date as the server does (DATETIME_FORMAT
    of the active language, in the site's time zone): the format, the month
    names and the a.m./p.m. words, as data attributes of #live-config."""
    from django.utils import dates, formats, timezone
    from django.utils.html import format_html
    from django.utils.translation import gettext

    months = "|".join(str(dates.MONTHS[number]) for number in range(1, 13))
    return format_html(
        ' data-datetime-format="{}" data-months="{}" data-meridiem="{}" data-time-zone="{}"',
        formats.get_format("DATETIME_FORMAT"),
        months,
        "|".join([gettext("a.m."), gettext("p.m."), gettext("AM"), gettext("PM")]),
        timezone.get_current_timezone_name(),
    )
