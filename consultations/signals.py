"""Listeners on Wagtail's extension points (no chains of model signals)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from consultations import socket_access
from consultations.actions import do_record_section_versions
from consultations.models import ConsultationPage
from core import fanout


@receiver(page_published, sender=ConsultationPage)
def record_section_versions(sender, instance, **kwargs):
    do_record_section_versions(instance)


# What live sockets' handshakes remember of a consultation (dates, whether
# anyone may read it) is forgotten in every server process when it may have
# changed: here at once, in the other processes through the control group.
# Closing and reopening are new dates, hence a publish; deleting a page
# unpublishes it first (wagtail.signal_handlers).
fanout.on_control(socket_access.CHANGED, socket_access.on_control)
# The control group was unreachable for a while: changes may have been missed.
fanout.on_control(fanout.RESYNC_TYPE, lambda event: socket_access.invalidate(None))


@receiver(page_published, sender=ConsultationPage)
@receiver(page_unpublished, sender=ConsultationPage)
def forget_live_access(sender, instance, **kwargs):
    socket_access.on_commit_invalidate(instance.pk)


# A move changes the ancestors whose view restrictions apply, to the moved
# page and everything under it; a restriction applies to a whole subtree.
# Both are rare: every consultation is forgotten.
@receiver(post_page_move)
def forget_live_access_on_move(sender, instance, **kwargs):
    socket_access.on_commit_invalidate(None)


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def forget_live_access_on_restriction(sender, instance, **kwargs):
    socket_access.on_commit_invalidate(None)
