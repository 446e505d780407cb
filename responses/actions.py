"""The planners' response to a consultation ("what we heard / what we will
do") and its follow-up (commitments and their dated updates).

As CONVENTIONS ask: `check_*` validate and authorise, `do_*` write in one
transaction and leave the side effects (e-mail) to `transaction.on_commit`.
The admin views (responses/admin_views.py) parse forms and call these;
`published_response` loads what the public page shows.

Errors are those of comments/errors.py: `Invalid` maps field names to lists
of messages, `NotAllowed` refuses a person, `Conflict` refuses a state
(publishing twice, publishing before the consultation closes)."""

import re
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from comments.models import Comment, CommentStatus, Theme
from consultations.models import ConsultationPage
from core.errors import Conflict, Invalid, NotAllowed
from core.parse import as_id, as_int
from notifications import activity, notify
from notifications.models import Notice
from responses import rules
from responses.models import (
    MAX_COMMITMENT_TEXT,
    MAX_COMMITMENT_TITLE,
    MAX_HEADING,
    MAX_INTRODUCTION,
    MAX_ITEM_TEXT,
    MAX_UPDATE_TEXT,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Response,
    ResponseItem,
)

# Comments one item may link (a response cites, it does not list them all).
MAX_LINKED_COMMENTS = 200
_SEPARATORS = re.compile(r"[\s,;]+")
_NUMBER = re.compile(r"#?([0-9]{1,12})")
# How a linked comment is quoted on the public page.
EXCERPT_LENGTH = 200

LOG_PUBLISH = "puente.response.publish"
LOG_EDIT = "puente.response.edit"


# Reading ---------------------------------------------------------------------


def published_response(consultation):
    """The published response with its items, their published comments (a
    comment hidden since drops out), themes and commitments with their
    updates; None while there is none. Seven queries, whatever its size."""
    published = Comment.objects.filter(status=CommentStatus.PUBLISHED).order_by("pk")
    return (
        Response.objects.filter(consultation=consultation, published_at__isnull=False)
        .prefetch_related(
            Prefetch(
                "items",
                ResponseItem.objects.select_related("question", "theme").prefetch_related(
                    Prefetch("comments", published.only("pk", "body", "consultation_id")),
                    Prefetch("themes", Theme.objects.order_by("name")),
                ),
            ),
            Prefetch(
                "commitments",
                Commitment.objects.prefetch_related(
                    Prefetch("items", ResponseItem.objects.select_related("question", "theme")),
                    "updates",
                ),
            ),
        )
        .first()
    )


def consultation_themes(consultation):
    """The themes given to this consultation's published comments: those an
    item may answer or link."""
    return (
        Theme.objects.filter(
            tagged_comments__content_object__consultation=consultation,
            tagged_comments__content_object__status=CommentStatus.PUBLISHED,
        )
        .distinct()
        .order_by("name")
    )


def find_comments(consultation, words, limit=20):
    """Published comments of the consultation whose text holds `words` (or
    whose number it is), for the planner to link: the first `limit`, with
    their authors."""
    words = " ".join((words or "").split())[:200]
    if not words:
        return []
    comments = Comment.objects.filter(
        consultation=consultation, status=CommentStatus.PUBLISHED
    ).select_related("author")
    number = as_id(words.lstrip("#"))
    if number is not None:
        return list(comments.filter(pk=number))
    return list(comments.filter(body__icontains=words).order_by("pk")[:limit])


def linked_comments(consultation, numbers):
    """The comments `numbers` (as typed) name, whatever their state, for the
    planner to see what they link."""
    found, _malformed = parse_comment_numbers(numbers)
    return list(
        Comment.objects.filter(pk__in=found[:MAX_LINKED_COMMENTS], consultation=consultation)
        .select_related("author")
        .order_by("pk")
    )


# Access ----------------------------------------------------------------------


def check_may_write(user):
    if not rules.can_write_response(user):
        raise NotAllowed(_("Only planners and editors can write responses."))


def access_consultation_to_answer(user, consultation_id):
    """The consultation whose response `user` may write, or NotAllowed /
    ConsultationPage.DoesNotExist."""
    check_may_write(user)
    return ConsultationPage.objects.get(pk=consultation_id)


def access_item(user, consultation, item_id):
    check_may_write(user)
    return ResponseItem.objects.select_related("response").get(
        pk=item_id, response__consultation=consultation
    )


