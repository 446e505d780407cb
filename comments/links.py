"""Where a comment is: the question or section it answers, its permalink
(`/c/<id>/`, `/en/c/<id>/`: every link to a comment, on the site, in the
admin, in the API and in e-mails, is one) and the thread page that shows it,
where the permalink leads (comments/permalinks.py)."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comments.models import Comment
from comments.threads import THREADS_PER_PAGE, anchor_key, visible_to

PERMALINK = "comment-permalink"


def anchor_label(comment):
    if comment.question_id and comment.question is not None:
        return _("Question: %(text)s") % {"text": comment.question.text}
    if comment.section_id and comment.section is not None:
        return _("Section: %(text)s") % {"text": comment.section.heading}
    return ""


def _language():
    """The public site's language closest to the active one: English, or the
    default (the admin's "es" is the site's es-MX, at the root)."""
    active = translation.get_language() or settings.LANGUAGE_CODE
    return "en" if active.split("-")[0] == "en" else settings.LANGUAGE_CODE


def permalink(comment_id, language=None):
    """The comment's permanent address (a path), in `language` or the active
    one. Takes a comment or its id: no query."""
    pk = getattr(comment_id, "pk", comment_id)
    with translation.override(language or _language()):
        return reverse(PERMALINK, args=[pk])


def absolute_permalink(comment_id, language=None):
    """The permalink on the public address (SITE_URL), for e-mails and files."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + permalink(comment_id, language)


def thread_url(request, comment, consultation=None):
    """The link to a comment from any page (its permalink), or "" for none.
    `request` and `consultation` are accepted for the callers that had to
    pass them when the link was the page's address."""
    return permalink(comment) if comment is not None else ""


def thread_page(comment, user):
    """The page of its question's or section's threads (oldest first, the
    page's default order) that shows `comment`, with the threads' key:
    (key, page number), or None when the thread is not shown to `user` (its
    first comment held for someone else). Two queries at most."""
    root = comment
    if comment.root_id and comment.root_id != comment.pk:
        root = (
            Comment.objects.filter(visible_to(user), pk=comment.root_id)
            .only("pk", "created", "question_id", "section_id")
            .first()
        )
        if root is None:
            return None
    key = anchor_key(root.question_id, root.section_id)
    before = (
        Comment.objects.filter(
            visible_to(user),
            consultation_id=comment.consultation_id,
            parent__isnull=True,
            question_id=root.question_id,
            section_id=root.section_id,
        )
        .filter(Q(created__lt=root.created) | Q(created=root.created, pk__lt=root.pk))
        .count()
    )
    return key, before // THREADS_PER_PAGE + 1


def location(page_url, comment, key, page_number):
    """The consultation page's address that shows `comment`: the page of
    threads (`?thread=<key>&page=<n>` past the first) and its anchor."""
    query = f"?thread={key}&page={page_number}" if page_number > 1 else ""
    return f"{page_url}{query}#comment-{comment.pk}"
