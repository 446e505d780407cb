"""Placeholder while this module is being written (issue 15)."""

from core.api import not_found


class _Missing:
    @staticmethod
    def as_view():
        return not_found


Notifications = MarkRead = Unread = Preferences = FollowConsultation = FollowThread = _Missing