def access_commitment(user, consultation, commitment_id):
    check_may_write(user)
    return Commitment.objects.select_related("response").get(
        pk=commitment_id, response__consultation=consultation
    )


def access_update(user, consultation, update_id):
    check_may_write(user)
    return CommitmentUpdate.objects.select_related("commitment").get(
        pk=update_id, commitment__response__consultation=consultation
    )


# Input -----------------------------------------------------------------------


def clean_text(value, *, max_length, required=True):
    """Plain text as typed (shown escaped, never as HTML): line ends
    normalised, trailing spaces and runs of blank lines dropped. Returns
    (text, error message or None)."""
    text = (value or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.strip().split("\n")))
    if required and not text:
        return text, _("This field is required.")
    if len(text) > max_length:
        return text, _("At most %(max)s characters (this text has %(count)s).") % {
            "max": max_length,
            "count": len(text),
        }
    return text, None


def parse_comment_numbers(raw):
    """The numbers in "12, 57 #301" in order without repeats, and the pieces
    that are not numbers."""
    numbers, malformed = [], []
    for token in _SEPARATORS.split((raw or "").strip()):
        if not token:
            continue
        match = _NUMBER.fullmatch(token)
        if match is None:
            malformed.append(token)
        elif int(match.group(1)) not in numbers:
            numbers.append(int(match.group(1)))
    return numbers, malformed


def _listed(numbers):
    return ", ".join(str(n) for n in numbers)


def check_comment_numbers(consultation, raw):
    """The published comments of this consultation that `raw` names, in its
    order; Invalid naming every number that is not one."""
    numbers, malformed = parse_comment_numbers(raw)
    errors = []
    if malformed:
        errors.append(
            _("These are not comment numbers: %(items)s.")
            % {"items": ", ".join(f"“{token[:30]}”" for token in malformed[:10])}
        )
    if len(numbers) > MAX_LINKED_COMMENTS:
        errors.append(
            _("Link at most %(max)s comments per item (there are %(count)s).")
            % {"max": MAX_LINKED_COMMENTS, "count": len(numbers)}
        )
        raise Invalid({"comments": errors})
    found = Comment.objects.only("pk", "consultation_id", "status").in_bulk(numbers)
    unknown = [n for n in numbers if n not in found]
    elsewhere = [n for n in numbers if n in found and found[n].consultation_id != consultation.pk]
    unpublished = [
        n
        for n in numbers
        if n in found
        and found[n].consultation_id == consultation.pk
        and found[n].status != CommentStatus.PUBLISHED
    ]
    if unknown:
        errors.append(
            ngettext(
                "There is no comment number %(numbers)s.",
                "There are no comments with the numbers %(numbers)s.",
                len(unknown),
            )
            % {"numbers": _listed(unknown)}
        )
    if elsewhere:
        errors.append(
            ngettext(
                "Comment %(numbers)s belongs to another consultation.",
                "Comments %(numbers)s belong to other consultations.",
                len(elsewhere),
            )
            % {"numbers": _listed(elsewhere)}
        )
    if unpublished:
        errors.append(
            ngettext(
                "Comment %(numbers)s is not published (hidden, removed, held or deleted).",
                "Comments %(numbers)s are not published (hidden, removed, held or deleted).",
                len(unpublished),
            )
            % {"numbers": _listed(unpublished)}
        )
    if errors:
        raise Invalid({"comments": errors})
    return [found[n] for n in numbers]


def _ids(values):
    """Whole numbers from form values; None if any is not one."""
    ids = [as_id(str(value).strip()) for value in values or ()]
    return None if None in ids else ids


def _check_subject(consultation, subject, themes):
    """The item's question or theme from `subject` ("", "question-<id>" or
    "theme-<id>"): ({question, theme}, errors)."""
    found: dict[str, Any] = {"question": None, "theme": None}
    if not subject:
        return found, {}
    kind, _sep, key = subject.partition("-")
    number = as_id(key)
    if kind == "question" and number:
        found["question"] = next(
            (q for q in consultation.ordered_questions if q.pk == number), None
        )
        if found["question"] is None:
            return found, {"subject": [_("Choose one of this consultation's questions.")]}
    elif kind == "theme" and number:
        found["theme"] = themes().get(number)
        if found["theme"] is None:
            return found, {"subject": [_("Choose a theme given to this consultation's comments.")]}
    else:
        return found, {"subject": [_("Choose a question, a theme or a subject of its own.")]}
    return found, {}


