"""Access and portability: everything the site holds about one person, as
a ZIP of JSON and CSV files. A constant number of queries whatever the
person wrote (tests/privacy assert it); never anyone else's data: each
query is filtered by the person (their comments, reactions, reports,
notices), and other people appear only as the ids of comments."""

import csv
import io
import json
import zipfile
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Consent, ProfileChange
from comments.models import Comment, CommentRevision, Reaction, TaggedComment
from core.models import OutgoingEmail
from moderation.models import Appeal, Decision, Flag
from notifications.models import Follow, Notice, Preference


def _iso(value):
    return value.isoformat(timespec="seconds") if value is not None else ""


def _csv(rows, fields):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row.get(key) is None else row[key] for key in fields})
    # A byte-order mark so that spreadsheet programs read the accents right.
    return "\ufeff" + out.getvalue()


def _profile(user):
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "blocked": user.blocked,
        "open_data_opt_out": user.open_data_opt_out,
        "language": user.language,
        "exported_at": _iso(timezone.now()),
    }


COMMENT_FIELDS = [
    "id",
    "consultation_id",
    "consultation_title",
    "question",
    "section",
    "parent_id",
    "status",
    "body",
    "created",
    "edited",
    "agree_count",
    "disagree_count",
    "pass_count",
    "themes",
]


# The fields of the files that come from a related row, and where from.
SOURCES = {
    "consultation_title": "consultation__title",
    "question": "question__text",
    "section": "section__heading",
}


def _comments(user):
    themes: dict[int, list[str]] = {}
    for comment_id, name in TaggedComment.objects.filter(content_object__author=user).values_list(
        "content_object_id", "tag__name"
    ):
        themes.setdefault(comment_id, []).append(name)
    revisions: dict[int, list[dict]] = {}
    for comment_id, body, created in CommentRevision.objects.filter(
        comment__author=user
    ).values_list("comment_id", "body", "created"):
        revisions.setdefault(comment_id, []).append({"body": body, "created": _iso(created)})
    rows = []
    for values in (
        Comment.objects.filter(author=user)
        .order_by("pk")
        .values(*(SOURCES.get(name, name) for name in COMMENT_FIELDS if name != "themes"))
        .iterator(chunk_size=2000)
    ):
        row: dict[str, Any] = dict(values)
        for name, source in SOURCES.items():
            row[name] = row.pop(source) or ""
        row.update(
            created=_iso(row["created"]),
            edited=_iso(row["edited"]),
            themes="; ".join(sorted(themes.get(row["id"], []))),
            revisions=revisions.get(row["id"], []),
        )
        rows.append(row)
    return rows


def _table(queryset, fields, order=("pk",)):
    """Rows of `queryset` with `fields` (dates as ISO 8601), and the fields."""
    rows = [
        {key: _iso(value) if hasattr(value, "isoformat") else value for key, value in row.items()}
        for row in queryset.order_by(*order).values(*fields)
    ]
    return rows, list(fields)


def _tables(user):
    """Every table of the file but the profile and the comments."""
    return {
        "email_addresses": _table(
            EmailAddress.objects.filter(user=user), ("email", "verified", "primary")
        ),
        "consents": _table(
            Consent.objects.filter(user=user),
            ("version__kind", "version__number", "version__title", "version__url", "given_at"),
            order=("given_at", "pk"),
        ),
        "reactions": _table(
            Reaction.objects.filter(user=user), ("comment_id", "comment__consultation_id", "stance")
        ),
        "flags": _table(
            Flag.objects.filter(user=user), ("comment_id", "reason", "note", "created", "cleared")
        ),
        "notices": _table(
            Notice.objects.filter(user=user),
            (
                "kind",
                "comment_id",
                "consultation_id",
                "count",
                "reason",
                "hold_reason",
                "note",
                "created",
                "read",
                "delivery",
                "emailed_at",
            ),
        ),
        "follows": _table(
            Follow.objects.filter(user=user),
            ("consultation_id", "consultation__title", "thread_id", "active", "created"),
        ),
        "notification_preferences": _table(
            Preference.objects.filter(user=user), ("topic", "delivery"), order=("topic",)
        ),
        # What is still in the outbox (sent mail is pruned after a while).
        "outgoing_email": _table(
            OutgoingEmail.objects.filter(user=user),
            ("to", "subject", "about", "state", "created", "sent_at"),
        ),
        "appeals": _table(
            Appeal.objects.filter(comment__author=user),
            ("comment_id", "note", "created", "resolved"),
        ),
        # Decisions about the person or their comments; the moderator is not
        # the person's data and is left out.
        "moderation_decisions": _table(
            Decision.objects.filter(user=user),
            ("action", "comment_id", "reason", "note", "created"),
            order=("created", "pk"),
        ),
        "profile_changes": _table(
            ProfileChange.objects.filter(user=user),
            ("field", "old_value", "new_value", "changed_at"),
        ),
    }


def files_of(user):
    """{file name: text} of everything about `user`."""
    comments = _comments(user)
    revisions = [
        {"comment_id": c["id"], **revision} for c in comments for revision in c["revisions"]
    ]
    files = {"profile.json": json.dumps(_profile(user), ensure_ascii=False, indent=2)}
    files["comments.json"] = json.dumps(comments, ensure_ascii=False, indent=2)
    files["comments.csv"] = _csv(comments, COMMENT_FIELDS)
    files["comment_revisions.csv"] = _csv(revisions, ["comment_id", "body", "created"])
    everything = {"profile": json.loads(files["profile.json"]), "comments": comments}
    for name, (rows, fields) in _tables(user).items():
        files[f"{name}.csv"] = _csv(rows, fields)
        everything[name] = rows
    files["all.json"] = json.dumps(everything, ensure_ascii=False, indent=2, default=str)
    with translation.override(settings.LANGUAGE_CODE):
        files["LEEME.txt"] = render_to_string("privacy/export_readme.txt", {"files": sorted(files)})
    return files


def build_zip(user):
    """The ZIP's bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files_of(user).items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()
