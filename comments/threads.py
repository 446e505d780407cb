"""What a consultation page shows of its discussion: per question and section,
a page of threads with their replies, in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from accounts.rules import is_participant, refusal_html
from comments import thread_cache
from comments.models import Comment, CommentStatus, ConsultationActivity, Reaction
from core.parse import as_id

THREADS_PER_PAGE = 20
MAX_DISPLAY_DEPTH = 3
# The discussion of comments whose question or section the draft no longer has.
GENERAL_TITLE = _("Comments on parts no longer in the draft")
# Deleted, hidden and removed comments stay in their threads as tombstones
# (no text, no author), so that their replies keep their place. Held comments
# are shown to their author only, marked "awaiting review".
VISIBLE = [
    CommentStatus.PUBLISHED,
    CommentStatus.DELETED,
    CommentStatus.HIDDEN,
    CommentStatus.REMOVED,
]


def visible_to(user):
    """The filter for comments `user` may see in threads."""
    shown = Q(status__in=VISIBLE)
    if user.is_authenticated:
        shown |= Q(status=CommentStatus.HELD, author_id=user.pk)
    return shown


# sort key -> ordering of top-level comments (ties: oldest first)
SORTS = {
    "oldest": ["created", "pk"],
    "newest": ["-created", "-pk"],
    "agreed": ["-agree_count", "created", "pk"],
    "discussed": ["-reply_count", "created", "pk"],
}
DEFAULT_SORT = "oldest"
SORT_LABELS = [
    ("oldest", _("Oldest first")),
    ("newest", _("Newest first")),
    ("agreed", _("Most agreed")),
    ("discussed", _("Most discussed")),
]


def anchor_key(question_id=None, section_id=None):
    if question_id:
        return f"question-{question_id}"
    if section_id:
        return f"section-{section_id}"
    return "general"


@dataclass
class Node:
    comment: Comment
    children: list = field(default_factory=list)
    # Set on replies shown flat below the display depth cap.
    reply_to: Comment | None = None


@dataclass
class Thread:
    key: str
    count: int = 0
    nodes: list = field(default_factory=list)
    page: object = None


def _order(sort):
    return [F(f[1:]).desc() if f.startswith("-") else F(f).asc() for f in SORTS[sort]]


# Changes one catch-up answer holds at most (the client asks again after).
CHANGES_LIMIT = 500


def changes_after(consultation, after):
    """(the visible comments changed after cursor `after`, in change order,
    at most CHANGES_LIMIT; the cursor the client is at once it applied
    them). The same for every reader: the catch-up of the JSON API and of a
    live socket (comments/catch_up.py)."""
    # Read the cursor first: every change up to it has committed, so when
    # fewer than a page remain the client may jump to it (past changes it
    # must not see, such as held comments).
    cursor = current_cursor(consultation)
    changed = list(
        Comment.objects.filter(
            consultation_id=consultation.pk, seq__gt=after, seq__lte=cursor, status__in=VISIBLE
        )
        .select_related("author")
        .order_by("seq")[: CHANGES_LIMIT + 1]
    )
    if len(changed) > CHANGES_LIMIT:
        changed = changed[:CHANGES_LIMIT]
        return changed, changed[-1].seq
    return changed, max(cursor, after)


def current_cursor(consultation):
    return stored_cursor(consultation) or 0


def stored_cursor(consultation):
    """The consultation's cursor, None when no comment was ever written
    through comments/actions.py."""
    return (
        ConsultationActivity.objects.filter(pk=consultation.pk)
        .values_list("last_seq", flat=True)
        .first()
    )


def load_threads(consultation, user, *, sort=DEFAULT_SORT, expanded=None, page_number=1):
    """{anchor key: Thread} for the page; `expanded` names the anchor whose
    threads are paginated at `page_number` (the others show their first page).
    Also returns the user's reactions {comment id: stance}."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    visible = Comment.objects.filter(visible_to(user), consultation=consultation)
    counts = visible.values("question_id", "section_id").annotate(n=Count("pk"))
    threads = {}
    for row in counts:
        key = anchor_key(row["question_id"], row["section_id"])
        threads.setdefault(key, Thread(key)).count += row["n"]

    top_level = visible.filter(parent__isnull=True)
    roots = list(
        top_level.annotate(
            position=Window(
                RowNumber(), partition_by=[F("question_id"), F("section_id")], order_by=_order(sort)
            )
        )
        .filter(~_expanded_filter(expanded), position__lte=THREADS_PER_PAGE)
        .select_related("author")
        .order_by("position")
    )
    if expanded:
        question_id, section_id = _anchor_ids(expanded)
        expanded_roots = top_level.filter(question_id=question_id, section_id=section_id)
        page = Paginator(
            expanded_roots.select_related("author").order_by(*SORTS[sort]), THREADS_PER_PAGE
        ).get_page(page_number)
        roots += list(page.object_list)
        threads.setdefault(expanded, Thread(expanded)).page = page

    replies = (
        visible.filter(root_id__in=[r.pk for r in roots], parent__isnull=False)
        .select_related("author")
        .order_by("created", "pk")
    )
    by_parent = defaultdict(list)
    for reply in replies:
        by_parent[reply.parent_id].append(reply)
    for root in roots:
        key = anchor_key(root.question_id, root.section_id)
        threads.setdefault(key, Thread(key)).nodes.append(_tree(root, by_parent))
    shown = [r.pk for r in roots] + [c.pk for cs in by_parent.values() for c in cs]
    mine = {}
    if user.is_authenticated and shown:
        mine = dict(
            Reaction.objects.filter(user=user, comment_id__in=shown).values_list(
                "comment_id", "stance"
            )
        )
    return threads, mine


