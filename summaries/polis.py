"""Reading a Pol.is open-data export (the folder of CSV files Pol.is writes
for a conversation, as in compdemocracy/openData): no database here, so
`manage.py import_polis` (summaries/polis_import.py) and the bench read the
same thing.

The files (their header rows name the columns; other columns are ignored):

- comments.csv (required): timestamp (ms since 1970), comment-id,
  author-id, moderated (-1 moderated out, 0 unmoderated, 1 accepted),
  comment-body.
- votes.csv: timestamp, comment-id, voter-id, vote (1 agree, -1 disagree,
  0 pass); a person may change their vote, the last one by timestamp counts
  (on equal timestamps, the later line).
- participants-votes.csv: participant, group-id (the opinion group Pol.is
  gave them, empty when none), then one column per comment id holding that
  participant's vote or nothing. Its votes are read only when votes.csv is
  absent (they have no time); its groups always.
- summary.csv (optional): rows of key, value: topic, url,
  conversation-description.

Anything that does not fit raises PolisFormatError naming the file and the
line (the line a record starts on; 1 is the header)."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

COMMENTS = "comments.csv"
VOTES = "votes.csv"
PARTICIPANTS_VOTES = "participants-votes.csv"
SUMMARY = "summary.csv"

# What both databases store in a signed 64-bit column.
MAX_ID = 2**63 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Timestamps are milliseconds; past this they are no date of year 9999 or before.
LAST_DATE = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
MAX_TIMESTAMP = (LAST_DATE - EPOCH) // timedelta(milliseconds=1)
VOTE_VALUES = (-1, 0, 1)
MODERATED_VALUES = (-1, 0, 1)
# participants-votes.csv's columns that are not comment ids.
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
_INTEGER = re.compile(r"-?[0-9]+")


class PolisFormatError(ValueError):
    """What is wrong with an export, and where: str() is
    "votes.csv, line 12: the vote is 2; a vote is -1, 0 or 1"."""

    def __init__(self, file, line, message):
        self.file, self.line, self.message = file, line, message
        where = file if line is None else f"{file}, line {line}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class PolisComment:
    id: int
    author: int
    created: datetime  # aware, UTC
    text: str
    moderated: int  # -1 moderated out, 0 unmoderated, 1 accepted


@dataclass(frozen=True)
class PolisVote:
    participant: int
    comment: int
    vote: int  # 1 agree, -1 disagree, 0 pass
    created: datetime | None  # None when read from participants-votes.csv


@dataclass(frozen=True)
class PolisExport:
    topic: str
    url: str
    description: str
    # Every comment, those moderated out included (`moderated` says), by id.
    comments: list[PolisComment]
    # The last vote of each (participant, comment), by participant then comment.
    votes: list[PolisVote]
    # participants-votes.csv's group-id of each participant (None: not
    # grouped); {} when that file is absent. Pol.is numbers groups from 0.
    groups: dict[int, int | None] = field(default_factory=dict)

    @property
    def participants(self):
        """Everyone who wrote or voted, or has a row in participants-votes.csv,
        in id order."""
        people = {comment.author for comment in self.comments}
        people.update(vote.participant for vote in self.votes)
        people.update(self.groups)
        return sorted(people)


def read_export(path) -> PolisExport:
    """The export in the folder `path`, checked whole (PolisFormatError)."""
    folder = Path(path)
    if not folder.is_dir():
        raise PolisFormatError(str(path), None, "not a folder")
    comments_path = folder / COMMENTS
    if not comments_path.is_file():
        raise PolisFormatError(COMMENTS, None, "missing: an export needs its comments")
    votes_path, matrix_path = folder / VOTES, folder / PARTICIPANTS_VOTES
    if not votes_path.is_file() and not matrix_path.is_file():
        raise PolisFormatError(
            VOTES, None, f"missing, and so is {PARTICIPANTS_VOTES}: an export needs its votes"
        )
    topic, url, description = _read_summary(folder)
    comments = _read_comments(comments_path)
    known = {comment.id for comment in comments}
    groups, matrix_votes = {}, None
    if matrix_path.is_file():
        groups, matrix_votes = _read_participants_votes(
            matrix_path, known, with_votes=not votes_path.is_file()
        )
    votes = _read_votes(votes_path, known) if votes_path.is_file() else matrix_votes
    return PolisExport(
        topic=topic or folder.resolve().name,
        url=url,
        description=description,
        comments=comments,
        votes=votes,
        groups=groups,
    )


class _Table:
    """The rows of one CSV file after its header, each with the line it
    starts on, every row as long as the header."""

    def __init__(self, path, required):
        self.name = path.name
        text = _text(path)
        self._reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        self._line = 0
        header = self._next()
        if header is None:
            raise PolisFormatError(self.name, 1, "empty: the header row is missing")
        self.header = [column.strip() for column in header[1]]
        missing = [column for column in required if column not in self.header]
        if missing:
            raise PolisFormatError(
                self.name, 1, f"no column {', '.join(repr(c) for c in missing)} in the header"
            )
        self.index = {column: i for i, column in reversed(list(enumerate(self.header)))}

    def _next(self):
        while True:
            start = self._line + 1
            try:
                row = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as error:
                # The line the broken record starts on.
                raise PolisFormatError(self.name, start, f"not valid CSV: {error}") from None
            self._line = self._reader.line_num
            if row:
                return start, row

    def __iter__(self):
        width = len(self.header)
        while (item := self._next()) is not None:
            line, row = item
            if len(row) != width:
                raise PolisFormatError(
                    self.name, line, f"{len(row)} fields where the header has {width}"
                )
            yield line, row

    def integer(self, line, value, what, *, minimum=0, maximum=MAX_ID):
        value = value.strip()
        if not _INTEGER.fullmatch(value):
            raise PolisFormatError(self.name, line, f"the {what} {value!r} is not a whole number")
        number = int(value)
        if not minimum <= number <= maximum:
            raise PolisFormatError(
                self.name, line, f"the {what} {number} is outside {minimum}..{maximum}"
            )
        return number

    def timestamp(self, line, value):
        number = self.integer(line, value, "timestamp", maximum=MAX_TIMESTAMP)
        return EPOCH + timedelta(milliseconds=number)


def _text(path):
    """The file as text: UTF-8 (a byte order mark allowed), without NUL."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise PolisFormatError(path.name, line, "not UTF-8 text") from None
    nul = text.find("\x00")
    if nul >= 0:
        raise PolisFormatError(path.name, text.count("\n", 0, nul) + 1, "a NUL character")
    return text


