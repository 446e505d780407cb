"""What every Puente page in the Wagtail admin shares: a role check that
answers with a 403 page, a page within a section (breadcrumbs), and an
action's refusal as one line of a Wagtail message."""

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class RestrictedTo:
    """Only people `allowed(user)` get past; anyone else who reaches the
    admin gets a 403 page titled `refusal`, saying `refusal_detail`.
    Anonymous people and citizens never get this far: the admin's own check
    sends them to sign in."""

    refusal = ""
    refusal_detail = ""

    def allowed(self, user):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            return TemplateResponse(
                request,
                "core/forbidden.html",
                {
                    "header_title": self.refusal,
                    "page_title": self.refusal,
                    "refusal_detail": self.refusal_detail,
                },
                status=403,
            )
        # A mixin: the view class it is mixed into supplies dispatch.
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class SectionPage(WagtailAdminTemplateMixin, TemplateView):
    """An admin page within a section: breadcrumbs home › section › page."""

    section_url_name = ""
    section_label = ""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.section_url_name), "label": self.section_label},
            {"url": "", "label": self.get_page_title()},
        ]


def error_text(error):
    """A refused action (core.errors.ActionError) as one line for a Wagtail
    message: its message and its field errors."""
    details = [str(m) for messages_ in error.errors.values() for m in messages_]
    return " ".join([str(error.message), *details]) if details else str(error.message)


def comment_refusal(comment_id, error):
    """What was refused on one comment, for a Wagtail message: `error` is a
    ActionError or its text already."""
    text = error if isinstance(error, str) else error_text(error)
    return _("Comment %(id)s: %(error)s") % {"id": comment_id, "error": text}


def admin_page_named(data):
    """The admin page a form names in `next` to come back to, if it is one of
    ours (a path under /admin/ on this site); else ""."""
    target = data.get("next", "")
    if target.startswith("/admin/") and url_has_allowed_host_and_scheme(target, None):
        return target
    return ""
