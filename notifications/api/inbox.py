"""A person's notifications in the JSON API v1: the list (newest first,
paged; reading it marks nothing), marking read, and the unread count.
Session authentication with CSRF; anyone not signed in gets 403. Parse,
call notifications/reading.py, render."""

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.language import supported
from core.api import ActionErrorsMixin, IdInput, PageNumbers, errors, validated
from core.errors import NotAllowed
from notifications import reading
from notifications.models import Notice
from notifications.templatetags.notification_tags import notice_path


def require_person(user):
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to see your notifications."))


def language_of(user):
    """The language kept on the person's account (accounts/language.py),
    which their e-mails are written in too; the site's when it is none of
    ours."""
    return supported(user.language) or settings.LANGUAGE_CODE


def notice_text(notice):
    """What the notice says, in the active language, as plain text (the
    notifications page's words, unescaped)."""
    template = Engine.get_default().get_template("notifications/notice_text.txt")
    return template.render(Context({"notice": notice}, autoescape=False)).strip()


class NoticeCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    author = serializers.CharField(help_text="The author's public name.")


class NoticeSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    comment = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "kind", "created", "read", "count", "text", "url", "comment"]
        read_only_fields = fields

    def get_text(self, notice) -> str:
        return notice_text(notice)

    def get_url(self, notice) -> str:
        return notice_path(notice)

    @extend_schema_field(NoticeCommentSerializer(allow_null=True))
    def get_comment(self, notice):
        # Shown only while its text may be: someone else's comment while it
        # is published; the person's own while held or hidden too.
        if not notice.shows_comment:
            return None
        comment = notice.comment
        return {
            "id": comment.pk,
            "body": comment.body,
            "author": str(comment.author.public_name),
        }


class NoticePages(PageNumbers):
    page_size = reading.PER_PAGE


class Notifications(ActionErrorsMixin, generics.ListAPIView):
    serializer_class = NoticeSerializer
    pagination_class = NoticePages

    def get_queryset(self):
        require_person(self.request.user)
        return reading.notices_of(self.request.user)

    def list(self, request, *args, **kwargs):
        # The API's addresses carry no language prefix, so the site's
        # language is active here: each text is in the person's instead.
        require_person(request.user)
        with translation.override(language_of(request.user)):
            return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: NoticeSerializer(many=True), **errors(400, 403, 404)})
    def get(self, request, *args, **kwargs):
        """Your notifications, newest first, fifty a page (a page past the
        last is 404). `text` is what the notifications page says, in the
        language kept on your account (the one you last chose on the site);
        `url` is the path of what it is about ("" when it leads nowhere);
        `comment` is null once its comment may no longer be shown. Reading
        the list marks nothing read."""
        return super().get(request, *args, **kwargs)


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=IdInput(),
        required=False,
        max_length=reading.MAX_IDS,
        help_text="The notices to mark read; all your notices when absent. "
        "Ids of notices that are not yours, or that do not exist, are ignored.",
    )


UnreadSerializer = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})
MarkedSerializer = inline_serializer(
    "MarkedRead",
    {
        "marked": serializers.IntegerField(help_text="How many notices changed to read."),
        "unread": serializers.IntegerField(),
    },
)


class MarkRead(ActionErrorsMixin, APIView):
    @extend_schema(request=MarkReadInput, responses={200: MarkedSerializer, **errors(400, 403)})
    def post(self, request):
        """Mark your notifications read: those of `ids`, or all of them."""
        require_person(request.user)
        data = validated(MarkReadInput, request.data)
        marked = reading.mark_read(request.user, data.get("ids"))
        return Response({"marked": marked, "unread": reading.unread_count(request.user)})


class Unread(ActionErrorsMixin, APIView):
    @extend_schema(responses={200: UnreadSerializer, **errors(403)})
    def get(self, request):
        """How many of your notifications are unread."""
        require_person(request.user)
        return Response({"unread": reading.unread_count(request.user)})
