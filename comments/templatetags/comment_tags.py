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
