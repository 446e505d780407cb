"""Who may read a consultation's summary (docs/roles.md, "Summaries")."""

from accounts.roles import EDITOR, PLANNER, has_role
from accounts.rules import is_participant


def can_read_summary(user):
    """Planners, and editors who write the consultations; blocked accounts
    keep no staff reading either."""
    return is_participant(user) and (has_role(user, PLANNER) or has_role(user, EDITOR))
