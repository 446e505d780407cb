"""The link at the foot of every e-mail that stops that kind of e-mail
without signing in: a signed token naming the person and the topic, valid
PUENTE_UNSUBSCRIBE_MAX_AGE seconds. It changes nothing but that one
preference, and using it again changes nothing."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

SALT = "puente.notifications.unsubscribe"


def token(person, topic):
    return signing.dumps({"u": person.pk, "t": str(topic)}, salt=SALT, compress=True)


def url(person, topic):
    """The link, in the person's language (the page it opens speaks it)."""
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    with translation.override(person.language):
        return base + reverse("notification-unsubscribe", args=[token(person, topic)])


def read(value):
    """(user id, topic) of a token that is genuine and unexpired, else None."""
    try:
        data = signing.loads(value, salt=SALT, max_age=settings.PUENTE_UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict):
        return None
    user_id, topic = data.get("u"), data.get("t")
    if not isinstance(user_id, int) or not isinstance(topic, str):
        return None
    return user_id, topic
