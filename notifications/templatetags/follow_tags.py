"""The follow buttons of a consultation page: the consultation's, each
thread's, and the note under a comment just posted. `page_follows` reads,
in one query for the whole page, what the person follows among the page's
threads and the consultation; the buttons only read what it found (without
it they show nothing, rather than asking once per comment).

Comments (a lower app) cannot import this module; its templates load it
by name."""

from dataclasses import dataclass, field

from django import template
from django.urls import reverse

from notifications import follows

register = template.Library()


@dataclass
class PageFollows:
    """What the person viewing the page follows on it."""

    signed_in: bool = False
    consultation: bool = False
    threads: set[int] = field(default_factory=set)


def _thread_ids(context):
    """The top-level comments the page shows, and the thread of a comment
    just posted (its note offers to stop following it)."""
    threads = [thread for _anchor, thread in context.get("section_threads") or ()]
    threads += [thread for _anchor, thread in context.get("question_threads") or ()]
    threads.append(context.get("general_thread"))
    ids = [node.comment.pk for thread in threads if thread for node in thread.nodes]
    posted = context.get("just_posted") or {}
    if posted.get("thread"):
        ids.append(posted["thread"])
    return ids


@register.simple_tag(takes_context=True)
def page_follows(context, consultation):
    """{% page_follows page as follows %}: a PageFollows for the buttons
    below. One query when signed in, none otherwise."""
    user = context["request"].user
    if not user.is_authenticated:
        return PageFollows()
    found = follows.following(user, consultation=consultation, threads=_thread_ids(context))
    return PageFollows(
        signed_in=True,
        consultation=("consultation", consultation.pk) in found,
        threads={pk for kind, pk in found if kind == "thread"},
    )


def _next(context, fragment):
    request = context["request"]
    return f"{request.get_full_path()}#{fragment}"


def _base(context):
    return {"csrf_token": context.get("csrf_token"), "follows": context.get("follows")}


@register.inclusion_tag("notifications/follow_consultation.html", takes_context=True)
def follow_consultation_button(context, consultation):
    """Follow or stop following the consultation; a hint to sign in for
    anonymous people."""
    found = context.get("follows")
    request = context["request"]
    return {
        **_base(context),
        "signed_in": bool(found and found.signed_in),
        "following": bool(found and found.consultation),
        "action": reverse("follow-consultation", args=[consultation.pk]),
        "next": _next(context, "follow-consultation"),
        "sign_in_next": f"{request.path}#follow-consultation",
    }


@register.inclusion_tag("notifications/follow_thread.html", takes_context=True)
def follow_thread_button(context, comment):
    """Follow or stop following the thread `comment` (a top-level comment)
    starts: for signed-in people only. Its name says whose comment, when
    the page shows it (published, or the person's own held one), else when
    it was written: a tombstone's author is never told."""
    found = context.get("follows")
    if not (found and found.signed_in):
        return {"shown": False}
    user = context["request"].user
    shows_author = comment.is_published or (
        comment.status == "held" and comment.author_id == user.pk
    )
    return {
        **_base(context),
        "shown": True,
        "comment": comment,
        "shows_author": shows_author,
        "following": comment.pk in found.threads,
        "action": reverse("follow-thread", args=[comment.pk]),
        "next": _next(context, f"comment-{comment.pk}"),
    }


@register.inclusion_tag("notifications/posted_note.html", takes_context=True)
def posted_follow_note(context, comment):
    """Under a comment its author has just posted: its receipt number, what
    posting followed, and a one-click way to stop following each."""
    found = context.get("follows")
    posted = context.get("just_posted") or {}
    if not (found and found.signed_in) or posted.get("comment") != comment.pk:
        return {"shown": False}
    thread = posted.get("thread") or comment.pk
    return {
        **_base(context),
        "shown": True,
        "comment": comment,
        "folio": posted.get("folio", ""),
        "held": posted.get("held", False),
        "thread_followed": thread in found.threads,
        "consultation_followed": found.consultation,
        "thread_action": reverse("follow-thread", args=[thread]),
        "consultation_action": reverse("follow-consultation", args=[comment.consultation_id]),
        "next": _next(context, f"comment-{comment.pk}"),
    }
