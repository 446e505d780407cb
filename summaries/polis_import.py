"""A Pol.is export (summaries/polis.py) written into the database as a closed
consultation, for `manage.py import_polis`: the page, one question, one
pseudonymous account per participant, the comments and the reactions, in
one transaction and in bulk (tens of thousands of people, hundreds of
thousands of reactions), not through comments/actions.py one write at a
time. What the actions do per write is done here once for all:

- each comment gets a change number from the consultation's counter
  (comments.ConsultationActivity), in the order they were written;
- its reaction counters match its reactions;
- the change listeners (the search index) are told of every comment, as
  do_withdraw_all tells them of its bulk change: the index gets them once
  the import commits.

No live event is published (nobody can be watching a consultation that did
not exist) and no rule of the site is applied: the conversation happened
elsewhere. Pol.is counts an author's own vote on their comment; it is kept
as a reaction, which the site would not let anyone make."""

from collections import Counter
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from comments import hooks
from comments.actions import STANCE_COUNTERS
from comments.models import Comment, CommentStatus, ConsultationActivity, Reaction, Stance
from comments.text import clean_body
from consultations.models import (
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationQuestion,
    ascii_slug,
)
from summaries.models import ImportedParticipant

MODERATED_OUT = -1
STANCES = {1: Stance.AGREE, -1: Stance.DISAGREE, 0: Stance.PASS}
EMAIL_DOMAIN = "polis.invalid"  # `.invalid` never receives mail (RFC 2606)
BATCH = 5000


class ImportRefused(Exception):
    """Why an export cannot be imported (nothing was written)."""


def participant_name(polis_id):
    """Not translated: stored once, the same whatever language the shell
    that imported it used, and read as a reference to Pol.is's data."""
    return f"Pol.is participant {polis_id}"


def participant_email(consultation_id, polis_id):
    """Unique across imports: a conversation imported twice has two pages."""
    return f"polis-{consultation_id}-{polis_id}@{EMAIL_DOMAIN}"


def find_parent(parent_id=None):
    """The consultation index the page goes under: `parent_id`'s, or the
    site's first one."""
    if parent_id is None:
        index = ConsultationIndexPage.objects.order_by("path").first()
        if index is None:
            raise ImportRefused(_("There is no consultation index page to import into."))
        return index
    index = ConsultationIndexPage.objects.filter(pk=parent_id).first()
    if index is None:
        if Page.objects.filter(pk=parent_id).exists():
            raise ImportRefused(
                _("Page %(id)s is not a consultation index page.") % {"id": parent_id}
            )
        raise ImportRefused(_("There is no page %(id)s.") % {"id": parent_id})
    return index


@transaction.atomic
def import_export(export, *, parent=None, now=None, progress=None):
    """Write `export` as a new closed consultation under `parent` (a
    ConsultationIndexPage, else the site's first); return the page.
    `progress(message)` is told how far it got."""
    now = now or timezone.now()
    progress = progress or (lambda message: None)
    parent = parent or find_parent()
    # Comments moderated out come in as removed, with their votes: they show
    # nowhere, and the opinion groups count them as Pol.is does (a column of
    # zeros in its correction for people who voted on few comments).
    kept, votes = export.comments, export.votes
    opens_at, closes_at = _dates(export, now)
    page = _create_page(export, parent, opens_at, closes_at)
    question = page.questions.get()
    progress(f"page {page.pk}: {page.title!r}, {opens_at:%Y-%m-%d} to {closes_at:%Y-%m-%d}")

    accounts = _create_accounts(page, export.participants, opens_at)
    progress(f"{len(accounts)} accounts")

    comments = _create_comments(page, question, kept, votes, accounts)
    removed = sum(1 for comment in kept if comment.moderated == MODERATED_OUT)
    progress(f"{len(comments)} comments ({removed} moderated out: imported as removed)")

    for done in _create_reactions(votes, comments, accounts):
        progress(f"reactions: {done} of {len(votes)}")
    # Told last, once the comments' data is whole (the index reads it on commit).
    hooks.changed(*(comment.pk for comment in comments.values()))
    return page


