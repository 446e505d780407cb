"""Where a comment is: the question or section it answers, and its address
in its thread on the public site."""

from django.utils.translation import gettext as _


def anchor_label(comment):
    if comment.question_id and comment.question is not None:
        return _("Question: %(text)s") % {"text": comment.question.text}
    if comment.section_id and comment.section is not None:
        return _("Section: %(text)s") % {"text": comment.section.heading}
    return ""


def thread_url(request, comment, consultation=None):
    """The comment in its thread on the public site. `consultation` when the
    caller has it loaded already (the queue's reviews join it)."""
    if comment is None:
        return ""
    url = (consultation or comment.consultation).get_url(request=request)
    return f"{url}#comment-{comment.pk}" if url else ""
