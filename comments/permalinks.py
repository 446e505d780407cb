"""A comment's permalink, `/c/<id>/` (and `/en/c/<id>/`): a redirect (302)
to the consultation page, at the page of threads that shows the comment,
with its anchor. Whoever may not see the comment there gets 404, as the page
would not show it: someone else's held comment (its author and the moderators
see it), a consultation that is not published or has a view restriction.
Deleted, hidden and removed comments are tombstones in their threads, so
their permalink leads there too. A constant number of queries."""

from django.http import Http404
from django.shortcuts import redirect

from comments import actions, links
from core.errors import NotFound


def comment_permalink(request, comment_id):
    try:
        comment = actions.access_comment(request.user, comment_id)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    page_url = comment.consultation.get_url(request=request)
    where = links.thread_page(comment, request.user)
    if not page_url or where is None:
        raise Http404()
    return redirect(links.location(page_url, comment, *where))
