"""Who may write and publish a consultation's response and follow it up
(docs/roles.md, "Responses and follow-up"). The admin views and
responses/actions.py ask these."""

from accounts.roles import EDITOR, PLANNER, has_role
from accounts.rules import is_participant


def can_write_response(user):
    """Planners, and editors who write the consultations; a blocked account
    keeps no staff writing."""
    return is_participant(user) and (has_role(user, PLANNER) or has_role(user, EDITOR))


def is_closed(consultation, now):
    """Past its closing date (a reported consultation is closed too)."""
    return consultation.closes_at <= now


def can_publish_response(user, consultation, now):
    return can_write_response(user) and is_closed(consultation, now)
