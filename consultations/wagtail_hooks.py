"""The page editor: the tag fields' typed-in input gets its field's label
(site/static/js/admin-tags.js; Wagtail's tag widget leaves it unnamed)."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_editor_js")
def label_tag_inputs():
    return format_html('<script src="{}" defer></script>', static("js/admin-tags.js"))
