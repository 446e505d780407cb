"""Writes for consultations beyond what the Wagtail editor saves itself."""

from django.db import transaction
from django.utils import timezone

from consultations.models import SectionVersion


@transaction.atomic
def do_record_section_versions(page, now=None):
    """Mark the sections of a just-published page whose text changed.

    A section seen for the first time gets a version dated now, as does one
    whose heading or text differs from its last published version.
    """
    now = now or timezone.now()
    sections = list(page.sections.all())
    versions = SectionVersion.objects.in_bulk([s.pk for s in sections])
    created, changed = [], []
    for section in sections:
        fingerprint = section.fingerprint()
        version = versions.get(section.pk)
        if version is None:
            created.append(SectionVersion(section=section, fingerprint=fingerprint, changed_at=now))
        elif version.fingerprint != fingerprint:
            version.fingerprint, version.changed_at = fingerprint, now
            changed.append(version)
    SectionVersion.objects.bulk_create(created)
    SectionVersion.objects.bulk_update(changed, ["fingerprint", "changed_at"])
    return created, changed
