"""A consultation's summary for planners: who took part and when, where
(questions and sections), how people reacted, the themes and terms that
stand out, representative comments, and the moderation figures.

Every figure is computed from the live tables in a fixed number of queries
(about twenty, whatever the consultation's size), and every comment it
names is a published one, linked to its thread, so a planner can check any
figure against the comments behind it. Only published comments count as
participation; the comments moderation took out show in its own figures."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Least, RowNumber, TruncDate
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from comments import links
from comments.models import Comment, CommentStatus, Reaction, TaggedComment, Theme
from moderation.models import Flag, FlagReason

# How many comments each list names.
TOP = 5
PER_GROUP = 3
MAX_THEMES = 20
EXCERPT_LENGTH = 280
# A comment is divisive when both sides reached this many people.
DIVISIVE_MIN_SIDE = 2
# Broad agreement: at least this many agree-or-disagree votes, and at least
# BROAD_SHARE of them agree (passes say "no opinion" and do not count).
BROAD_MIN_VOTES = 5
BROAD_SHARE_NUMERATOR, BROAD_SHARE_DENOMINATOR = 4, 5  # 80 %
MODERATED = (CommentStatus.HELD, CommentStatus.HIDDEN, CommentStatus.REMOVED)


@dataclass(frozen=True)
class Scope:
    """Which comments a summary covers: one consultation, optionally one
    question or section, one theme, and a time window [since, until)."""

    consultation: object
    question: int | None = None
    section: int | None = None
    tag: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def comments(self):
        """Every comment in scope, whatever its status."""
        comments = Comment.objects.filter(consultation_id=self.consultation.pk)
        if self.question is not None:
            comments = comments.filter(question_id=self.question)
        if self.section is not None:
            comments = comments.filter(section_id=self.section)
        if self.tag:
            comments = comments.filter(tagged_items__tag__in=theme_ids(self.tag))
        if self.since is not None:
            comments = comments.filter(created__gte=self.since)
        if self.until is not None:
            comments = comments.filter(created__lt=self.until)
        return comments

    def published(self):
        return self.comments().filter(status=CommentStatus.PUBLISHED)

    @property
    def filtered(self):
        return any(
            value is not None and value != ""
            for value in (self.question, self.section, self.tag, self.since, self.until)
        )


def theme_ids(name):
    """The themes called `name` whatever its case (as the search's theme
    filter): folded in Python, since SQLite folds ASCII letters only."""
    wanted = name.strip().casefold()
    themes = Theme.objects.values_list("pk", "name")
    return [pk for pk, theme in themes if theme.casefold() == wanted]


@dataclass
class CommentRef:
    """A comment a summary names: enough to read it and to open its thread."""

    id: int
    excerpt: str
    author: str
    created: datetime
    anchor: str
    agree: int
    disagree: int
    passes: int
    replies: int
    url: str

    @property
    def votes(self):
        return self.agree + self.disagree


@dataclass
class Participation:
    comments: int = 0
    replies: int = 0
    commenters: int = 0
    # People who commented or reacted.
    participants: int = 0
    reactions: int = 0


@dataclass
class Stance:
    agree: int = 0
    disagree: int = 0
    passes: int = 0
    # Comments with broad agreement (see BROAD_*).
    broadly_agreed: int = 0

    @property
    def total(self):
        return self.agree + self.disagree + self.passes


@dataclass
class Day:
    day: date
    comments: int = 0
    replies: int = 0

    @property
    def total(self):
        return self.comments + self.replies


@dataclass
class AnchorFigures:
    """One question or section: its figures and its representative comments."""

    kind: str  # "question" or "section"
    id: int
    label: str
    comments: int = 0
    replies: int = 0
    commenters: int = 0
    agree: int = 0
    disagree: int = 0
    passes: int = 0
    representative: list = field(default_factory=list)
    terms: list = field(default_factory=list)

    @property
    def total(self):
        return self.comments + self.replies


@dataclass
class ThemeFigures:
    id: int
    name: str
    count: int
    examples: list = field(default_factory=list)


@dataclass
class ReasonCount:
    reason: str
    label: str
    flags: int
    comments: int


@dataclass
class Moderation:
    flagged: int = 0
    flags: int = 0
    held: int = 0
    hidden: int = 0
    removed: int = 0
    deleted: int = 0
    by_reason: list = field(default_factory=list)


@dataclass
class Summary:
    scope: Scope
    generated: datetime
    participation: Participation
    stance: Stance
    per_day: list
    anchors: list
    most_agreed: list
    most_divisive: list
    broad_agreement: list
    themes: list
    terms: list
    moderation: Moderation

    @property
    def questions(self):
        return [anchor for anchor in self.anchors if anchor.kind == "question"]

    @property
    def sections(self):
        return [anchor for anchor in self.anchors if anchor.kind == "section"]


def summarise(scope, *, request=None, now=None, terms_backend=None):
    """The summary of `scope`. Comment links are absolute: to the request's
    host when there is a request, else to SITE_URL."""
    now = now or timezone.now()
    published = scope.published()
    participation, stance, moderation = _totals(scope)
    participation.participants = _participants(published)
    summary = Summary(
        scope=scope,
        generated=now,
        participation=participation,
        stance=stance,
        per_day=_per_day(scope, published, now),
        anchors=_anchors(scope, published),
        most_agreed=_ids(_most_agreed(published)),
        most_divisive=_ids(_most_divisive(published)),
        broad_agreement=_ids(_broad_agreement(published)),
        themes=_themes(published),
        terms=[],
        moderation=moderation,
    )
    _moderation_by_reason(scope, moderation)
    _terms(scope, summary, terms_backend)
    _name_comments(summary, request)
    return summary


def _ids(comments):
    return list(comments.values_list("pk", flat=True))


def _totals(scope):
    """Participation, stance and the moderated statuses: one grouped query."""
    rows = (
        scope.comments()
        .values("status")
        .annotate(
            top=Count("pk", filter=Q(parent__isnull=True)),
            replies=Count("pk", filter=Q(parent__isnull=False)),
            commenters=Count("author_id", distinct=True),
            agree=Sum("agree_count"),
            disagree=Sum("disagree_count"),
            passes=Sum("pass_count"),
            broad=Count("pk", filter=_broad_condition()),
        )
        .order_by()
    )
    participation, stance, moderation = Participation(), Stance(), Moderation()
    for row in rows:
        status = row["status"]
        if status == CommentStatus.PUBLISHED:
            participation.comments = row["top"]
            participation.replies = row["replies"]
            participation.commenters = row["commenters"]
            stance.agree, stance.disagree = row["agree"] or 0, row["disagree"] or 0
            stance.passes = row["passes"] or 0
            stance.broadly_agreed = row["broad"]
            participation.reactions = stance.total
        elif status in MODERATED or status == CommentStatus.DELETED:
            setattr(moderation, str(status), row["top"] + row["replies"])
    return participation, stance, moderation


def _participants(published):
    """People who wrote a published comment or reacted to one, each once."""
    authors = published.values("author_id").order_by()
    reactors = (
        Reaction.objects.filter(comment__in=published.values("pk")).values("user_id").order_by()
    )
    return authors.union(reactors).count()


def _per_day(scope, published, now):
    """Comments and replies per day of the site's calendar, every day from
    the consultation's opening (or `since`) to its closing (or now, or
    `until`), days without comments included."""
    zone = timezone.get_current_timezone()
    rows = (
        published.annotate(day=TruncDate("created", tzinfo=zone))
        .values("day")
        .annotate(
            top=Count("pk", filter=Q(parent__isnull=True)),
            replies=Count("pk", filter=Q(parent__isnull=False)),
        )
        .order_by("day")
    )
    counted = {row["day"]: row for row in rows}
    consultation = scope.consultation
    start = max(filter(None, (consultation.opens_at, scope.since)))
    end = min(filter(None, (consultation.closes_at, now, scope.until)))
    first = timezone.localtime(start, zone).date()
    # `until` and closes_at are exclusive: the last day is the one before an
    # end at midnight.
    last = timezone.localtime(end - timedelta(microseconds=1), zone).date()
    if counted:
        first, last = min(first, min(counted)), max(last, max(counted))
    days = []
    day = first
    while day <= last:
        row = counted.get(day)
        days.append(Day(day, row["top"], row["replies"]) if row else Day(day))
        day += timedelta(days=1)
    return days


def _anchors(scope, published):
    """Every question and section, in the page's order, with its figures and
    representative comments; those without comments are listed too."""
    consultation = scope.consultation
    rows = (
        published.values("question_id", "section_id")
        .annotate(
            top=Count("pk", filter=Q(parent__isnull=True)),
            replies=Count("pk", filter=Q(parent__isnull=False)),
            commenters=Count("author_id", distinct=True),
            agree=Sum("agree_count"),
            disagree=Sum("disagree_count"),
            passes=Sum("pass_count"),
        )
        .order_by()
    )
    counted = {(row["question_id"], row["section_id"]): row for row in rows}
    anchors = [
        AnchorFigures("question", question.pk, question.text)
        for question in consultation.ordered_questions
        if scope.question in (None, question.pk) and scope.section is None
    ] + [
        AnchorFigures("section", section.pk, section.heading)
        for section in consultation.ordered_sections
        if scope.section in (None, section.pk) and scope.question is None
    ]
    for anchor in anchors:
        key = (anchor.id, None) if anchor.kind == "question" else (None, anchor.id)
        row = counted.get(key)
        if row:
            anchor.comments, anchor.replies = row["top"], row["replies"]
            anchor.commenters = row["commenters"]
            anchor.agree, anchor.disagree = row["agree"] or 0, row["disagree"] or 0
            anchor.passes = row["passes"] or 0
    by_anchor = {(anchor.kind, anchor.id): anchor for anchor in anchors}
    for kind in ("question", "section"):
        ranked = _ranked(published.filter(**{f"{kind}__isnull": False}), f"{kind}_id")
        for anchor_id, comment_id in ranked:
            anchor = by_anchor.get((kind, anchor_id))
            if anchor is not None:
                anchor.representative.append(comment_id)
    return anchors


def _ranked(rows, group, comment=""):
    """(group value, comment id) for the PER_GROUP representative comments
    of each group, in order: one query with a window function. `comment`
    is the path from `rows` to the comment ("" when rows are comments).

    Representative means most net support (agreement minus disagreement: a
    comment many reject does not stand for what people said), then most
    replies, then newest."""
    order = [
        (F(f"{comment}agree_count") - F(f"{comment}disagree_count")).desc(),
        F(f"{comment}reply_count").desc(),
        F(f"{comment}created").desc(),
        F(f"{comment}pk").desc(),
    ]
    ranked = (
        rows.annotate(rank=Window(RowNumber(), partition_by=F(group), order_by=order))
        .filter(rank__lte=PER_GROUP)
        .values_list(group, f"{comment}pk", "rank")
    )
    return [(value, pk) for value, pk, _rank in sorted(ranked, key=lambda row: (row[0], row[2]))]


def _most_agreed(published):
    return published.filter(agree_count__gt=0).order_by(
        "-agree_count", "disagree_count", "-created", "-pk"
    )[:TOP]


def _most_divisive(published):
    """Both sides large: ordered by the smaller side, then by all votes."""
    return (
        published.filter(agree_count__gte=DIVISIVE_MIN_SIDE, disagree_count__gte=DIVISIVE_MIN_SIDE)
        .annotate(smaller=Least("agree_count", "disagree_count"))
        .order_by("-smaller", (F("agree_count") + F("disagree_count")).desc(), "-created", "-pk")[
            :TOP
        ]
    )


def _broad_condition():
    votes = F("agree_count") + F("disagree_count")
    return Q(
        GreaterThanOrEqual(votes, BROAD_MIN_VOTES),
        GreaterThanOrEqual(
            F("agree_count") * BROAD_SHARE_DENOMINATOR, votes * BROAD_SHARE_NUMERATOR
        ),
    )


def _broad_agreement(published):
    return published.filter(_broad_condition()).order_by(
        "-agree_count", "disagree_count", "-created", "-pk"
    )[:TOP]


def _themes(published):
    """The themes of the published comments in scope, most used first, each
    with its representative comments."""
    tagged = TaggedComment.objects.filter(content_object__in=published.values("pk"))
    rows = list(
        tagged.values("tag_id", "tag__name")
        .annotate(count=Count("content_object_id"))
        .order_by("-count", "tag__name")[:MAX_THEMES]
    )
    themes = [ThemeFigures(row["tag_id"], row["tag__name"], row["count"]) for row in rows]
    if not themes:
        return themes
    by_id = {theme.id: theme for theme in themes}
    ranked = _ranked(tagged.filter(tag_id__in=list(by_id)), "tag_id", "content_object__")
    for tag_id, comment_id in ranked:
        by_id[tag_id].examples.append(comment_id)
    return themes


def _moderation_by_reason(scope, moderation):
    """Flags on the comments in scope, whatever the comments' status now."""
    flags = Flag.objects.filter(comment__in=scope.comments().values("pk"))
    rows = flags.values("reason").annotate(
        flags=Count("pk"), comments=Count("comment_id", distinct=True)
    )
    counted = {row["reason"]: row for row in rows.order_by()}
    moderation.by_reason = [
        ReasonCount(reason, label, counted[reason]["flags"], counted[reason]["comments"])
        for reason, label in FlagReason.choices
        if reason in counted
    ]
    moderation.flags = sum(entry.flags for entry in moderation.by_reason)
    if moderation.flags:
        moderation.flagged = flags.values("comment_id").distinct().count()


