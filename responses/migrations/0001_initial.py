"""The response and commitments move here from consultations, keeping their
tables (db_table) and every row."""

import django.core.validators
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
        ('contenttypes', '0002_remove_content_type_name'),
        ('comments', '0005_themes'),
        ('consultations', '0005_responses_move_to_their_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are: only Django's picture of them moves.
            state_operations=[
                migrations.CreateModel(
                    name='Response',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('introduction', models.TextField(blank=True, max_length=5000, verbose_name='introduction')),
                        ('created', models.DateTimeField()),
                        ('updated', models.DateTimeField()),
                        ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='published at')),
                        ('consultation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='response', to='consultations.consultationpage')),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'response',
                        'verbose_name_plural': 'responses',
                        'db_table': 'consultations_response',
                    },
                ),
                migrations.CreateModel(
                    name='ResponseItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.PositiveIntegerField(default=0)),
                        ('heading', models.CharField(blank=True, max_length=200, verbose_name='heading')),
                        ('what_you_said', models.TextField(max_length=5000, verbose_name='what you said')),
                        ('what_we_will_do', models.TextField(max_length=5000, verbose_name='what we will do')),
                        ('comments', models.ManyToManyField(blank=True, related_name='response_items', to='comments.comment', verbose_name='comments')),
                        ('question', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='consultations.consultationquestion', verbose_name='question')),
                        ('response', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='responses.response')),
                        ('theme', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='comments.theme', verbose_name='theme')),
                        ('themes', models.ManyToManyField(blank=True, related_name='+', to='comments.theme', verbose_name='themes')),
                    ],
                    options={
                        'verbose_name': 'response item',
                        'verbose_name_plural': 'response items',
                        'db_table': 'consultations_responseitem',
                        'ordering': ['sort_order', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Commitment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.PositiveIntegerField(default=0)),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('description', models.TextField(blank=True, max_length=3000, verbose_name='description')),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('done', 'Done'), ('dropped', 'Dropped')], default='planned', max_length=12, verbose_name='status')),
                        ('progress', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='progress (%)')),
                        ('created', models.DateTimeField()),
                        ('response', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commitments', to='responses.response')),
                        ('items', models.ManyToManyField(blank=True, related_name='commitments', to='responses.responseitem', verbose_name='comes from')),
                    ],
                    options={
                        'verbose_name': 'commitment',
                        'verbose_name_plural': 'commitments',
                        'db_table': 'consultations_commitment',
                        'ordering': ['sort_order', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CommitmentUpdate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='date')),
                        ('text', models.TextField(max_length=2000, verbose_name='what happened')),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('done', 'Done'), ('dropped', 'Dropped')], max_length=12, verbose_name='status after this update')),
                        ('progress', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='progress after this update (%)')),
                        ('created', models.DateTimeField()),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('commitment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='responses.commitment')),
                    ],
                    options={
                        'verbose_name': 'commitment update',
                        'verbose_name_plural': 'commitment updates',
                        'db_table': 'consultations_commitmentupdate',
                        'ordering': ['date', 'created', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='commitment_update_progress_max_100')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='responseitem',
                    constraint=models.CheckConstraint(condition=models.Q(('question__isnull', True), ('theme__isnull', True), _connector='OR'), name='response_item_one_subject'),
                ),
                migrations.AddConstraint(
                    model_name='commitment',
                    constraint=models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='commitment_progress_max_100'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types(
            "consultations", "responses", ["response", "responseitem", "commitment", "commitmentupdate"]
        ), migrations.RunPython.noop),
    ]
