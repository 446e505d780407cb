"""The database backend's text table, one per engine (search/backends/database.py):
on PostgreSQL a table of tsvectors with a GIN index, on SQLite an FTS5
virtual table. Neither is a model: the backend reads and writes them in SQL."""

from django.db import migrations

POSTGRESQL = (
    """
    CREATE TABLE comment_search_text (
        comment_id bigint PRIMARY KEY,
        body text NOT NULL,
        vector tsvector NOT NULL
    )
    """,
    "CREATE INDEX comment_search_text_vector_idx ON comment_search_text USING gin (vector)",
)
SQLITE = ("CREATE VIRTUAL TABLE comment_search_text USING fts5(es, en, body UNINDEXED)",)


def create(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(
        schema_editor.connection.vendor, ()
    )
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        schema_editor.execute("DROP TABLE IF EXISTS comment_search_text")


class Migration(migrations.Migration):
    dependencies = [("comment_search", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
