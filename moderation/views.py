"""The citizens' side of moderation, without JavaScript: their notices."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from moderation.models import Notice


@login_required
def notices(request):
    items = Notice.objects.filter(user=request.user).select_related("comment")[:100]
    return render(request, "moderation/notices.html", {"notices": items})
