"""Notices leave for the notifications app (its 0001 takes them over);
nothing changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0004_notice_for_responses'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            state_operations=[
                migrations.DeleteModel(
                    name='Notice',
                ),
            ],
            database_operations=[],
        ),
    ]
