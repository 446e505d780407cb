"""Telling a person something: a notice on the site (their notices page) and
the same by e-mail once the write commits. Moderation and responses call
these; they never send e-mail themselves."""

from django.conf import settings
from django.contrib.auth import get_user_model

from notifications import email as mail
from notifications.models import Notice


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
        mail.on_commit(lambda: _email_notice(notice))
    return notice


def _email_notice(notice):
    context = {"notice": notice, "site_url": settings.WAGTAILADMIN_BASE_URL}
    subject, body = mail.render("notifications/email/notice", context)
    mail.send([notice.user.email], subject, body, about=f"notice {notice.pk}")


def tell_many(notices, *, template, context):
    """Leave many people a notice each (one INSERT) and send them all the
    same e-mail, rendered once from `template` with `context` (a callable
    returning it, so that it is built only after the write commits)."""
    notices = Notice.objects.bulk_create(notices)
    user_ids = [notice.user_id for notice in notices]
    if user_ids:
        mail.on_commit(lambda: _email_people(user_ids, template, context))
    return notices


def _email_people(user_ids, template, context):
    addresses = list(
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    subject, body = mail.render(template, context())
    mail.send(addresses, subject, body, about=template)