def _dates(export, now):
    """From the first comment or vote to just after the last."""
    times = [comment.created for comment in export.comments]
    times += [vote.created for vote in export.votes if vote.created is not None]
    if not times:
        raise ImportRefused(_("The export has no comments."))
    first, last = min(times), max(times)
    closes_at = last + timedelta(seconds=1)
    if closes_at > now:
        raise ImportRefused(
            _("The export has activity after now (%(last)s): it would not be closed.")
            % {"last": last.isoformat()}
        )
    return first, closes_at


def _create_page(export, parent, opens_at, closes_at):
    title = " ".join(export.topic.split())[:255] or "Pol.is"
    summary = export.description.strip() or _("Imported from the Pol.is conversation %(url)s.") % {
        "url": export.url or title
    }
    page = ConsultationPage(
        title=title,
        slug=_free_slug(parent, ascii_slug(title)[:200] or "polis"),
        summary=summary,
        opens_at=opens_at,
        closes_at=closes_at,
        responsible_office="Pol.is",
        questions=[ConsultationQuestion(text=title[:300], sort_order=0)],
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _free_slug(parent, slug):
    taken = set(parent.get_children().filter(slug__startswith=slug).values_list("slug", flat=True))
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def _create_accounts(page, participants, joined):
    """{Pol.is id: user id}: an account nobody can sign in to, per participant."""
    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(
                email=participant_email(page.pk, polis_id),
                display_name=participant_name(polis_id),
                password=make_password(None),
                date_joined=joined,
            )
            for polis_id in participants
        ],
        batch_size=BATCH,
    )
    # Both databases (PostgreSQL, SQLite >= 3.35) return the new keys.
    accounts = {polis_id: user.pk for polis_id, user in zip(participants, users, strict=True)}
    ImportedParticipant.objects.bulk_create(
        [
            ImportedParticipant(consultation=page, user_id=user_id, polis_id=polis_id)
            for polis_id, user_id in accounts.items()
        ],
        batch_size=BATCH,
    )
    return accounts


def _create_comments(page, question, kept, votes, accounts):
    """{Pol.is comment id: Comment}, published (removed when moderated out),
    numbered in order written."""
    counts = Counter((vote.comment, STANCES[vote.vote]) for vote in votes)
    ordered = sorted(kept, key=lambda comment: (comment.created, comment.id))
    rows = [
        Comment(
            consultation=page,
            question=question,
            author_id=accounts[comment.author],
            body=clean_body(comment.text),
            status=(
                CommentStatus.REMOVED
                if comment.moderated == MODERATED_OUT
                else CommentStatus.PUBLISHED
            ),
            created=comment.created,
            seq=seq,
            **{STANCE_COUNTERS[stance]: counts[comment.id, stance] for stance in Stance},
        )
        for seq, comment in enumerate(ordered, start=1)
    ]
    # The page is new: nobody else takes its numbers meanwhile.
    ConsultationActivity.objects.create(consultation=page, last_seq=len(rows))
    Comment.objects.bulk_create(rows, batch_size=BATCH)
    # Top-level comments are their own thread's root.
    Comment.objects.filter(consultation=page).update(root=F("pk"))
    for row in rows:
        row.root_id = row.pk
    return {comment.id: row for comment, row in zip(ordered, rows, strict=True)}


def _create_reactions(votes, comments, accounts):
    """Write the reactions in batches, yielding how many are written. A plain
    INSERT of three columns through executemany: at hundreds of thousands of
    rows, building a model instance per row and compiling bulk_create's SQL
    took most of an import's time (and the rows have no defaults, signals or
    save logic to run)."""
    meta = Reaction._meta
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(name).column)
        for name in ("comment", "user", "stance")
    )
    table = connection.ops.quote_name(meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608 - the model's names; values as parameters
    with connection.cursor() as cursor:
        for start in range(0, len(votes), BATCH):
            cursor.executemany(
                sql,
                [
                    (
                        comments[vote.comment].pk,
                        accounts[vote.participant],
                        STANCES[vote.vote].value,
                    )
                    for vote in votes[start : start + BATCH]
                ],
            )
            yield min(start + BATCH, len(votes))
