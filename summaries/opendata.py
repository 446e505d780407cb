"""A consultation's open data: its published comments, as CSV and as JSON,
with pseudonymous authors, a data dictionary and a licence.

What goes in: the published comments of a live, public consultation, nothing
else (no hidden, removed, held or deleted comment; no e-mail, IP, display
name or user id). Each author is a pseudonym, a keyed hash of the
consultation and the person: the same within a consultation, unrelated
across consultations, and not reversible without the key.

When: settings.PUENTE_OPEN_DATA_AVAILABLE ("closed", the default: once the
consultation closed or was reported on; "always"; "never").

How: rows are read in chunks by primary key (keyset pagination), each chunk
in a fixed number of queries (the comments with their anchors joined, their
themes, their published replies), and written out as they come, so memory
stays bounded however many comments there are. No database cursor stays
open between chunks, so a slow download holds nothing in the database."""

import csv
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from comments.models import Comment, CommentStatus, TaggedComment
from consultations.status import Status

# Rows per chunk: one round of queries and one piece of the response each.
CHUNK_SIZE = 1000
# Hex characters of a pseudonym: 64 bits, so that even a million authors in
# one consultation are unlikely to share one (about 3 in 100,000).
PSEUDONYM_LENGTH = 16
PSEUDONYM_SALT = b"puente.summaries.opendata.pseudonym"
THEME_SEPARATOR = "; "
# Cells a spreadsheet would read as a formula (or that hide one behind a
# tab or carriage return) start with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

AVAILABLE_CLOSED, AVAILABLE_ALWAYS, AVAILABLE_NEVER = "closed", "always", "never"
AVAILABILITY_MODES = (AVAILABLE_CLOSED, AVAILABLE_ALWAYS, AVAILABLE_NEVER)
PUBLISHED_STATUSES = (Status.CLOSED, Status.REPORTED)


