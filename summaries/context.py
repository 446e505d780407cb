"""What a consultation page shows of its opinion groups (plugged into the
page by the setting PUENTE_CONSULTATION_PAGE_CONTEXT): once the consultation
is closed, the groups of the whole consultation as last computed, described
by their representative comments, never by who is in them."""

from consultations.status import Status
from summaries.opinion_views import load

CLOSED = (Status.CLOSED, Status.REPORTED)


def opinion_groups_context(page, request):
    """{"opinion_groups": the view of the stored groups} when the page is
    closed and they formed ("groups", or "one_group": most people reacted
    alike); None otherwise. Reads what is stored (and asks for a refresh
    when it is missing or stale), never computes."""
    if page.status not in CLOSED:
        return {"opinion_groups": None}
    groups = load(page, request=request, map_id="public-opinion-map")
    return {"opinion_groups": groups if groups.shown else None}
