"""Following through the JSON API: PUT follows, DELETE stops, GET says
whether the person follows. The person is always the one signed in: no
body is read, so nobody can follow (or stop following) for someone else.
Parse, call one action, render; the rules live in notifications/follows.py."""

import math

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ActionErrorsMixin, errors
from core.throttles import FollowThrottle, PublicReadThrottle
from notifications import follows

FollowState = inline_serializer(
    "FollowState",
    {"following": serializers.BooleanField(help_text="Whether you follow it now.")},
)


class FollowView(ActionErrorsMixin, APIView):
    # Writes spend the follow budget (the forms' too); reads the public one.
    throttle_classes = [FollowThrottle, PublicReadThrottle]
    target: str

    def target_of(self, request, target_id):
        raise NotImplementedError

    def throttled(self, request, wait):
        if request.method in SAFE_METHODS:
            super().throttled(request, wait)
        # Said as the forms say it (core.errors.RateLimited, with Retry-After).
        raise FollowThrottle.refusal(max(1, math.ceil(wait or 1)))

    def state(self, request, target_id):
        target = self.target_of(request, target_id)
        found = follows.following(request.user, **self.lookup(target))
        return Response({"following": bool(found)})

    def change(self, request, target_id, following):
        target = self.target_of(request, target_id)
        follows.do_follow(request.user, **{self.target: target}, following=following)
        return Response({"following": following})

    def lookup(self, target):
        if self.target == "consultation":
            return {"consultation": target}
        return {"threads": [target.pk]}


class FollowConsultation(FollowView):
    target = "consultation"

    def target_of(self, request, target_id):
        return follows.access_consultation(request.user, target_id)

    @extend_schema(responses={200: FollowState, **errors(403, 404)})
    def get(self, request, consultation_id):
        """Whether you follow this consultation (signed in)."""
        return self.state(request, consultation_id)

    @extend_schema(request=None, responses={200: FollowState, **errors(403, 404)})
    def put(self, request, consultation_id):
        """Follow this consultation: you are told when it opens, is about to
        close, closes and publishes its response. Doing it again changes nothing."""
        return self.change(request, consultation_id, True)

    @extend_schema(request=None, responses={200: FollowState, **errors(403, 404)})
    def delete(self, request, consultation_id):
        """Stop following this consultation. Posting in it again does not
        follow it again."""
        return self.change(request, consultation_id, False)


class FollowThread(FollowView):
    target = "thread"

    def target_of(self, request, target_id):
        return follows.access_thread(request.user, target_id)

    @extend_schema(responses={200: FollowState, **errors(403, 404)})
    def get(self, request, comment_id):
        """Whether you follow the thread of this comment (its top-level
        comment and every reply; a reply's id stands for its thread)."""
        return self.state(request, comment_id)

    @extend_schema(request=None, responses={200: FollowState, **errors(403, 404)})
    def put(self, request, comment_id):
        """Follow the thread of this comment (a reply's id follows its
        thread): you are told of new comments in it."""
        return self.change(request, comment_id, True)

    @extend_schema(request=None, responses={200: FollowState, **errors(403, 404)})
    def delete(self, request, comment_id):
        """Stop following the thread of this comment. Posting in it again
        does not follow it again."""
        return self.change(request, comment_id, False)
