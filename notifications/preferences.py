"""How each person wants to hear about each topic: their choice if they
made one (a `Preference` row), else the site's default
(PUENTE_NOTIFICATION_DEFAULTS)."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid
from notifications.models import Delivery, Preference, Topic

# A receipt is about one comment just posted: a digest of receipts is no receipt.
CHOICES = {topic: list(Delivery.values) for topic in Topic.values}
CHOICES[Topic.RECEIPT] = [Delivery.SITE, Delivery.NOW]


def default(topic):
    return settings.PUENTE_NOTIFICATION_DEFAULTS[topic]


def deliveries(user_ids, topic):
    """{user id: delivery} for `topic`, one query whatever their number."""
    chosen = dict(
        Preference.objects.filter(user_id__in=list(user_ids), topic=topic).values_list(
            "user_id", "delivery"
        )
    )
    fallback = default(topic)
    return {user_id: chosen.get(user_id, fallback) for user_id in user_ids}


def of(user):
    """{topic: delivery} for every topic, for the preferences form."""
    chosen = dict(Preference.objects.filter(user=user).values_list("topic", "delivery"))
    return {topic: chosen.get(topic, default(topic)) for topic in Topic.values}


def check(values):
    """{topic: delivery} from what a person sent; every topic must be
    present with one of its choices, else Invalid naming each field."""
    errors: dict[str, list] = {}
    cleaned = {}
    if not isinstance(values, dict):
        raise Invalid({"preferences": [_("Choose how to hear about each topic.")]})
    unknown = sorted(set(values) - set(Topic.values))
    for key in unknown:
        errors[str(key)[:40]] = [_("There is no such topic.")]
    for topic in Topic.values:
        value = values.get(topic)
        if value not in CHOICES[topic]:
            errors[topic] = [_("Choose one of the options.")]
        else:
            cleaned[topic] = value
    if errors:
        raise Invalid(errors)
    return cleaned


@transaction.atomic
def do_save(user, values):
    """Store `user`'s choices (validated by `check`): a row per topic that
    differs from the default, none for the others. Returns the choices."""
    cleaned = check(values)
    Preference.objects.filter(user=user).delete()
    Preference.objects.bulk_create(
        Preference(user=user, topic=topic, delivery=delivery)
        for topic, delivery in cleaned.items()
        if delivery != default(topic)
    )
    return cleaned


@transaction.atomic
def do_stop_email(user, topic):
    """No more e-mail about `topic` (the unsubscribe link): on the site only.
    Returns False when it already was (nothing changed)."""
    if of(user)[topic] == Delivery.SITE:
        return False
    Preference.objects.update_or_create(
        user=user, topic=topic, defaults={"delivery": Delivery.SITE}
    )
    return True