def _terms(scope, summary, backend):
    """Significant terms for the whole scope and for each question listed,
    without the words of the consultation's title and of the question."""
    from search.significance import significant_terms

    questions = [anchor.id for anchor in summary.questions]
    # The title's words and each question's own say nothing new.
    title = scope.consultation.title
    leave_out = {None: [title]} | {anchor.id: [title, anchor.label] for anchor in summary.questions}
    found = significant_terms(
        scope.consultation.pk,
        questions=[None, *questions],
        section=scope.section,
        tag=scope.tag,
        since=scope.since,
        until=scope.until,
        backend=backend,
        leave_out=leave_out,
    )
    summary.terms = found.get(None, [])
    for anchor in summary.questions:
        anchor.terms = found.get(anchor.id, [])


def _name_comments(summary, request):
    """Turn the comment ids the lists hold into CommentRefs, from one query
    whatever their number. A comment gone since (a race) leaves its list."""
    lists = [summary.most_agreed, summary.most_divisive, summary.broad_agreement]
    lists += [anchor.representative for anchor in summary.anchors]
    lists += [theme.examples for theme in summary.themes]
    refs = comment_refs(summary.scope.consultation, {pk for ids in lists for pk in ids}, request)
    for ids in lists:
        ids[:] = [refs[pk] for pk in ids if pk in refs]


