import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MinValueValidator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.module_loading import import_string
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from consultations.status import Status, status_at, status_filter

INDEX_PAGE_SIZE = 10
HOME_GROUP_SIZE = 6
# The home page's participation figures are counted at most this often.
FIGURES_SECONDS = 60


def public_consultations():
    """Published consultations anyone may see, ready for listing."""
    return ConsultationPage.objects.live().public().prefetch_related("tags").order_by("-opens_at")


def ascii_slug(component):
    """A slug as Wagtail now writes them (WAGTAIL_ALLOW_UNICODE_SLUGS off):
    "parques-y-espacios-públicos-2027" -> "parques-y-espacios-publicos-2027"."""
    return slugify(component, allow_unicode=False)


class IntroPage(Page):
    """A page whose own content is one introduction above a listing."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    api_fields = [APIField("intro")]

    class Meta:
        abstract = True

    def route(self, request, path_components):
        """Wagtail's routing, and where no child has the slug asked for, the
        child whose slug reads the same without accents: a page created with
        "públicos" in its slug is reached at "publicos" too, and an address
        with the accent still reaches a slug edited to ASCII. The page names
        its own address as canonical (base.html)."""
        try:
            return super().route(request, path_components)
        except Http404:
            if not path_components:
                raise
            wanted = ascii_slug(path_components[0])
            # Only on a miss: this level's slugs, compared in Python.
            for pk, slug in self.get_children().values_list("pk", "slug"):
                if slug != path_components[0] and ascii_slug(slug) == wanted:
                    child = Page.objects.get(pk=pk).specific
                    return child.route(request, path_components[1:])
            raise


class HomePage(IntroPage):
    parent_page_types = ["wagtailcore.Page"]
    # Content pages (the `pages` app): the privacy notice, terms, help.
    subpage_types = ["consultations.ConsultationIndexPage", "pages.ContentPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        consultations = public_consultations().descendant_of(self)
        # Each group shows its newest few; the index page lists them all.
        # Reported consultations are closed ones with a published response.
        closed = status_filter(Status.CLOSED, now) | status_filter(Status.REPORTED, now)
        context["consultation_groups"] = [
            (status, list(consultations.filter(condition)[:HOME_GROUP_SIZE]))
            for status, condition in (
                (Status.OPEN, status_filter(Status.OPEN, now)),
                (Status.UPCOMING, status_filter(Status.UPCOMING, now)),
                (Status.CLOSED, closed),
            )
        ]
        context["consultation_index"] = (
            ConsultationIndexPage.objects.live().public().child_of(self).first()
        )
        context["figures"] = self.participation_figures()
        return context

    def participation_figures(self):
        """{"open": n, and what PUENTE_HOME_PAGE_FIGURES add ("comments",
        "participants")}: counted at most once a minute, in a few queries."""
        key = f"puente:home-figures:{self.pk}"
        figures = cache.get(key)
        if figures is None:
            now = timezone.now()
            figures = {
                "open": public_consultations()
                .descendant_of(self)
                .filter(status_filter(Status.OPEN, now))
                .count()
            }
            for path in settings.PUENTE_HOME_PAGE_FIGURES:
                figures.update(import_string(path)(self))
            cache.set(key, figures, FIGURES_SECONDS)
        return figures


class ConsultationIndexPage(IntroPage):
    parent_page_types = ["consultations.HomePage"]
    subpage_types = ["consultations.ConsultationPage"]

    class Meta:
        verbose_name = _("consultation index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        consultations = public_consultations().child_of(self)
        status = request.GET.get("status", "")
        if status in Status.values:
            consultations = consultations.filter(status_filter(status, timezone.now()))
        else:
            status = ""
        tag = request.GET.get("tag", "")
        if tag:
            consultations = consultations.filter(tags__slug=tag).distinct()
        page = Paginator(consultations, INDEX_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            consultations=page,
            selected_status=status,
            selected_tag=tag,
            statuses=Status.choices,
            tags=ConsultationPageTag.tags_of(public_consultations().child_of(self)),
        )
        return context


class ConsultationPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "consultations.ConsultationPage", on_delete=models.CASCADE, related_name="tagged_items"
    )

    @staticmethod
    def tags_of(consultations):
        """The tags used by `consultations` (so drafts' tags stay private)."""
        from taggit.models import Tag

        return (
            Tag.objects.filter(
                consultations_consultationpagetag_items__content_object__in=consultations.values(
                    "pk"
                )
            )
            .distinct()
            .order_by("name")
        )


class ConsultationPage(Page):
    """A draft policy put to the public: its sections, its questions, its dates."""

    summary = models.TextField(_("summary"), help_text=_("One or two paragraphs, plain language."))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    # Set when the planners' response ("what we heard") is published.
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True, editable=False)
    responsible_office = models.CharField(_("responsible office"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    tags = ClusterTaggableManager(through=ConsultationPageTag, blank=True)
    # Overrides of the site's moderation settings (moderation/policy.py).
    moderation_mode = models.CharField(
        _("moderation"),
        max_length=8,
        blank=True,
        choices=[
            ("", _("As the site's moderation settings say")),
            ("post", _("Publish at once, review afterwards")),
            ("pre", _("Hold every comment until a moderator approves it")),
        ],
    )
    auto_hide_flags = models.PositiveSmallIntegerField(
        _("hide after this many flags"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty to use the site's setting."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading=_("Dates")),
        MultiFieldPanel(
            [
                FieldPanel("responsible_office"),
                FieldPanel("contact_email"),
                FieldPanel("contact_phone"),
            ],
            heading=_("Responsible office"),
        ),
        FieldPanel("tags"),
        InlinePanel("sections", heading=_("Sections of the draft"), label=_("Section")),
        InlinePanel("questions", heading=_("Questions"), label=_("Question")),
        InlinePanel("documents", heading=_("Documents"), label=_("Document")),
    ]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [FieldPanel("moderation_mode"), FieldPanel("auto_hide_flags")],
            heading=_("Moderation"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("responsible_office"),
        index.RelatedFields("sections", [index.SearchField("heading"), index.SearchField("body")]),
        index.RelatedFields("questions", [index.SearchField("text")]),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("opens_at"),
        index.FilterField("closes_at"),
    ]
    api_fields = [
        APIField("summary"),
        APIField("opens_at"),
        APIField("closes_at"),
        APIField("status"),
        APIField("responsible_office"),
        APIField("tags"),
        APIField("sections"),
        APIField("questions"),
    ]

    parent_page_types = ["consultations.ConsultationIndexPage"]
    subpage_types = []
    # A copy starts without a response, so unreported.
    exclude_fields_in_copy = ["reported_at"]

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [models.Index(fields=["opens_at", "closes_at"], name="consultation_dates_idx")]

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The closing date must be after the opening.")})

    def status_at(self, now):
        return status_at(self.opens_at, self.closes_at, self.reported_at, now)

    def get_context(self, request, *args, **kwargs):
        # The page shows what the apps above it add (the discussion, the
        # response): an extension point, so that pages depend on none of them.
        context = super().get_context(request, *args, **kwargs)
        for path in settings.PUENTE_CONSULTATION_PAGE_CONTEXT:
            context.update(import_string(path)(self, request))
        return context

    def with_content_json(self, content):
        """A revision as a page, keeping today's `reported_at`: it belongs to
        the published response, not to the text (as Wagtail keeps `live`,
        `locked`...), so publishing an older or newer revision never resets it."""
        obj = super().with_content_json(content)
        obj.reported_at = self.reported_at
        return obj

    @property
    def status(self):
        return self.status_at(timezone.now())

    @cached_property
    def ordered_sections(self):
        return list(self.sections.select_related("version").order_by("sort_order"))

    @cached_property
    def ordered_questions(self):
        return list(self.questions.order_by("sort_order"))

    @cached_property
    def ordered_documents(self):
        return list(self.documents.select_related("document").order_by("sort_order"))


class ConsultationSection(Orderable):
    """A part of the draft policy. Its primary key is the stable id comments
    anchor to: Wagtail keeps child rows' keys across revisions."""

    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(_("heading"), max_length=200)
    body = RichTextField(_("text"))

    panels = [FieldPanel("heading"), FieldPanel("body")]
    api_fields = [APIField("heading"), APIField("body")]

    class Meta(Orderable.Meta):
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.heading

    def fingerprint(self):
        """A digest of what a reader sees: the editor's round trips rewrite
        the HTML (block keys, attributes) without changing the words."""
        text = " ".join(strip_tags(self.body).split())
        return hashlib.sha256(f"{self.heading.strip()}\x00{text}".encode()).hexdigest()

    @property
    def changed_at(self):
        version = getattr(self, "version", None)
        return version.changed_at if version else None


class SectionVersion(models.Model):
    """When a section's published text last changed. Kept outside the page's
    revisions (which would carry stale copies) and updated on publish."""

    section = models.OneToOneField(
        ConsultationSection, on_delete=models.CASCADE, primary_key=True, related_name="version"
    )
    fingerprint = models.CharField(max_length=64)
    changed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.section_id} @ {self.changed_at:%Y-%m-%d %H:%M}"


class ConsultationQuestion(Orderable):
    """A question put to the public; its primary key is its stable id."""

    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    help_text = models.TextField(_("help text"), blank=True)

    panels = [FieldPanel("text"), FieldPanel("help_text")]
    api_fields = [APIField("text")]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text


class ConsultationDocument(Orderable):
    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.CASCADE, related_name="+")
    label = models.CharField(
        _("label"), max_length=200, blank=True, help_text=_("Defaults to the document's title.")
    )

    panels = [FieldPanel("document"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    @property
    def title(self):
        return self.label or self.document.title
