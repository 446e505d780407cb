"""Near-duplicate keys carry their comment's author, consultation and status,
so campaigns are counted from the key table alone. Keys are derived data: the
old rows go, and `manage.py search_rebuild` (or any comment change) writes
them again."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_keys(apps, schema_editor):
    apps.get_model("comment_search", "NearDuplicateKey").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comment_search", "0002_database_backend"),
        ("consultations", "0003_consultationpage_auto_hide_flags_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forget_keys, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="nearduplicatekey", name="near_duplicate_key_idx"),
        migrations.AddField(
            model_name="nearduplicatekey",
            name="author",
            field=models.ForeignKey(
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="nearduplicatekey",
            name="consultation",
            field=models.ForeignKey(
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="consultations.consultationpage",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="nearduplicatekey",
            name="status",
            field=models.CharField(default="", max_length=16),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="nearduplicatekey",
            index=models.Index(fields=["key", "status", "author"], name="near_duplicate_key_idx"),
        ),
        migrations.AddIndex(
            model_name="nearduplicatekey",
            index=models.Index(
                fields=["consultation", "key", "status", "author"],
                name="near_duplicate_scope_idx",
            ),
        ),
    ]
