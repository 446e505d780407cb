"""How the signed-in person hears about each topic, through the JSON API:
the same choices, rules and action as the preferences page
(notifications/preferences.py)."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ActionErrorsMixin, errors
from core.errors import NotAllowed
from notifications import preferences
from notifications.models import Delivery, Topic


def require_signed_in(user):
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to choose how you hear about things."))


class NotificationPreferencesSerializer(serializers.Serializer):
    """How you hear about each topic."""

    # What the schema documents: the action (preferences.check) checks what
    # comes in, so that an unknown topic is refused too.

    def get_fields(self):
        labels = dict(Delivery.choices)
        with translation.override("en"):  # the schema is in English
            return {
                topic: serializers.ChoiceField(
                    choices=[(value, labels[value]) for value in preferences.CHOICES[topic]],
                    help_text=str(label),
                )
                for topic, label in Topic.choices
            }


class Preferences(ActionErrorsMixin, APIView):
    @extend_schema(responses={200: NotificationPreferencesSerializer, **errors(403)})
    def get(self, request):
        """How you hear about each topic: on the site only, by e-mail at
        once, or in a daily or weekly e-mail (receipts: site or at once)."""
        require_signed_in(request.user)
        return Response(preferences.of(request.user))

    @extend_schema(
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer, **errors(400, 403)},
    )
    def put(self, request):
        """Choose, for every topic at once, how you hear about it."""
        require_signed_in(request.user)
        return Response(preferences.do_save(request.user, request.data))
