"""Migration comments 0006: stored texts made text only (issue 14, row 8),
cheaply when there is nothing to do."""

import importlib

import pytest
from django.apps import apps

from comments.models import Comment, CommentRevision
from search.models import PendingIndex

migration = importlib.import_module("comments.migrations.0006_text_only_bodies")

pytestmark = pytest.mark.django_db


def clean_stored_texts():
    migration.clean_stored_texts(apps, None)


def store(comment, body):
    """A text as the cleaner before stored it (or an import did)."""
    Comment.objects.filter(pk=comment.pk).update(body=body)


def body(comment):
    return Comment.objects.values_list("body", flat=True).get(pk=comment.pk)


def test_without_any_angle_bracket_it_reads_once_per_table_and_writes_nothing(
    post, consultation, ana, django_assert_num_queries
):
    comments = [post(ana, consultation, body=f"Comentario {n} & más.") for n in range(5)]
    PendingIndex.objects.all().delete()
    with django_assert_num_queries(2):
        clean_stored_texts()
    assert [body(comment) for comment in comments] == [f"Comentario {n} & más." for n in range(5)]
    assert not PendingIndex.objects.exists()


def test_markup_left_by_the_cleaner_before_is_stripped(post, consultation, ana, beto):
    revealed = post(ana, consultation)
    store(revealed, "<img src=x onerror=alert(1)> Más ciclovías en el centro.")
    cdata = post(beto, consultation)
    store(cdata, "><img src=x onerror=alert(1)>\n\nY banquetas.")
    harmless = post(ana, consultation)
    store(harmless, "3 < 5, ¿no?")
    PendingIndex.objects.all().delete()

    clean_stored_texts()

    assert body(revealed) == "Más ciclovías en el centro."
    assert body(cdata) == ">\n\nY banquetas."
    assert body(harmless) == "3 < 5, ¿no?"
    # The index takes the changed ones again, and only them.
    assert set(PendingIndex.objects.values_list("comment_id", flat=True)) == {
        revealed.pk,
        cdata.pk,
    }


def test_a_text_that_was_all_markup_is_not_emptied(post, consultation, ana):
    comment = post(ana, consultation)
    store(comment, "<img src=x onerror=alert(1)>")
    clean_stored_texts()
    # It was shown escaped, so this is what people read; now inert.
    assert body(comment) == "‹img src=x onerror=alert(1)>"


def test_earlier_versions_are_cleaned_too(post, consultation, ana):
    comment = post(ana, consultation)
    kept = CommentRevision.objects.create(
        comment=comment, body="Primera versión.", created=comment.created
    )
    marked = CommentRevision.objects.create(
        comment=comment, body="<<b>b>Segunda <i>versión</i>.", created=comment.created
    )
    clean_stored_texts()
    assert CommentRevision.objects.get(pk=kept.pk).body == "Primera versión."
    assert CommentRevision.objects.get(pk=marked.pk).body == "Segunda versión."


def test_rows_are_cleaned_in_batches(post, consultation, ana, monkeypatch):
    monkeypatch.setattr(migration, "BATCH", 2)
    comments = [post(ana, consultation) for _ in range(5)]
    for n, comment in enumerate(comments):
        store(comment, f"<b>Comentario</b> {n}.")
    clean_stored_texts()
    assert [body(comment) for comment in comments] == [f"Comentario {n}." for n in range(5)]
    assert PendingIndex.objects.filter(comment_id__in=[c.pk for c in comments]).count() == 5
