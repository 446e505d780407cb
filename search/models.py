"""The comment index's bookkeeping in the database: which comments still
have to reach the index (the backlog), whether a rebuild is under way, and
the near-duplicate keys. The index itself is rebuilt from the database at
any time; writes go through search/indexing.py."""

from django.conf import settings
from django.db import models

from comments.models import Comment
from consultations.models import ConsultationPage


class PendingIndex(models.Model):
    """A comment changed and the index has not taken the change yet. Written in
    the same transaction as the change, so a change is never lost; deleted
    once the index has it. No foreign key: a comment deleted since still has
    to leave the index."""

    comment_id = models.BigIntegerField(primary_key=True)
    changed = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_attempt = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["changed"], name="pending_index_changed_idx")]

    def __str__(self):
        return f"{self.comment_id} since {self.changed:%Y-%m-%d %H:%M:%S}"


class IndexState(models.Model):
    """One row: the last sync that left the backlog empty, the rebuild in
    progress (while one runs, synced changes stay in the backlog so they are
    replayed into the new index once it takes the alias), and the rebuild
    queued because the index was lost (search/health.py), so that it is
    queued once, not once per search."""

    last_sync = models.DateTimeField(null=True, blank=True)
    rebuilding_since = models.DateTimeField(null=True, blank=True)
    rebuild_requested = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"last sync {self.last_sync}"

    @classmethod
    def get(cls):
        return cls.objects.get_or_create(pk=1)[0]


class NearDuplicateKey(models.Model):
    """One locality-sensitive hash band of a comment's word shingles: comments
    sharing a key are probably near-identical (search/duplicates.py). The
    comment's author, consultation and status are copied here (keys are
    refreshed whenever the comment changes) so that campaigns are counted
    from this table alone."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    consultation = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16)

    class Meta:
        indexes = [
            models.Index(fields=["key", "status", "author"], name="near_duplicate_key_idx"),
            models.Index(
                fields=["consultation", "key", "status", "author"],
                name="near_duplicate_scope_idx",
            ),
            models.Index(fields=["comment"], name="near_duplicate_comment_idx"),
        ]

    def __str__(self):
        return f"{self.comment_id}: {self.key}"


class SummaryTerm(models.Model):
    """One summary term (search/terms.py) of one published comment: the
    database backend's equivalent of the Elasticsearch document's
    `summary_terms`, written by the backend's index, remove and rebuild, so
    it follows a comment's status as the index does (a comment that is no
    longer published has no rows). Each published comment also has one row
    whose term is "", which counts the comment itself. The comment's consultation, anchor and
    date, which never change, are copied here so that counting reads this
    table alone; the question and section are plain ids, as a deleted
    question's comments simply stop being asked about."""

    pk = models.CompositePrimaryKey("comment", "term")
    # The primary key's first column serves look-ups by comment.
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The folded key ("participacion", "transporte publico").
    term = models.CharField(max_length=64)
    # The accented spelling the comment used, "" when it wrote the key.
    form = models.CharField(max_length=64, blank=True)
    consultation = models.ForeignKey(
        ConsultationPage, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    question = models.BigIntegerField(null=True, blank=True)
    section = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField()
    # The comment's sample bucket, 0-1023 (search/terms.py `bucket`): a large
    # group's terms are counted from the comments of its first buckets only.
    bucket = models.SmallIntegerField(default=0)

    class Meta:
        # Every count reads an index range: a group's sample, a term's rows.
        indexes = [
            models.Index(
                fields=["consultation", "question", "bucket"], name="summary_term_question_idx"
            ),
            models.Index(fields=["consultation", "bucket"], name="summary_term_sample_idx"),
            models.Index(
                fields=["consultation", "term", "bucket", "question"],
                name="summary_term_term_idx",
            ),
            models.Index(fields=["term", "bucket"], name="summary_term_site_idx"),
            # The comments' own rows, for a group filtered by date, section
            # or theme: its comments first, then their terms by primary key.
            models.Index(
                fields=["consultation", "created", "bucket", "question", "section"],
                condition=models.Q(term=""),
                name="summary_term_comment_idx",
            ),
        ]

    def __str__(self):
        return f"{self.comment_id}: {self.term or '(comment)'}"
