"""Content pages: the privacy notice, the terms of use, the accessibility
statement, help. Written by editors in Spanish, with an optional English
version shown under /en/; the site settings say which page is which, so that
the footer and the consent forms can link them."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3"]


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=200)
    text = blocks.RichTextBlock(label=_("text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Call-out")
        template = "pages/blocks/callout.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    description = blocks.CharBlock(label=_("description"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "pages/blocks/document.html"


class ContentBlocks(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Heading"),
        max_length=200,
        form_classname="title",
        template="pages/blocks/heading.html",
    )
    paragraph = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)
    callout = CalloutBlock()
    document = DocumentBlock()


class ContentPage(Page):
    intro = models.TextField(_("introduction"), blank=True, max_length=500)
    body = StreamField(ContentBlocks(), verbose_name=_("content"), blank=True)
    title_en = models.CharField(_("title in English"), max_length=255, blank=True)
    intro_en = models.TextField(_("introduction in English"), blank=True, max_length=500)
    body_en = StreamField(ContentBlocks(), verbose_name=_("content in English"), blank=True)
    # A terms or privacy page published with this ticked becomes a new
    # version everyone must accept before taking part again (pages/signals.py).
    requires_acceptance = models.BooleanField(
        _("people must accept this version"),
        default=False,
        help_text=_(
            "Only for the terms of use and the privacy notice. Publishing with this ticked "
            "asks every signed-in person to accept the page again before they take part."
        ),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("title_en"), FieldPanel("intro_en"), FieldPanel("body_en")],
            heading=_("English version"),
        ),
    ]
    settings_panels = Page.settings_panels + [FieldPanel("requires_acceptance")]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("title_en"),
        index.SearchField("body_en"),
    ]
    parent_page_types = ["consultations.HomePage", "pages.ContentPage"]
    subpage_types = ["pages.ContentPage"]

    class Meta:
        verbose_name = _("content page")
        verbose_name_plural = _("content pages")

    def in_english(self):
        return get_language() == "en" and bool(self.body_en)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        english = self.in_english()
        context.update(
            shown_title=(self.title_en or self.title) if english else self.title,
            shown_intro=(self.intro_en or self.intro) if english else self.intro,
            shown_body=self.body_en if english else self.body,
            shown_language="en" if english else "es-mx",
        )
        return context


def _page_setting(verbose_name):
    return models.ForeignKey(
        Page,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


@register_setting(icon="doc-full")
class LegalPages(BaseSiteSetting):
    """Which content page is which: linked from every page's footer, from
    sign-up and from the consent forms."""

    privacy_page = _page_setting(_("privacy notice"))
    terms_page = _page_setting(_("terms of use"))
    accessibility_page = _page_setting(_("accessibility statement"))
    faq_page = _page_setting(_("frequently asked questions"))

    select_related = ["privacy_page", "terms_page", "accessibility_page", "faq_page"]
    panels = [
        PageChooserPanel("privacy_page", "pages.ContentPage"),
        PageChooserPanel("terms_page", "pages.ContentPage"),
        PageChooserPanel("accessibility_page", "pages.ContentPage"),
        PageChooserPanel("faq_page", "pages.ContentPage"),
    ]

    class Meta:
        verbose_name = _("legal and help pages")

    def links(self, request):
        """(label, url) of the configured pages that are live, footer order."""
        labels = [
            (self.privacy_page, _("Privacy notice")),
            (self.terms_page, _("Terms of use")),
            (self.accessibility_page, _("Accessibility")),
            (self.faq_page, _("Frequently asked questions")),
        ]
        return [
            (label, page.get_url(request))
            for page, label in labels
            if page is not None and page.live
        ]