def _check_themes(raw, themes):
    """The linked themes from their ids: (themes, errors)."""
    theme_ids = _ids(raw)
    if theme_ids is None:
        return [], {"themes": [_("Choose themes from the list.")]}
    if not theme_ids:
        return [], {}
    available = themes()
    if any(i not in available for i in theme_ids):
        return [], {"themes": [_("Choose themes given to this consultation's comments.")]}
    return [available[i] for i in dict.fromkeys(theme_ids)], {}


def check_item(consultation, *, subject, heading, what_you_said, what_we_will_do, comments, themes):
    """Validate one item's input. `subject` is "" (a subject of its own,
    named by `heading`), "question-<id>" or "theme-<id>"; `comments` the
    numbers as typed; `themes` the ids of the themes linked. Returns the
    cleaned fields, or raises Invalid with every error found."""
    available: list[dict[int, Any]] = []

    def consultation_theme_map():
        # Read once, and only when the subject or the themes need it.
        if not available:
            available.append({t.pk: t for t in consultation_themes(consultation)})
        return available[0]

    cleaned, errors = _check_subject(consultation, subject, consultation_theme_map)
    heading, error = clean_text(heading, max_length=MAX_HEADING, required=False)
    heading = " ".join(heading.split())
    if error:
        errors["heading"] = [error]
    elif not subject and not heading:
        errors["heading"] = [_("Give a heading to an item that answers no question or theme.")]
    cleaned["heading"] = heading
    for name, value in (("what_you_said", what_you_said), ("what_we_will_do", what_we_will_do)):
        cleaned[name], error = clean_text(value, max_length=MAX_ITEM_TEXT)
        if error:
            errors[name] = [error]
    cleaned["themes"], theme_errors = _check_themes(themes, consultation_theme_map)
    errors.update(theme_errors)
    try:
        cleaned["comments"] = check_comment_numbers(consultation, comments)
    except Invalid as error:
        errors.update(error.errors)
    if errors:
        raise Invalid(errors)
    return cleaned


# Writing the response ------------------------------------------------------------


def _response_for_update(consultation, now):
    """The consultation's response, locked; created (a draft) if none yet."""
    response = Response.objects.select_for_update().filter(consultation=consultation).first()
    if response is None:
        response = Response.objects.create(consultation=consultation, created=now, updated=now)
    return response


def _touch(response, now):
    Response.objects.filter(pk=response.pk).update(updated=now)
    response.updated = now


@transaction.atomic
def do_save_introduction(user, consultation, *, introduction, now=None):
    check_may_write(user)
    introduction, error = clean_text(introduction, max_length=MAX_INTRODUCTION, required=False)
    if error:
        raise Invalid({"introduction": [error]})
    now = now or timezone.now()
    response = _response_for_update(consultation, now)
    response.introduction, response.updated = introduction, now
    response.save(update_fields=["introduction", "updated"])
    if response.is_published:
        log(consultation, LOG_EDIT, user=user, timestamp=now)
    return response


@transaction.atomic
def do_save_item(user, consultation, item=None, *, now=None, **fields):
    """Add an item (item=None) at the end of the response, or change one.
    Authors of comments newly linked to a published response are told."""
    check_may_write(user)
    cleaned = check_item(consultation, **fields)
    now = now or timezone.now()
    response = _response_for_update(consultation, now)
    if item is None:
        last = response.items.aggregate(last=Max("sort_order"))["last"]
        item = ResponseItem(response=response, sort_order=0 if last is None else last + 1)
    item.question, item.theme = cleaned["question"], cleaned["theme"]
    item.heading = cleaned["heading"]
    item.what_you_said, item.what_we_will_do = cleaned["what_you_said"], cleaned["what_we_will_do"]
    item.save()
    item.comments.set(cleaned["comments"])
    item.themes.set(cleaned["themes"])
    _touch(response, now)
    if response.is_published:
        log(consultation, LOG_EDIT, user=user, timestamp=now)
        _notify_linked_authors(response, now)
    return item


@transaction.atomic
def do_delete_item(user, item):
    check_may_write(user)
    response = Response.objects.select_for_update().get(pk=item.response_id)
    item.delete()
    _touch(response, timezone.now())


