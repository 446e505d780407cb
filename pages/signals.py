"""A published terms or privacy page is a new policy version (accounts)."""

from django.conf import settings
from django.dispatch import receiver
from django.utils import translation
from wagtail.models import Site
from wagtail.signals import page_published

from accounts.consent import publish_version
from accounts.models import PolicyKind
from pages.models import ContentPage, LegalPages


def policy_kind(page):
    """PolicyKind of `page` per the settings of its site, or None."""
    site = page.get_site() or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    legal = LegalPages.for_site(site)
    if page.pk == legal.terms_page_id:
        return PolicyKind.TERMS
    if page.pk == legal.privacy_page_id:
        return PolicyKind.PRIVACY
    return None


@receiver(page_published, sender=ContentPage)
def record_policy_version(sender, instance, revision=None, **kwargs):
    kind = policy_kind(instance)
    if kind is None:
        return
    # Stored in the site's language; forms translate it for their reader.
    with translation.override(settings.LANGUAGE_CODE):
        url = instance.url or ""
    publish_version(
        kind,
        title=instance.title,
        url=url,
        page_id=instance.pk,
        revision_id=revision.pk if revision is not None else None,
        requires_acceptance=instance.requires_acceptance,
    )
