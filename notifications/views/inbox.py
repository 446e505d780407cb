"""Placeholder while this module is being written (issue 15)."""

from django.http import Http404


def _missing(*args, **kwargs):
    raise Http404


notifications = mark_all_read = preferences = unsubscribe = _missing
follow_consultation = follow_thread = _missing
