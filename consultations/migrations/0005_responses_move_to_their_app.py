"""The response and commitments leave for the responses app (its 0001 takes
them over); nothing changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consultations', '0004_response_and_commitments'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            state_operations=[
                migrations.RemoveField(
                    model_name='commitmentupdate',
                    name='commitment',
                ),
                migrations.RemoveField(
                    model_name='commitmentupdate',
                    name='author',
                ),
                migrations.RemoveField(
                    model_name='response',
                    name='consultation',
                ),
                migrations.RemoveField(
                    model_name='response',
                    name='published_by',
                ),
                migrations.RemoveField(
                    model_name='responseitem',
                    name='response',
                ),
                migrations.RemoveField(
                    model_name='responseitem',
                    name='comments',
                ),
                migrations.RemoveField(
                    model_name='responseitem',
                    name='question',
                ),
                migrations.RemoveField(
                    model_name='responseitem',
                    name='theme',
                ),
                migrations.RemoveField(
                    model_name='responseitem',
                    name='themes',
                ),
                migrations.DeleteModel(
                    name='Commitment',
                ),
                migrations.DeleteModel(
                    name='CommitmentUpdate',
                ),
                migrations.DeleteModel(
                    name='Response',
                ),
                migrations.DeleteModel(
                    name='ResponseItem',
                ),
            ],
            database_operations=[],
        ),
    ]
