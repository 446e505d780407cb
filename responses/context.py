"""What a consultation page shows of its response (plugged into the page by
the setting PUENTE_CONSULTATION_PAGE_CONTEXT)."""

from responses.actions import published_response


def response_context(page, request):
    # Only a reported consultation has a published response to show.
    return {"response": published_response(page) if page.reported_at else None}
