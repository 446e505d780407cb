"""The sitemap (/sitemap.xml): every live public page, in each language,
each naming its other-language addresses (hreflang) and x-default."""

from django.conf import settings
from wagtail.contrib.sitemaps import Sitemap


class PageSitemap(Sitemap):
    i18n = True
    languages = [code for code, _name in settings.LANGUAGES]
    alternates = True
    x_default = True

    def items(self):
        return super().items().defer_streamfields()

    def location(self, obj):
        # The path in the language active for this entry (Wagtail reverses
        # wagtail_serve, which i18n_patterns prefixes); Django adds the host.
        _site_id, _root_url, path = obj.get_url_parts(self.request)
        return path

    def lastmod(self, obj):
        return obj.last_published_at or obj.latest_revision_created_at

    def _urls(self, page, protocol, domain):
        # Django's own: Wagtail's asks each page for one URL, ignoring languages.
        return super(Sitemap, self)._urls(page, protocol, domain)
