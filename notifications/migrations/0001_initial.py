"""Notices move here from moderation, keeping their table (db_table) and
every row."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_types(app_from, app_to, models):
    """Keep the content types (and so their permissions and Wagtail's log
    entries) of moved models: rename them rather than let new ones appear."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if ContentType.objects.filter(app_label=app_to, model=model).exists():
                continue
            ContentType.objects.filter(app_label=app_from, model=model).update(app_label=app_to)

    return forwards


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('moderation', '0005_notices_move_to_notifications'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('comments', '0005_themes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            state_operations=[
                migrations.CreateModel(
                    name='Notice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('held', 'Awaiting review'), ('flagged', 'Hidden after flags'), ('approve', 'Approved'), ('hide', 'Hidden'), ('remove', 'Removed'), ('restore', 'Restored'), ('block', 'Account blocked'), ('unblock', 'Account unblocked'), ('response', 'Answered in the response')], max_length=10)),
                        ('reason', models.CharField(blank=True, max_length=20)),
                        ('hold_reason', models.CharField(blank=True, max_length=16)),
                        ('note', models.TextField(blank=True)),
                        ('created', models.DateTimeField()),
                        ('read', models.BooleanField(default=False)),
                        ('comment', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='comments.comment')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='moderation_notices', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'moderation_notice',
                        'ordering': ['-created', '-pk'],
                        'indexes': [models.Index(fields=['user', 'read', '-created'], name='notice_user_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types("moderation", "notifications", ["notice"]), migrations.RunPython.noop),
    ]
