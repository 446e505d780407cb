"""Listeners on Wagtail's extension points (no chains of model signals)."""

from django.dispatch import receiver
from wagtail.signals import page_published

from consultations.actions import do_record_section_versions
from consultations.models import ConsultationPage


@receiver(page_published, sender=ConsultationPage)
def record_section_versions(sender, instance, **kwargs):
    do_record_section_versions(instance)
