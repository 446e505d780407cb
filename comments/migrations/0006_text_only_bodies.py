"""Stored comment texts are made text only (issue 14, row 8). The cleaner
before could leave markup in what it stored ("<svg><![CDATA[><img …>"
kept "<img …>"), and the API and the open data hand stored text out as it
is. Every tag opening starts with "<", so only rows holding one are read:
a database without any pays one scan per table and writes nothing.

Earlier versions (CommentRevision) are cleaned too: they are the author's
words, handed out in their data export. A comment whose text would be
emptied (it was all markup, shown escaped and read as such) keeps its
characters, with only what could open markup made inert. Changed comments
go to the search backlog, which `manage.py search_sync` (or the next
indexing task that retries the backlog) sends to the index."""

from django.db import migrations
from django.utils import timezone

BATCH = 500


def clean_stored_texts(apps, schema_editor):
    from comments.text import MIN_LENGTH, clean_body, inert_body

    def again(body):
        cleaned = clean_body(body)
        return cleaned if len(cleaned) >= MIN_LENGTH else inert_body(body)

    changed = _clean_rows(apps.get_model("comments", "Comment"), again)
    _clean_rows(apps.get_model("comments", "CommentRevision"), again)
    PendingIndex = apps.get_model("comment_search", "PendingIndex")
    now = timezone.now()
    for start in range(0, len(changed), BATCH):
        PendingIndex.objects.bulk_create(
            [PendingIndex(comment_id=pk, changed=now) for pk in changed[start : start + BATCH]],
            ignore_conflicts=True,
        )


def _clean_rows(model, again):
    """The ids of the rows whose body changed. Read in batches by id (each
    batch a fresh query, so no cursor stays open on a table being written,
    which SQLite does not isolate)."""
    changed, last = [], 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last, body__contains="<")
            .order_by("pk")
            .values_list("pk", "body")[:BATCH]
        )
        if not rows:
            return changed
        last = rows[-1][0]
        updates = [model(pk=pk, body=again(body)) for pk, body in rows]
        updates = [row for row, (_, body) in zip(updates, rows, strict=True) if row.body != body]
        if updates:
            model.objects.bulk_update(updates, ["body"])
            changed += [row.pk for row in updates]
        if len(rows) < BATCH:
            return changed


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0005_themes"),
        # The backlog of comments the index has to take again.
        ("comment_search", "0001_initial"),
    ]

    operations = [migrations.RunPython(clean_stored_texts, migrations.RunPython.noop)]