# Availability -----------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """Whether the files of a consultation can be downloaded now; if not,
    from when (None: not planned, the site does not publish them)."""

    available: bool
    available_from: datetime | None = None
    # The data no longer changes: the consultation is closed or reported.
    final: bool = False


def availability(consultation, now):
    mode = settings.PUENTE_OPEN_DATA_AVAILABLE
    if mode not in AVAILABILITY_MODES:
        raise ImproperlyConfigured(
            f"PUENTE_OPEN_DATA_AVAILABLE must be one of {AVAILABILITY_MODES}, not {mode!r}."
        )
    final = consultation.status_at(now) in PUBLISHED_STATUSES
    if mode == AVAILABLE_NEVER:
        return Availability(False)
    if mode == AVAILABLE_ALWAYS:
        return Availability(True, final=final)
    # A report may (in principle) be published before the closing date.
    since = consultation.closes_at
    if consultation.reported_at is not None:
        since = min(since, consultation.reported_at)
    return Availability(final, since, final=final)


# Pseudonyms -------------------------------------------------------------------


def pseudonym_key():
    """The key of the pseudonyms: derived from PUENTE_OPEN_DATA_KEY, or from
    SECRET_KEY when that is empty, with a salt of its own (so the hash
    never reveals anything about the key used elsewhere)."""
    secret = settings.PUENTE_OPEN_DATA_KEY or settings.SECRET_KEY
    return hashlib.sha256(PSEUDONYM_SALT + secret.encode()).digest()


class Pseudonyms:
    """Pseudonyms of the authors of one consultation:
    HMAC-SHA256(key, "<consultation id>:<user id>"), first 16 hex characters."""

    def __init__(self, consultation_id, key=None):
        self._base = hmac.new(key or pseudonym_key(), digestmod=hashlib.sha256)
        self._prefix = f"{consultation_id}:".encode()

    def __call__(self, user_id):
        mac = self._base.copy()
        mac.update(self._prefix + str(user_id).encode())
        return mac.hexdigest()[:PSEUDONYM_LENGTH]


def pseudonym(consultation_id, user_id):
    return Pseudonyms(consultation_id)(user_id)


# The data dictionary ----------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str

    def as_dict(self):
        return {"name": self.name, "type": self.type, "description": str(self.description)}


# Names and types are identifiers (the same in every language); the meanings
# are translated.
FIELDS = (
    Field(
        "id",
        "integer",
        _("The comment's number on this site, unique across all consultations."),
    ),
    Field(
        "parent_id",
        "integer | null",
        _(
            "The comment this one replies to; empty for a comment that starts a thread. "
            "The parent may be absent from the file: only published comments are in it, "
            "and a reply stays published when its parent was hidden, removed, or deleted "
            "by its author."
        ),
    ),
    Field(
        "question_id",
        "integer | null",
        _(
            "The question the comment answers; empty when it is about a section. "
            "Replies have the question of the comment they reply to."
        ),
    ),
    Field("question_text", "string", _("The text of that question, as it reads today.")),
    Field(
        "section_id",
        "integer | null",
        _(
            "The section of the draft the comment is about; empty when it answers a question. "
            "The number stays the same when the draft is revised."
        ),
    ),
    Field("section_heading", "string", _("The heading of that section, as it reads today.")),
    Field(
        "author_pseudonym",
        "string",
        _(
            "A pseudonym of the author (16 characters, 0-9 and a-f): the same person has the "
            "same pseudonym on every comment of this consultation, in both files, and a "
            "different one in any other consultation. It cannot be turned back into the "
            "person without the site's secret key. Empty when the author deleted their "
            "account and kept their comments anonymised."
        ),
    ),
    Field(
        "body",
        "string",
        _(
            "The comment as its author wrote it: plain text, line breaks kept, the last "
            "version if it was edited. In the CSV file, a text that begins with =, +, -, @, "
            "a tab or a carriage return has an apostrophe (') put before it, so that "
            "spreadsheets do not run it as a formula; the JSON file has the exact text."
        ),
    ),
    Field(
        "created",
        "datetime",
        _(
            "When the comment was posted: ISO 8601 date and time with its offset from UTC, "
            "in the site's time zone."
        ),
    ),
    Field(
        "edited",
        "datetime | null",
        _("When its author last edited it (same format); empty if never edited."),
    ),
    Field("agree_count", "integer", _("How many people said they agree.")),
    Field("disagree_count", "integer", _("How many people said they disagree.")),
    Field(
        "pass_count",
        "integer",
        _("How many people passed: they read it and chose to give no opinion."),
    ),
    Field(
        "reply_count",
        "integer",
        _(
            "How many published replies answer it directly (the rows of the file whose "
            "parent_id is this comment)."
        ),
    ),
    Field(
        "themes",
        "array of strings",
        _(
            "The themes moderators and planners gave the comment, in alphabetical order. "
            'In the CSV file they are joined with "; " in one cell; empty when there are none.'
        ),
    ),
)
FIELD_NAMES = [field.name for field in FIELDS]


def dictionary():
    return [field.as_dict() for field in FIELDS]


def licence():
    configured = settings.PUENTE_OPEN_DATA_LICENCE
    return {"name": str(configured["name"]), "url": configured["url"]}


# The comments -----------------------------------------------------------------


def published_comments(consultation):
    """The comments the files hold: published ones, except those of people
    who opposed their inclusion ("My data", privacy/)."""
    return Comment.objects.filter(
        consultation_id=consultation.pk, status=CommentStatus.PUBLISHED
    ).exclude(author__open_data_opt_out=True)


def count(consultation):
    return published_comments(consultation).count()


def _iso(value, zone):
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def iter_chunks(consultation, chunk_size=None):
    """The published comments of `consultation` as lists of dicts (keys in
    FIELD_NAMES order), by ascending id, `chunk_size` at a time; three queries
    per chunk, plus one to learn that the last full chunk was the last."""
    chunk_size = chunk_size or CHUNK_SIZE
    zone = ZoneInfo(settings.TIME_ZONE)
    pseudonyms = Pseudonyms(consultation.pk)
    comments = (
        published_comments(consultation)
        .order_by("pk")
        .values_list(
            "pk",
            "parent_id",
            "question_id",
            "question__text",
            "section_id",
            "section__heading",
            "author_id",
            "author__erased_at",
            "body",
            "created",
            "edited",
            "agree_count",
            "disagree_count",
            "pass_count",
        )
    )
    last = 0
    while True:
        rows = list(comments.filter(pk__gt=last)[:chunk_size])
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        # The chunk's id range rather than its list of ids: a thousand
        # parameters cost more to build than the query takes to run.
        themes = {}
        for comment_id, name in (
            TaggedComment.objects.filter(
                content_object_id__gte=first,
                content_object_id__lte=last,
                content_object__consultation_id=consultation.pk,
                content_object__status=CommentStatus.PUBLISHED,
            )
            .order_by("tag__name")
            .values_list("content_object_id", "tag__name")
        ):
            themes.setdefault(comment_id, []).append(name)
        replies = dict(
            published_comments(consultation)
            .filter(parent_id__gte=first, parent_id__lte=last)
            .values("parent_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("parent_id", "n")
        )
        yield [
            {
                "id": pk,
                "parent_id": parent_id,
                "question_id": question_id,
                "question_text": question_text or "",
                "section_id": section_id,
                "section_heading": section_heading or "",
                # No pseudonym links the kept comments of a deleted account.
                "author_pseudonym": "" if erased else pseudonyms(author_id),
                "body": body,
                "created": _iso(created, zone),
                "edited": _iso(edited, zone),
                "agree_count": agree,
                "disagree_count": disagree,
                "pass_count": passes,
                "reply_count": replies.get(pk, 0),
                "themes": themes.get(pk, []),
            }
            for (
                pk,
                parent_id,
                question_id,
                question_text,
                section_id,
                section_heading,
                author_id,
                erased,
                body,
                created,
                edited,
                agree,
                disagree,
                passes,
            ) in rows
        ]
        if len(rows) < chunk_size:
            return


# CSV --------------------------------------------------------------------------


def safe_cell(value):
    """A cell no spreadsheet runs as a formula: text starting with = + - @,
    a tab or a carriage return gets an apostrophe before it (OWASP's advice
    for CSV injection), which Excel and LibreOffice show as plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        value = THEME_SEPARATOR.join(value)
    return safe_cell(value) if isinstance(value, str) else value