@transaction.atomic
def do_move_item(user, item, *, up):
    """Swap the item with the one before (up) or after it."""
    check_may_write(user)
    Response.objects.select_for_update().get(pk=item.response_id)
    items = list(ResponseItem.objects.filter(response_id=item.response_id))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items):
        each.sort_order = position
    ResponseItem.objects.bulk_update(items, ["sort_order"])


def check_publish(user, consultation, response, now):
    check_may_write(user)
    if response is None or not response.items.exists():
        raise Conflict(_("Write at least one item before publishing the response."))
    if response.is_published:
        raise Conflict(
            _("The response was already published on %(date)s.")
            % {"date": date_format(timezone.localtime(response.published_at), "DATETIME_FORMAT")}
        )
    if not rules.is_closed(consultation, now):
        raise Conflict(
            _("The response can be published once the consultation closes, on %(date)s.")
            % {"date": date_format(timezone.localtime(consultation.closes_at), "DATETIME_FORMAT")}
        )
    if not consultation.live:
        raise Conflict(_("Publish the consultation page first: its readers will look there."))


@transaction.atomic
def do_publish_response(user, consultation, *, now=None):
    """Publish the response: the consultation becomes "reported", the page
    shows it, and every author of a linked comment is told once."""
    now = now or timezone.now()
    consultation = ConsultationPage.objects.select_for_update().get(pk=consultation.pk)
    response = Response.objects.select_for_update().filter(consultation=consultation).first()
    check_publish(user, consultation, response, now)
    assert response is not None  # check_publish refuses a missing one
    response.published_at, response.published_by, response.updated = now, user, now
    response.save(update_fields=["published_at", "published_by", "updated"])
    # An UPDATE of the one column: a page save would write a revision's view
    # of every field. ConsultationPage.with_content_json keeps it afterwards.
    ConsultationPage.objects.filter(pk=consultation.pk).update(reported_at=now)
    consultation.reported_at = now
    log(consultation, LOG_PUBLISH, user=user, timestamp=now)
    linked = _notify_linked_authors(response, now)
    # The consultation's followers hear of it too, except the people told
    # above that it answers their comment.
    activity.consultation_event(
        consultation, Notice.Kind.REPORTED, now=now, actor_id=user.pk, skip=linked
    )
    return response, len(linked)


# Telling the authors ---------------------------------------------------------------


def _notify_linked_authors(response, now):
    """A notice for each author of a published comment linked to the
    response who has none about this consultation yet (one per person,
    pointing at one of their linked comments), delivered as each chose; and,
    on its first publication, one for the consultation's other followers.
    A constant number of queries, whatever the number of people."""
    first_comment: dict[int, int] = {}
    for author_id, comment_id in (
        Comment.objects.filter(
            response_items__response=response,
            status=CommentStatus.PUBLISHED,
            author__is_active=True,
        )
        .order_by("author_id", "pk")
        .values_list("author_id", "pk")
    ):
        first_comment.setdefault(author_id, comment_id)
    told = set(
        Notice.objects.filter(
            kind=Notice.Kind.RESPONDED,
            comment__consultation_id=response.consultation_id,
            user_id__in=list(first_comment),
        ).values_list("user_id", flat=True)
    )
    notify.tell_many(
        (
            Notice(
                user_id=author,
                comment_id=comment,
                consultation_id=response.consultation_id,
                kind=Notice.Kind.RESPONDED,
                created=now,
            )
            for author, comment in first_comment.items()
            if author not in told
        ),
        now=now,
    )
    return set(first_comment)


# Commitments -------------------------------------------------------------------


def check_commitment(response, *, title, description, items):
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {}
    title, error = clean_text(title, max_length=MAX_COMMITMENT_TITLE)
    cleaned["title"] = " ".join(title.split())
    if error:
        errors["title"] = [error]
    cleaned["description"], error = clean_text(
        description, max_length=MAX_COMMITMENT_TEXT, required=False
    )
    if error:
        errors["description"] = [error]
    item_ids = _ids(items)
    if item_ids is None:
        errors["items"] = [_("Choose items of this response.")]
    else:
        found = ResponseItem.objects.filter(response=response).in_bulk(item_ids)
        if len(found) != len(set(item_ids)):
            errors["items"] = [_("Choose items of this response.")]
        cleaned["items"] = list(found.values())
    if errors:
        raise Invalid(errors)
    return cleaned


