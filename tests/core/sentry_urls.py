"""A view that fails while holding personal data, for tests/core/test_sentry.py."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def fail_with_personal_data(request):
    comment = request.POST.get("body", "")
    raise ValueError(f"could not save {len(comment)} characters for {request.user.email}")


urlpatterns = [path("falla/", fail_with_personal_data)]
