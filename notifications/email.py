"""The one e-mail path: every message Puente sends a person goes through
here, rendered in the site's language and sent after the caller's write
commits. A mail server that is down costs the e-mail, never the write: the
notice on the site stands."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def render(template, context):
    """(subject, body) from `template`_subject.txt and `template`_body.txt,
    in the site's language (people have no language preference yet)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    return subject, body


def send(addresses, subject, body, *, about=""):
    """One message per address (nobody sees another's), over one
    connection. `about` names what was sent, for the log."""
    messages = [EmailMessage(subject, body, None, [address]) for address in addresses if address]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception as error:
        logger.warning("could not e-mail %s: %r", about or subject, error)
        return 0


def on_commit(callback):
    """Run `callback` (which renders and sends) once the write commits."""
    transaction.on_commit(callback, robust=True)
