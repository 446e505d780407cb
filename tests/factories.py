"""factory-boy factories; conftest.py exposes them as fixtures."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import User
from consultations.models import (
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationQuestion,
    ConsultationSection,
    HomePage,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persona{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Persona {n}")
    password = factory.django.Password("contraseña-segura-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


class _PageFactory(factory.django.DjangoModelFactory):
    """Pages are created under a parent and published, as an editor would."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, parent=None, publish=True, **kwargs):
        page = cls._build_page(model_class, **kwargs)
        if not publish:
            page.live = False
        parent.add_child(instance=page)
        revision = page.save_revision()
        if publish:
            revision.publish()
        page.refresh_from_db()
        return page

    @classmethod
    def _build_page(cls, model_class, **kwargs):
        return model_class(**kwargs)


class ConsultationIndexPageFactory(_PageFactory):
    class Meta:
        model = ConsultationIndexPage

    title = "Consultas"
    slug = factory.Sequence(lambda n: f"consultas-{n}")


class ConsultationPageFactory(_PageFactory):
    class Meta:
        model = ConsultationPage

    title = factory.Sequence(lambda n: f"Consulta {n}")
    slug = factory.Sequence(lambda n: f"consulta-{n}")
    summary = "Un borrador para comentar."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=30))
    responsible_office = "Dirección de Gobierno Abierto"

    @classmethod
    def _build_page(cls, model_class, sections=(), questions=(), tags=(), **kwargs):
        page = model_class(
            sections=[
                ConsultationSection(heading=h, body=f"<p>{b}</p>", sort_order=i)
                for i, (h, b) in enumerate(sections)
            ],
            questions=[
                ConsultationQuestion(text=text, sort_order=i) for i, text in enumerate(questions)
            ],
            **kwargs,
        )
        page.tags.add(*tags)
        return page


def home_page():
    return HomePage.objects.get()


def ensure_site():
    """Rebuild what migrations create (page tree root, home page, site, role
    groups) after a transactional test's flush emptied the tables."""
    from wagtail.models import Locale, Page, Site

    from accounts.roles import ensure_role_groups

    # Also brings back the content types a flush emptied, which the pages need.
    ensure_role_groups()
    if HomePage.objects.exists():
        return home_page()
    Locale.objects.get_or_create(language_code="es-mx")
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = root.add_child(instance=HomePage(title="Puente", slug="inicio"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
    )
    # Again now that the root exists: the editors' group gets its page
    # permissions on it.
    ensure_role_groups()
    return home
