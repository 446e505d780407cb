"""The open data of a consultation (summaries/opendata.py), in public: the
CSV and JSON files, and the page that explains them.

A consultation that is not public (draft, private, unknown id) is a 404 for
all three. A public one whose files are not available yet answers 403 with
a message that says from when (an HTML page for the CSV, JSON for the JSON):
the consultation exists and is linked from its page, so "not found" would be
untrue, and unlike a 404 a 403 is not cached by browsers and proxies on their
own, so nobody keeps seeing the refusal once the files are out."""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from comments import actions
from core.errors import NotFound
from core.throttles import limit_exports
from summaries import opendata

# Seconds a browser or proxy may keep the files of a closed consultation:
# its comments no longer change, but moderation may still hide one.
FINAL_MAX_AGE = 300
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def _consultation(consultation_id):
    try:
        return actions.access_public_consultation(consultation_id)
    except NotFound as error:
        raise Http404(str(error.message)) from error


def unavailable_message(state):
    if state.available_from is None:
        return _("This site does not publish the comments of this consultation as open data.")
    when = date_format(timezone.localtime(state.available_from), "DATETIME_FORMAT")
    return _(
        "The comments of this consultation will be available as open data from %(date)s, "
        "once it has closed."
    ) % {"date": when}


def _streamed(request, chunks):
    """Under ASGI, an asynchronous iterator that takes each chunk in the
    request's thread (a synchronous one would be read whole into memory by
    Django before the first byte goes out); under WSGI, the chunks as they are."""
    if not isinstance(request, ASGIRequest):
        return chunks
    next_chunk = sync_to_async(next, thread_sensitive=True)

    async def chunks_async():
        while (chunk := await next_chunk(chunks, None)) is not None:
            yield chunk

    return chunks_async()


def _export(request, consultation_id, kind):
    consultation = _consultation(consultation_id)
    now = timezone.now()
    state = opendata.availability(consultation, now)
    if not state.available:
        return _refuse(request, consultation, state, kind)
    if kind == "csv":
        chunks = opendata.iter_csv(consultation)
    else:
        chunks = opendata.iter_json(
            consultation,
            url=request.build_absolute_uri(consultation.get_url(request)),
            status=consultation.status_at(now),
            generated=now,
        )
    response = StreamingHttpResponse(_streamed(request, chunks), content_type=FORMATS[kind])
    response["Content-Disposition"] = content_disposition_header(
        True, f"{consultation.slug}-comments.{kind}"
    )
    if state.final:
        patch_cache_control(response, public=True, max_age=FINAL_MAX_AGE)
    else:
        # Still open (PUENTE_OPEN_DATA_AVAILABLE = "always"): always fresh.
        patch_cache_control(response, no_cache=True)
    return response


def _refuse(request, consultation, state, kind):
    message = unavailable_message(state)
    if kind == "json":
        response = JsonResponse(
            {
                "detail": message,
                "available_from": (
                    state.available_from.isoformat() if state.available_from else None
                ),
            },
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = _page(request, consultation, state, status=403)
    add_never_cache_headers(response)
    return response


def _page(request, consultation, state, status=200):
    return render(
        request,
        "summaries/open_data.html",
        {
            "consultation": consultation,
            "availability": state,
            "unavailable_message": None if state.available else unavailable_message(state),
            "comment_count": opendata.count(consultation) if state.available else None,
            "fields": opendata.FIELDS,
            "licence": opendata.licence(),
            "pseudonym_length": opendata.PSEUDONYM_LENGTH,
            "theme_separator": opendata.THEME_SEPARATOR,
        },
        status=status,
    )


@require_safe
@limit_exports
def export_csv(request, consultation_id):
    return _export(request, consultation_id, "csv")


@require_safe
@limit_exports
def export_json(request, consultation_id):
    return _export(request, consultation_id, "json")


@require_safe
def open_data(request, consultation_id):
    """The page that explains the files: their fields, the pseudonyms, the
    licence, and the links once they are available."""
    consultation = _consultation(consultation_id)
    return _page(request, consultation, opendata.availability(consultation, timezone.now()))
