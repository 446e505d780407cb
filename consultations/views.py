from django.core.paginator import Paginator
from django.shortcuts import render

from consultations.models import public_consultations

SEARCH_PAGE_SIZE = 10
MAX_QUERY_LENGTH = 200


def search(request):
    """Search published consultations (Wagtail's page search backend)."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    # Double quotes mean nothing to this search, and a lone one is a syntax
    # error to SQLite's full-text engine (a 500 before).
    words = " ".join(query.replace('"', " ").split())
    results = public_consultations().search(words) if words else []
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consultations/search.html", {"query": query, "results": page})