def _read_summary(folder):
    """(topic, url, description) from summary.csv, blanks where absent."""
    path = folder / SUMMARY
    if not path.is_file():
        return "", "", ""
    values = {}
    reader = csv.reader(io.StringIO(_text(path), newline=""), strict=True)
    try:
        for row in reader:
            if row and row[0].strip() not in values:
                values[row[0].strip()] = row[1].strip() if len(row) > 1 else ""
    except csv.Error as error:
        raise PolisFormatError(SUMMARY, reader.line_num, f"not valid CSV: {error}") from None
    return (
        values.get("topic", ""),
        values.get("url", ""),
        values.get("conversation-description", ""),
    )


def _read_comments(path):
    table = _Table(path, ("timestamp", "comment-id", "author-id", "moderated", "comment-body"))
    at = table.index
    comments, seen = [], {}
    for line, row in table:
        comment_id = table.integer(line, row[at["comment-id"]], "comment id")
        if comment_id in seen:
            raise PolisFormatError(
                table.name, line, f"comment {comment_id} again (first on line {seen[comment_id]})"
            )
        seen[comment_id] = line
        moderated = table.integer(line, row[at["moderated"]], "moderated value", minimum=-1)
        if moderated not in MODERATED_VALUES:
            raise PolisFormatError(table.name, line, f"moderated is {moderated}; it is -1, 0 or 1")
        comments.append(
            PolisComment(
                id=comment_id,
                author=table.integer(line, row[at["author-id"]], "author id"),
                created=table.timestamp(line, row[at["timestamp"]]),
                text=row[at["comment-body"]],
                moderated=moderated,
            )
        )
    comments.sort(key=lambda comment: comment.id)
    return comments


def _vote(table, line, value):
    vote = table.integer(line, value, "vote", minimum=-(2**63))
    if vote not in VOTE_VALUES:
        raise PolisFormatError(table.name, line, f"the vote is {vote}; a vote is -1, 0 or 1")
    return vote


def _read_votes(path, known):
    table = _Table(path, ("timestamp", "comment-id", "voter-id", "vote"))
    at = table.index
    last = {}
    for line, row in table:
        comment_id = table.integer(line, row[at["comment-id"]], "comment id")
        if comment_id not in known:
            raise PolisFormatError(
                table.name, line, f"a vote on comment {comment_id}, which {COMMENTS} does not have"
            )
        participant = table.integer(line, row[at["voter-id"]], "voter id")
        vote = _vote(table, line, row[at["vote"]])
        created = table.integer(line, row[at["timestamp"]], "timestamp", maximum=MAX_TIMESTAMP)
        key = (participant, comment_id)
        # Lines come in file order: on equal timestamps the later one wins.
        if key not in last or created >= last[key][0]:
            last[key] = (created, vote)
    return [
        PolisVote(
            participant=participant,
            comment=comment_id,
            vote=vote,
            created=EPOCH + timedelta(milliseconds=created),
        )
        for (participant, comment_id), (created, vote) in sorted(last.items())
    ]


def _read_participants_votes(path, known, *, with_votes):
    """({participant: group or None}, [PolisVote] or None unless with_votes)."""
    table = _Table(path, ("participant", "group-id"))
    at = table.index
    columns = []
    for position, column in enumerate(table.header):
        if column in PARTICIPANT_COLUMNS or not _INTEGER.fullmatch(column):
            continue
        comment_id = table.integer(1, column, "comment id (column)")
        if comment_id not in known:
            raise PolisFormatError(
                table.name, 1, f"a column for comment {comment_id}, which {COMMENTS} does not have"
            )
        columns.append((position, comment_id))
    groups, seen, votes = {}, {}, [] if with_votes else None
    for line, row in table:
        participant = table.integer(line, row[at["participant"]], "participant id")
        if participant in seen:
            first = seen[participant]
            raise PolisFormatError(
                table.name, line, f"participant {participant} again (first on line {first})"
            )
        seen[participant] = line
        group = row[at["group-id"]].strip()
        groups[participant] = table.integer(line, group, "group id") if group else None
        if not with_votes:
            continue
        for position, comment_id in columns:
            value = row[position].strip()
            if value:
                vote = _vote(table, line, value)
                votes.append(PolisVote(participant, comment_id, vote, None))
    if with_votes:
        votes.sort(key=lambda vote: (vote.participant, vote.comment))
    return groups, votes
