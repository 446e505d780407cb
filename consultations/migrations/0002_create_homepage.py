"""Replace Wagtail's placeholder welcome page with Puente's home page."""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("consultations.HomePage")

    Page.objects.filter(depth=2, content_type__model="page", slug="home").delete()
    if HomePage.objects.exists():
        return
    homepage_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="consultations")
    root = Page.objects.get(depth=1)
    locale = Locale.objects.order_by("pk").first()
    # Appended after the root's existing children; treebeard paths are 4 chars.
    path = f"{root.path}{root.numchild + 1:04d}"
    homepage = HomePage.objects.create(
        title="Puente",
        draft_title="Puente",
        slug="inicio",
        content_type=homepage_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/inicio/",
        locale_id=locale.pk if locale else None,
    )
    Page.objects.filter(pk=root.pk).update(numchild=Page.objects.filter(depth=2).count())
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page_id = homepage.pk
        site.save()
    else:
        Site.objects.create(hostname="localhost", root_page_id=homepage.pk, is_default_site=True)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_homepage, migrations.RunPython.noop)]
