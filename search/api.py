"""Search endpoints of the JSON API v1 (contract: DESIGN.md): the comment
search with facets for moderators (planners: published comments only),
similar comments, copy-paste clusters, and comment themes."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.rules import is_moderator
from comments import actions as comment_actions
from comments.links import thread_url
from comments.models import Comment
from comments.rules import readable_statuses
from core.api import ActionErrorsMixin, error_response, errors, form_errors
from core.errors import ActionError, Invalid, NotAllowed, NotFound
from core.openapi import form_parameters
from core.parse import as_id
from core.throttles import ModerationWriteThrottle
from moderation.models import FlagReason
from search import duplicates, results
from search.backends.base import IndexUnavailable
from search.forms import STATUS_CHOICES, SearchForm
from search.health import unavailable_message
from search.query import FACETS


def require_reader(user):
    if not readable_statuses(user):
        raise NotAllowed(_("Only moderators and planners can search comments."))


def access_readable_comment(user, comment_id):
    """A comment `user` may find by search, or 404 (403 before saying whether
    it exists to anyone who may not search)."""
    require_reader(user)
    comment = (
        Comment.objects.select_related("consultation", "author")
        .filter(pk=comment_id, status__in=readable_statuses(user))
        .first()
    )
    if comment is None:
        raise NotFound()
    return comment


class SearchUnavailable(ActionError):
    status = 503
    code = "search_unavailable"

    def __init__(self, error=None):
        super().__init__(unavailable_message(error))
        self.retry_after = getattr(error, "retry_after", IndexUnavailable.retry_after)


def index_unavailable(error=None):
    """503 in the envelope, with Retry-After: the index is down, or being
    rebuilt after it was lost (never a partial answer)."""
    return error_response(SearchUnavailable(error))


class ThemesField(serializers.ListField):
    child = serializers.CharField()


class FoundCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="comment.pk")
    folio = serializers.CharField(
        source="comment.folio",
        help_text="The comment's receipt (PUE-<year>-<number>); q set to it finds the comment.",
    )
    consultation = serializers.SerializerMethodField()
    question = serializers.IntegerField(source="comment.question_id", allow_null=True)
    section = serializers.IntegerField(source="comment.section_id", allow_null=True)
    parent = serializers.IntegerField(source="comment.parent_id", allow_null=True)
    author = serializers.SerializerMethodField()
    status = serializers.ChoiceField(source="comment.status", choices=STATUS_CHOICES)
    created = serializers.DateTimeField(source="comment.created")
    edited = serializers.DateTimeField(source="comment.edited", allow_null=True)
    body = serializers.CharField(source="comment.body")
    highlight = serializers.CharField(
        help_text="HTML: the matching passage, matches in <mark>, everything else escaped."
    )
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=FlagReason.choices))
    tags = ThemesField()
    reactions = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()

    def get_consultation(self, result) -> dict:
        consultation = result.comment.consultation
        return {"id": consultation.pk, "title": consultation.title}

    def get_author(self, result) -> dict:
        author = result.comment.author
        return {"id": author.pk, "name": str(author)}

    def get_reactions(self, result) -> dict:
        comment = result.comment
        return {
            "agree": comment.agree_count,
            "disagree": comment.disagree_count,
            "pass": comment.pass_count,
        }

    def get_url(self, result) -> str:
        return thread_url(self.context["request"], result.comment)

    def get_decisions(self, result) -> str | None:
        """Where a moderator posts a decision on this comment (moderators only)."""
        if not self.context.get("moderator"):
            return None
        return reverse("api-moderation-decisions", args=[result.comment.pk])


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    consultation = FacetValueSerializer(many=True)
    status = FacetValueSerializer(many=True)
    reason = FacetValueSerializer(many=True)
    tag = FacetValueSerializer(many=True)


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FoundCommentSerializer(many=True)
    facets = FacetsSerializer()


class CommentSearch(ActionErrorsMixin, APIView):
    repeatable_params = ("status",)

    @extend_schema(
        parameters=form_parameters(
            SearchForm,
            q='Words; "quotes" for a phrase; or a folio (PUE-2026-000123) to find its comment.',
            status="One or more of published, hidden, removed, held (repeated or comma-separated).",
            author="The author's account number.",
            until="Included.",
            per_page="1 to 100; default 20.",
        ),
        responses={200: SearchPageSerializer, **errors(400, 403, 503)},
    )
    def get(self, request):
        """Search every comment (moderators; planners find published ones
        only), with highlighted passages and facet counts."""
        require_reader(request.user)
        form = SearchForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise form_errors(form)
        try:
            page = results.run(form.to_query())
        except IndexUnavailable as error:
            return index_unavailable(error)
        context = {"request": request, "moderator": is_moderator(request.user)}
        return Response(
            {
                "count": page.total,
                "page": page.query.page,
                "pages": page.pages,
                "next": self.page_url(request, page.query.page + 1) if page.has_next else None,
                "previous": self.page_url(request, page.query.page - 1)
                if page.has_previous
                else None,
                "results": FoundCommentSerializer(page.results, many=True, context=context).data,
                "facets": {
                    name: [
                        {"value": str(value), "label": str(label), "count": count}
                        for value, label, count in page.facets.get(name, [])
                    ]
                    for name in FACETS
                },
            }
        )

    @staticmethod
    def page_url(request, number):
        params = request.query_params.copy()
        params["page"] = number
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    similarity = serializers.FloatField()
    author = serializers.CharField()
    status = serializers.CharField()
    created = serializers.DateTimeField()
    body = serializers.CharField()


def similar_data(comment, similarity):
    return {
        "id": comment.pk,
        "similarity": round(similarity, 3),
        "author": str(comment.author),
        "status": comment.status,
        "created": comment.created,
        "body": comment.body,
    }


class SimilarComments(ActionErrorsMixin, APIView):
    @extend_schema(
        responses={
            200: inline_serializer("SimilarComments", {"results": SimilarSerializer(many=True)}),
            **errors(403, 404),
        }
    )
    def get(self, request, comment_id):
        """Comments near-identical to this one (shared word sequences)."""
        comment = access_readable_comment(request.user, comment_id)
        found = duplicates.similar_to(comment, readable_statuses(request.user))
        return Response({"results": [similar_data(c, s) for c, s in found]})


class DuplicateClusters(ActionErrorsMixin, APIView):
    @extend_schema(
        parameters=[OpenApiParameter("consultation", int)],
        responses={
            200: inline_serializer(
                "DuplicateClusters",
                {
                    "results": inline_serializer(
                        "DuplicateCluster",
                        {
                            "accounts": serializers.IntegerField(),
                            "first": serializers.DateTimeField(),
                            "last": serializers.DateTimeField(),
                            "comments": SimilarSerializer(many=True),
                        },
                        many=True,
                    )
                },
            ),
            **errors(400, 403),
        },
    )
    def get(self, request):
        """Groups of near-identical comments posted by different accounts:
        copy-paste campaigns."""
        require_reader(request.user)
        raw = request.query_params.get("consultation") or None
        consultation = as_id(raw)
        if raw is not None and consultation is None:
            raise Invalid({"consultation": [_("Give a consultation's number.")]})
        found = duplicates.clusters(readable_statuses(request.user), consultation=consultation)
        return Response(
            {
                "results": [
                    {
                        "accounts": cluster.accounts,
                        "first": cluster.first,
                        "last": cluster.last,
                        "comments": [similar_data(c, 1.0) for c in cluster.comments],
                    }
                    for cluster in found
                ]
            }
        )


class ThemesInput(serializers.Serializer):
    tags = serializers.JSONField()


class CommentThemes(ActionErrorsMixin, APIView):
    throttle_classes = [ModerationWriteThrottle]

    @extend_schema(
        request=inline_serializer("ThemesInput", {"tags": ThemesField()}),
        responses={
            200: inline_serializer("Themes", {"tags": ThemesField()}),
            **errors(400, 403, 404),
        },
    )
    def put(self, request, comment_id):
        """Replace the comment's themes (moderators and planners)."""
        comment = access_readable_comment(request.user, comment_id)
        if not isinstance(request.data, dict):
            raise Invalid({"tags": [_("Give the themes as a list of names.")]})
        names = comment_actions.do_set_tags(request.user, comment, request.data.get("tags"))
        return Response({"tags": names})