def comment_refs(consultation, ids, request=None):
    """{id: CommentRef} for those of `ids` that are published comments of
    `consultation`: one query whatever their number."""
    refs = {}
    if not ids:
        return refs
    labels = {("q", q.pk): q.text for q in consultation.ordered_questions}
    labels.update({("s", s.pk): s.heading for s in consultation.ordered_sections})
    page_url = absolute_url(consultation.get_url(request=request), request)
    comments = Comment.objects.filter(
        pk__in=ids, consultation_id=consultation.pk, status=CommentStatus.PUBLISHED
    )
    for comment in comments.select_related("author"):
        refs[comment.pk] = CommentRef(
            id=comment.pk,
            excerpt=excerpt(comment.body),
            author=str(comment.author),
            created=comment.created,
            anchor=labels.get(("q", comment.question_id))
            or labels.get(("s", comment.section_id), ""),
            agree=comment.agree_count,
            disagree=comment.disagree_count,
            passes=comment.pass_count,
            replies=comment.reply_count,
            # The permalink: it finds the comment's thread page wherever it is.
            url=absolute_url(links.permalink(comment.pk), request) if page_url else "",
        )
    return refs


def absolute_url(url, request=None):
    """`url` with its scheme and host: the request's when there is one, else
    the site's address (SITE_URL), so a link copied out of a file or a
    spreadsheet still opens. "" stays "" (a page not routable)."""
    if not url or "://" in url:
        return url or ""
    if request is not None:
        return request.build_absolute_uri(url)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def excerpt(body, length=EXCERPT_LENGTH):
    text = " ".join(body.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0] + "…"


def day_bounds(since, until, zone=None):
    """The datetimes of a [since, until] range of the site's days (until
    included), as Scope wants them."""
    zone = zone or timezone.get_current_timezone()
    start = datetime.combine(since, time.min, zone) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, zone) if until else None
    return start, end
