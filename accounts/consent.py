"""Consent to the terms of use and the privacy notice: which versions are
current, whether a person still has to accept one, and recording that they
did. The `pages` app publishes versions; sign-up and the acceptance page
record consent; accounts/rules.py lets only people who accepted take part."""

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.utils import timezone

from accounts.models import Consent, PolicyKind, PolicyVersion


def required_generation():
    """The id of the newest version that requires acceptance (0: none). A
    person who accepted it, or a later one, is up to date."""
    return PolicyVersion.objects.filter(requires_acceptance=True).aggregate(n=Max("pk"))["n"] or 0


def is_pending(user):
    """Whether a signed-in person must accept a new version before taking
    part. One query per user object (cached on it): a page asks often."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_puente_consent_pending"):
        user._puente_consent_pending = required_generation() > user.accepted_policies
    return user._puente_consent_pending


def current_versions():
    """The newest version of each kind, by kind (absent kinds missing)."""
    newest: dict[str, PolicyVersion] = {}
    for version in PolicyVersion.objects.order_by("kind", "-number"):
        newest.setdefault(version.kind, version)
    return {kind: newest[kind] for kind in PolicyKind.values if kind in newest}


def generation_of(versions):
    """What a person who accepts `versions` (the newest of each kind) is up
    to date with: their newest id. Forms carry it, so that a version
    published while the form was open is never accepted unseen."""
    return max((v.pk for v in versions.values()), default=0)


def record(user, versions, *, now=None):
    """`user` accepts `versions` (current_versions()): one row per version,
    and their place in the sequence of required versions."""
    now = now or timezone.now()
    Consent.objects.bulk_create(
        [Consent(user=user, version=version, given_at=now) for version in versions.values()]
    )
    generation = generation_of(versions)
    if generation > user.accepted_policies:
        get_user_model().objects.filter(pk=user.pk).update(accepted_policies=generation)
        user.accepted_policies = generation
    user._puente_consent_pending = False


def publish_version(
    kind, *, title, url, page_id=None, revision_id=None, requires_acceptance, now=None
):
    """A new version of the terms or the notice; numbers count up per kind."""
    last = PolicyVersion.objects.filter(kind=kind).aggregate(n=Max("number"))["n"] or 0
    return PolicyVersion.objects.create(
        kind=kind,
        number=last + 1,
        title=title[:255],
        url=url[:500],
        page_id=page_id,
        revision_id=revision_id,
        published_at=now or timezone.now(),
        requires_acceptance=requires_acceptance,
    )