@transaction.atomic
def do_save_commitment(
    user, consultation, commitment=None, *, title, description="", items=(), now=None
):
    """Add a commitment (planned, 0 %) or change its title, description and
    the items it comes from. Its status and progress follow its updates."""
    check_may_write(user)
    now = now or timezone.now()
    response = _response_for_update(consultation, now)
    cleaned = check_commitment(response, title=title, description=description, items=items)
    if commitment is None:
        last = response.commitments.aggregate(last=Max("sort_order"))["last"]
        commitment = Commitment(
            response=response, created=now, sort_order=0 if last is None else last + 1
        )
    new = commitment.pk is None
    commitment.title, commitment.description = cleaned["title"], cleaned["description"]
    commitment.save()
    commitment.items.set(cleaned["items"])
    _touch(response, now)
    if response.is_published:
        log(consultation, LOG_EDIT, user=user, timestamp=now)
        if new:
            _tell_followers_of(commitment, consultation, user, now)
    return commitment


def _tell_followers_of(commitment, consultation, user, now):
    """A new commitment, or a dated update of one, of a published response:
    the consultation's followers hear of it (editing the wording does not)."""
    activity.consultation_event(
        consultation, Notice.Kind.COMMITMENT, now=now, actor_id=user.pk, note=commitment.title
    )


@transaction.atomic
def do_delete_commitment(user, commitment):
    check_may_write(user)
    response = Response.objects.select_for_update().get(pk=commitment.response_id)
    commitment.delete()
    _touch(response, timezone.now())


def _parse_progress(value):
    return as_int(str(value if value is not None else "").strip().rstrip("%").strip())


def check_update(consultation, *, date, text, status, progress, today):
    """`date` a datetime.date (the form parses it) or None."""
    errors: dict[str, list] = {}
    cleaned: dict[str, Any] = {}
    if date is None:
        errors["date"] = [_("Enter a valid date.")]
    else:
        opened = timezone.localdate(consultation.opens_at)
        if date < opened:
            errors["date"] = [
                _("The date cannot be before the consultation opened (%(date)s).")
                % {"date": date_format(opened, "DATE_FORMAT")}
            ]
        elif date > today:
            errors["date"] = [_("The date cannot be in the future.")]
    cleaned["date"] = date
    cleaned["text"], error = clean_text(text, max_length=MAX_UPDATE_TEXT)
    if error:
        errors["text"] = [error]
    if status not in CommitmentStatus.values:
        errors["status"] = [_("Choose a status.")]
    cleaned["status"] = status
    cleaned["progress"] = _parse_progress(progress)
    if cleaned["progress"] is None or not 0 <= cleaned["progress"] <= 100:
        errors["progress"] = [_("Progress is a whole number from 0 to 100.")]
    elif status == CommitmentStatus.DONE and cleaned["progress"] != 100:
        errors["progress"] = [_("A commitment that is done has reached 100 percent.")]
    if errors:
        raise Invalid(errors)
    return cleaned


def _follow_latest(commitment):
    """The commitment's status and progress are its latest update's."""
    latest = commitment.updates.order_by("-date", "-created", "-pk").first()
    commitment.status = latest.status if latest else CommitmentStatus.PLANNED
    commitment.progress = latest.progress if latest else 0
    commitment.save(update_fields=["status", "progress"])


@transaction.atomic
def do_add_update(user, commitment, *, date, text, status, progress, now=None):
    check_may_write(user)
    response = (
        Response.objects.select_for_update()
        .select_related("consultation")
        .get(pk=commitment.response_id)
    )
    now = now or timezone.now()
    cleaned = check_update(
        response.consultation,
        date=date,
        text=text,
        status=status,
        progress=progress,
        today=timezone.localdate(now),
    )
    update = CommitmentUpdate.objects.create(
        commitment=commitment, created=now, author=user, **cleaned
    )
    _follow_latest(commitment)
    _touch(response, now)
    if response.is_published:
        log(response.consultation, LOG_EDIT, user=user, timestamp=now)
        _tell_followers_of(commitment, response.consultation, user, now)
    return update


@transaction.atomic
def do_delete_update(user, update):
    check_may_write(user)
    commitment = update.commitment
    response = Response.objects.select_for_update().get(pk=commitment.response_id)
    update.delete()
    _follow_latest(commitment)
    _touch(response, timezone.now())
