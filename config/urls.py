from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path, reverse_lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from comments import permalinks as comment_permalinks
from config import i18n
from consultations import views as consultation_views
from core import api as core_api
from core.csp_reports import csp_report
from core.identity import identity_css
from pages import views as page_views

api_v1 = [
    path("", include("consultations.api_urls")),
    path("", include("comments.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("moderation.api_urls")),
    path("", include("search.api_urls")),
    path("", include("summaries.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Last: whatever else ends in a slash answers the envelope's 404.
    re_path(r"^[\s\S]*/$", core_api.not_found),
]

urlpatterns = [
    # One sign-in for everyone: allauth's, which enforces e-mail verification
    # and rate limits that Wagtail's own login form would bypass.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("account_login"), query_string=True),
        name="wagtailadmin_login_redirect",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", include(api_v1)),
    # Django's switch (django.conf.urls.i18n), remembering a person's choice.
    path("i18n/setlang/", i18n.set_language, name="set_language"),
    # Browsers post Content-Security-Policy violations here (core/headers.py).
    path("csp-report/", csp_report, name="csp-report"),
    # Crawlers and browsers: robots, the sitemap (both languages), the icon
    # browsers ask for without reading the page, the accent's stylesheet.
    path("robots.txt", page_views.robots_txt, name="robots-txt"),
    path("sitemap.xml", page_views.sitemap, name="sitemap"),
    path("favicon.ico", page_views.favicon, name="favicon"),
    path("identidad.css", identity_css, name="identity-css"),
]

# Public pages: Spanish at the root, English under /en/.
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("cuenta/", include("privacy.urls")),
    path("search/", consultation_views.search, name="search"),
    path("comentarios/", include("comments.urls")),
    # A comment's permanent address: to the page of threads that shows it.
    path("c/<id:comment_id>/", comment_permalinks.comment_permalink, name="comment-permalink"),
    path("avisos/", include("notifications.urls")),
    path("moderacion/", include("moderation.urls")),
    path("consultations/", include("summaries.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
