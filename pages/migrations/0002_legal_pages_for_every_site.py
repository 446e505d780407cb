"""Every site starts with its (empty) legal pages settings row, so that the
first page a visitor opens does not have to write it."""

from django.db import migrations


def create_rows(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    LegalPages = apps.get_model("pages", "LegalPages")
    for site in Site.objects.all():
        LegalPages.objects.get_or_create(site=site)


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