def _anchor_ids(key):
    kind, _, pk = key.partition("-")
    pk = as_id(pk)
    return (pk, None) if kind == "question" else (None, pk)


def _expanded_filter(expanded):
    if not expanded:
        return Q(pk__in=[])
    question_id, section_id = _anchor_ids(expanded)
    return Q(question_id=question_id, section_id=section_id)


def _tree(root, by_parent):
    node = Node(root)
    _attach(node, by_parent, depth=1)
    return node


def _attach(node, by_parent, depth):
    for child in by_parent.get(node.comment.pk, []):
        if depth < MAX_DISPLAY_DEPTH:
            child_node = Node(child)
            node.children.append(child_node)
            _attach(child_node, by_parent, depth + 1)
        else:
            # Deeper replies are shown flat under the last level, in time order.
            _flatten(node, child, node.comment, by_parent)


def _flatten(holder, comment, reply_to, by_parent):
    holder.children.append(Node(comment, reply_to=reply_to))
    for child in by_parent.get(comment.pk, []):
        _flatten(holder, child, comment, by_parent)
    holder.children.sort(key=lambda n: (n.comment.created, n.comment.pk))


DRAFT_SESSION_KEY = "comment_draft"
# The comment the person has just posted through the form, so that the page
# says, next to it, what posting followed for them (once).
POSTED_SESSION_KEY = "comment_posted"
# What a plain form's write did ("Your comment was updated."), shown once next
# to the comment it did it to: {"consultation", "comment", "text"}.
NOTICE_SESSION_KEY = "comment_notice"


def posting_interval(user, now):
    """The seconds `user` must leave between two posts when that interval is
    stricter than everyone's (a new account), else 0: the form says so
    before the rule bites (comments.actions.check_rate_limit applies it)."""
    from datetime import timedelta

    from django.conf import settings

    if not user.is_authenticated:
        return 0
    limits = settings.PUENTE_COMMENT_RATE_LIMITS
    if now - user.date_joined >= timedelta(days=limits["new_account_days"]):
        return 0
    interval = limits["new_account_interval"]
    return interval if interval > limits["interval"] else 0


def reply_anchor(consultation, user, comment_id):
    """The anchor key of the discussion holding the comment replied to (its
    thread's own form gives way to the reply form), or None."""
    if not comment_id:
        return None
    found = (
        Comment.objects.filter(visible_to(user), consultation=consultation, pk=comment_id)
        .values_list("question_id", "section_id")
        .first()
    )
    return anchor_key(*found) if found else None


def comment_context(request, comment, *, notice=None, draft=None, posted=False):
    """What comments/comment.html needs to draw one comment alone (the
    answer to a form sent by JavaScript), as the page would draw it."""
    from django.utils import timezone

    from comments import rules
    from comments.models import Stance

    user = request.user
    mine = {}
    if user.is_authenticated:
        mine = dict(
            Reaction.objects.filter(user=user, comment_id=comment.pk).values_list(
                "comment_id", "stance"
            )
        )
    level = comment.depth + 1
    reply_to = None
    if level > MAX_DISPLAY_DEPTH:
        # Shown flat under the last level, naming whom it answers.
        level, reply_to = MAX_DISPLAY_DEPTH + 1, comment.parent
    section_changed_at = {}
    if comment.section_id:
        section = comment.section
        section_changed_at = {section.pk: section.changed_at}
    consultation = comment.consultation
    return {
        "page": consultation,
        "node": Node(comment, reply_to=reply_to),
        "level": level,
        "my_reactions": mine,
        "can_post": rules.can_post(user, consultation, timezone.now()),
        "stances": Stance.choices,
        "section_changed_at": section_changed_at,
        "sort": DEFAULT_SORT,
        "reply_to": None,
        "draft": draft,
        "notice": {"comment": comment.pk, "text": notice} if notice else None,
        # The follow button of its thread, and the note under a new comment.
        "just_posted": {
            "thread": comment.root_id,
            "comment": comment.pk if posted else None,
            "folio": comment.folio,
            "held": comment.status == CommentStatus.HELD,
        },
        "max_display_depth": MAX_DISPLAY_DEPTH,
    }