def _csv_row(comment):
    # The dicts' keys are in FIELD_NAMES order (iter_chunks).
    return [_csv_cell(value) for value in comment.values()]


def iter_csv(consultation, chunk_size=None):
    """The CSV file as bytes, one piece per chunk: UTF-8 with a byte order
    mark (Excel, which many offices open CSV files with, reads a file without
    it in the system's legacy code page and garbles every accent; LibreOffice,
    Python's csv with utf-8-sig and pandas read it fine), comma-separated,
    CRLF line ends (RFC 4180), a header row, then one row per comment."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELD_NAMES)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    for chunk in iter_chunks(consultation, chunk_size):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_row(comment) for comment in chunk)
        yield buffer.getvalue().encode()


# JSON -------------------------------------------------------------------------


def head(consultation, url, status, generated):
    """Everything in the JSON file before its comments."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return {
        "consultation": {
            "id": consultation.pk,
            "title": consultation.title,
            "url": url,
            "status": str(status),
            "opens_at": _iso(consultation.opens_at, zone),
            "closes_at": _iso(consultation.closes_at, zone),
        },
        "licence": licence(),
        "generated": _iso(generated, zone),
        "fields": dictionary(),
    }


def iter_json(consultation, *, url, status, generated, chunk_size=None):
    """The JSON file as bytes, written piece by piece: the head, then
    "comments": [ ... ] one chunk at a time. UTF-8, not ASCII-escaped."""
    opening = json.dumps(head(consultation, url, status, generated), ensure_ascii=False)
    yield (opening[:-1] + ', "comments": [').encode()
    first = True
    for chunk in iter_chunks(consultation, chunk_size):
        text = ",\n".join(json.dumps(comment, ensure_ascii=False) for comment in chunk)
        yield (("\n" if first else ",\n") + text).encode()
        first = False
    yield b"\n]}\n"
