"""Authors are told about decisions on their comments: a notice on the site
(their notices page) and the same by e-mail, sent once the decision commits."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from moderation.models import Notice

logger = logging.getLogger(__name__)


def tell(user, kind, *, comment=None, reason="", hold_reason="", note="", now, email=True):
    """Leave `user` a notice; and e-mail it unless the caller sends one
    message for many notices (a block that hides all of a person's comments)."""
    notice = Notice.objects.create(
        user=user,
        comment=comment,
        kind=kind,
        reason=reason,
        hold_reason=hold_reason,
        note=note,
        created=now,
    )
    if email:
        transaction.on_commit(lambda: _email(notice), robust=True)
    return notice


def _email(notice):
    # The site speaks Spanish first; people have no language preference yet.
    with translation.override(settings.LANGUAGE_CODE):
        context = {"notice": notice, "site_url": settings.WAGTAILADMIN_BASE_URL}
        subject = render_to_string("moderation/email/notice_subject.txt", context).strip()
        body = render_to_string("moderation/email/notice_body.txt", context)
    try:
        send_mail(subject, body, None, [notice.user.email])
    except Exception as error:
        # The notice on the site stands; the mail server being down must
        # not undo a moderator's decision.
        logger.warning("could not e-mail notice %s: %r", notice.pk, error)
