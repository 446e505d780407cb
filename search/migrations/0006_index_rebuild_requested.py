from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('comment_search', '0005_summary_term_buckets'),
    ]

    operations = [
        migrations.AddField(
            model_name='indexstate',
            name='rebuild_requested',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
