"""OpenAPI schema scope: the public API only, not Wagtail's internal admin API."""

PUBLIC_API_PREFIX = "/api/v1/"


def public_api_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(PUBLIC_API_PREFIX)]
