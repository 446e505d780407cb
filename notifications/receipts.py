"""The receipt of a contribution: its folio (Comment.folio), shown to its
author when they post it, and e-mailed to those who chose receipts by
e-mail (topic "receipt"), so that they can cite it to the municipality."""

from django.urls import reverse

from core import mail
from notifications import notify, preferences
from notifications.models import Delivery, Topic


def email_if_chosen(comment, now):
    """Inside the posting transaction: one query for the preference, and
    the outbox row when the author wants receipts by e-mail."""
    author = comment.author
    if not author.email or author.erased_at is not None:
        return None
    if preferences.deliveries([author.pk], Topic.RECEIPT)[author.pk] != Delivery.NOW:
        return None
    context = {
        **notify.email_context(author, Topic.RECEIPT),
        "comment": comment,
        "consultation": comment.consultation,
        "contributions_url": notify.site_url() + reverse("my-contributions"),
    }
    subject, body = mail.render("notifications/email/receipt", context, language=author.language)
    return mail.queue(
        author.email,
        subject,
        body,
        user=author,
        about="receipt",
        headers=notify.unsubscribe_headers(author, Topic.RECEIPT),
        now=now,
    )
