"""What crawlers and browsers ask for outside the pages: robots.txt, the
sitemap and /favicon.ico."""

from django.http import HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps import views as sitemap_views

from pages.sitemaps import PageSitemap

# Not for crawlers: the admin, the API and other addresses outside the
# language prefix; and, in each language, the accounts and personal pages,
# the forms that write and search results (endless and thin).
OUTSIDE_LANGUAGES = ["/admin/", "/api/", "/i18n/", "/csp-report/", "/documents/"]
IN_EACH_LANGUAGE = [
    "/accounts/",
    "/cuenta/",
    "/avisos/",
    "/moderacion/",
    "/comentarios/",
    "/search/",
]


def robots_lines(sitemap_url):
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in OUTSIDE_LANGUAGES]
    for path in IN_EACH_LANGUAGE:
        lines += [f"Disallow: {path}", f"Disallow: /en{path}"]
    return [*lines, f"Sitemap: {sitemap_url}"]


@require_GET
@cache_control(public=True, max_age=3600)
def robots_txt(request):
    lines = robots_lines(request.build_absolute_uri(reverse("sitemap")))
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=3600)
def sitemap(request):
    return sitemap_views.sitemap(request, sitemaps={"pages": PageSitemap})


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request):
    """/favicon.ico, which browsers ask for without reading the page's links."""
    return HttpResponseRedirect(static("img/favicon.ico"))
