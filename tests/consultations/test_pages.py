"""Page tree rules, creation through the admin, stable section/question ids."""

from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, querydict_from_html

from consultations.models import (
    ConsultationIndexPage,
    ConsultationPage,
    HomePage,
    SectionVersion,
)
from pages.models import ContentPage
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page


class PageTreeTests(WagtailPageTestCase):
    def test_home_page_sits_under_the_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(HomePage, {ConsultationIndexPage, ContentPage})

    def test_consultations_live_under_an_index_only(self):
        self.assertAllowedParentPageTypes(ConsultationPage, {ConsultationIndexPage})
        self.assertAllowedSubpageTypes(ConsultationPage, {})
        self.assertCanNotCreateAt(HomePage, ConsultationPage)
        self.assertCanNotCreateAt(Page, ConsultationPage)
        self.assertCanNotCreateAt(ConsultationPage, ConsultationPage)

    def test_index_lives_under_the_home_page(self):
        self.assertAllowedParentPageTypes(ConsultationIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ConsultationIndexPage, {ConsultationPage})

    def test_only_one_home_page(self):
        self.assertEqual(HomePage.max_count, 1)
        self.assertTrue(HomePage.objects.exists())
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))


class AdminCreationTests(WagtailPageTestCase):
    def setUp(self):
        self.login()
        self.index = ConsultationIndexPageFactory(parent=home_page())

    def form_data(self, **overrides):
        data = {
            "title": "Alumbrado público",
            "slug": "alumbrado",
            "summary": "Cómo iluminar mejor las calles.",
            "opens_at": "2026-01-01 09:00",
            "closes_at": "2026-02-01 09:00",
            "responsible_office": "Servicios Públicos",
            "contact_email": "",
            "contact_phone": "",
            "tags": "alumbrado, seguridad",
            "sections": inline_formset(
                [
                    {"heading": "Diagnóstico", "body": rich_text("Hay colonias a oscuras.")},
                    {"heading": "Propuesta", "body": rich_text("Luminarias LED.")},
                ]
            ),
            "questions": inline_formset([{"text": "¿Qué calles te preocupan?", "help_text": ""}]),
            "documents": inline_formset([]),
        }
        data.update(overrides)
        return nested_form_data(data)

    def test_editor_creates_a_consultation_through_the_admin_form(self):
        self.assertCanCreate(self.index, ConsultationPage, self.form_data())
        page = ConsultationPage.objects.get(slug="alumbrado")
        self.assertTrue(page.live)
        self.assertEqual([s.heading for s in page.ordered_sections], ["Diagnóstico", "Propuesta"])
        self.assertEqual([q.text for q in page.ordered_questions], ["¿Qué calles te preocupan?"])
        self.assertEqual(sorted(t.name for t in page.tags.all()), ["alumbrado", "seguridad"])
        # Publishing recorded a version for each section.
        self.assertEqual(SectionVersion.objects.filter(section__page=page).count(), 2)

    def test_closing_before_opening_is_refused(self):
        data = self.form_data(closes_at="2025-12-01 09:00")
        response = self.client.post(
            reverse(
                "wagtailadmin_pages:add",
                args=["consultations", "consultationpage", self.index.pk],
            ),
            {**data, "action-publish": "action-publish"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("closes_at", response.context["form"].errors)
        self.assertFalse(ConsultationPage.objects.filter(slug="alumbrado").exists())


def rich_text(text):
    from wagtail.test.utils.form_data import rich_text as to_editor_format

    return to_editor_format(f"<p>{text}</p>")


class StableIdTests(WagtailPageTestCase):
    """Comments anchor to section and question ids: new revisions keep them."""

    def setUp(self):
        self.user = self.login()
        index = ConsultationIndexPageFactory(parent=home_page())
        self.page = ConsultationPageFactory(
            parent=index,
            sections=[("Uno", "Primer texto"), ("Dos", "Segundo texto")],
            questions=["¿Primera?", "¿Segunda?"],
        )

    def publish_edit(self, change):
        url = reverse("wagtailadmin_pages:edit", args=[self.page.pk])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
        change(data)
        data["action-publish"] = "action-publish"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))

    def ids(self):
        page = ConsultationPage.objects.get(pk=self.page.pk)
        return (
            [s.pk for s in page.sections.order_by("sort_order")],
            [q.pk for q in page.questions.order_by("sort_order")],
        )

    def test_ids_survive_two_published_revisions(self):
        before = self.ids()
        first_versions = dict(SectionVersion.objects.values_list("section_id", "changed_at"))

        self.publish_edit(lambda data: data.__setitem__("sections-0-heading", "Uno, corregido"))
        self.publish_edit(lambda data: data.__setitem__("questions-1-text", "¿Segunda, mejor?"))

        self.assertEqual(self.ids(), before)
        page = ConsultationPage.objects.get(pk=self.page.pk)
        self.assertEqual(page.revisions.count(), 3)
        self.assertEqual(page.ordered_sections[0].heading, "Uno, corregido")
        self.assertEqual(page.ordered_questions[1].text, "¿Segunda, mejor?")

        # Only the edited section is marked as changed since its first version.
        versions = dict(SectionVersion.objects.values_list("section_id", "changed_at"))
        edited, untouched = before[0]
        self.assertGreater(versions[edited], first_versions[edited])
        self.assertEqual(versions[untouched], first_versions[untouched])

    def test_republishing_unchanged_text_marks_nothing(self):
        first_versions = dict(SectionVersion.objects.values_list("section_id", "changed_at"))
        self.publish_edit(lambda data: None)
        self.assertEqual(
            dict(SectionVersion.objects.values_list("section_id", "changed_at")), first_versions
        )


class RenderTests(WagtailPageTestCase):
    def setUp(self):
        index = ConsultationIndexPageFactory(parent=home_page())
        self.page = ConsultationPageFactory(
            parent=index, sections=[("Uno", "Texto")], questions=["¿Qué opinas?"]
        )

    def test_pages_are_routable_and_renderable(self):
        for page in (home_page(), self.page.get_parent().specific, self.page):
            self.assertPageIsRoutable(page)
            self.assertPageIsRenderable(page)

    def test_consultation_page_is_editable(self):
        self.assertPageIsEditable(self.page)

    def test_consultation_page_shows_sections_and_questions_with_ids(self):
        response = self.client.get(self.page.url)
        section, question = self.page.ordered_sections[0], self.page.ordered_questions[0]
        self.assertContains(response, f'id="section-{section.pk}"')
        self.assertContains(response, f'id="question-{question.pk}"')
        self.assertContains(response, "¿Qué opinas?")

    def test_unpublished_consultation_is_not_served(self):
        draft = ConsultationPageFactory(
            parent=self.page.get_parent(), publish=False, slug="borrador"
        )
        self.assertFalse(draft.live)
        self.assertEqual(self.client.get(draft.get_parent().url + "borrador/").status_code, 404)