def discussion_context(consultation, request):
    """Template context for a consultation page's threads and forms."""
    from django.utils import timezone

    from comments import rules
    from comments.models import Stance

    now = timezone.now()
    # The cursor is read before the threads: a write in between is re-sent live.
    stored = stored_cursor(consultation)
    cursor = stored or 0
    sort = request.GET.get("sort", DEFAULT_SORT)
    sort = sort if sort in SORTS else DEFAULT_SORT
    expanded = request.GET.get("thread") or None
    if expanded and not _valid_anchor(consultation, expanded):
        expanded = None
    page_number = request.GET.get("page", 1)
    session = getattr(request, "session", {})
    draft = session.pop(DRAFT_SESSION_KEY, None)
    if draft and draft.get("consultation") != consultation.pk:
        draft = None
    just_posted = session.pop(POSTED_SESSION_KEY, None)
    if just_posted and just_posted.get("consultation") != consultation.pk:
        just_posted = None
    notice = session.pop(NOTICE_SESSION_KEY, None)
    if notice and notice.get("consultation") != consultation.pk:
        notice = None
    # The one comment whose reply form is shown (`?reply=<id>`): one form per
    # comment would make a long page several times heavier.
    reply = request.GET.get("reply", "")
    reply_to = as_id(reply)
    sections = consultation.ordered_sections
    accepts_comments = rules.accepts_comments(consultation, now)
    context = {
        "section_changed_at": {s.pk: s.changed_at for s in sections},
        "live_cursor": cursor,
        "sort": sort,
        "sorts": SORT_LABELS,
        "can_post": rules.can_post(request.user, consultation, now),
        # Signed in but not taking part (blocked, or terms to accept): why, with the way out.
        "participation_refusal": (
            refusal_html(request.user, back=request.get_full_path())
            if request.user.is_authenticated and not is_participant(request.user)
            else ""
        ),
        "accepts_comments": accepts_comments,
        "draft": draft,
        "just_posted": just_posted,
        "notice": notice,
        "reply_to": reply_to,
        "reply_anchor": reply_anchor(consultation, request.user, reply_to),
        "posting_interval": posting_interval(request.user, now),
        "stances": Stance.choices,
        "max_display_depth": MAX_DISPLAY_DEPTH,
    }

    def load():
        threads, mine = load_threads(
            consultation, request.user, sort=sort, expanded=expanded, page_number=page_number
        )
        return threads, {**context, "my_reactions": mine}

    cache_page = as_id(page_number) if expanded else 1
    key = None
    shared = stored is not None and not (draft or just_posted or notice)
    if shared and thread_cache.cacheable(request, page_number=cache_page):
        key = thread_cache.variant(
            consultation,
            request,
            section_changed_at=context["section_changed_at"],
            accepts_comments=accepts_comments,
            sort=sort,
            expanded=expanded,
            page_number=cache_page,
        )
    if key is None:
        threads, context = load()
    else:

        def render():
            threads, page_context = load()
            return thread_cache.render_threads(
                request, page_context, _titled_threads(consultation, threads)
            )

        cursor, html = thread_cache.rendered(key, cursor, render)
        threads = {anchor: thread_cache.RenderedThread(text) for anchor, text in html.items()}
        context = {**context, "live_cursor": cursor, "my_reactions": {}}
    return {
        **context,
        "section_threads": [(s, threads.get(anchor_key(section_id=s.pk))) for s in sections],
        "question_threads": [
            (q, threads.get(anchor_key(question_id=q.pk))) for q in consultation.ordered_questions
        ],
        "general_thread": threads.get("general"),
    }


def _titled_threads(consultation, threads):
    """(anchor key, title, thread) for every discussion the page shows, as
    consultation_page.html includes them."""
    titled = [
        (anchor_key(section_id=s.pk), s.heading, threads.get(anchor_key(section_id=s.pk)))
        for s in consultation.ordered_sections
    ]
    titled += [
        (anchor_key(question_id=q.pk), q.text, threads.get(anchor_key(question_id=q.pk)))
        for q in consultation.ordered_questions
    ]
    if threads.get("general"):
        titled.append(("general", str(GENERAL_TITLE), threads["general"]))
    return titled


def _valid_anchor(consultation, key):
    question_id, section_id = _anchor_ids(key)
    if question_id:
        return any(q.pk == question_id for q in consultation.ordered_questions)
    if section_id:
        return any(s.pk == section_id for s in consultation.ordered_sections)
    return False
