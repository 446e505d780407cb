"""Fixtures for the moderation tests: an open consultation, its author and a
moderator; the comment tests' in-memory channel layer, listeners and
consultation in a transactional database; and helpers to post a comment and
to listen to the moderators' queue group."""

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.utils import translation

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.events import consultation_group
from moderation.events import QUEUE_GROUP
from tests.comments.conftest import (  # noqa: F401 - fixtures shared with the comment tests
    Listener,
    listen,
    live_consultation,
    live_home,
    memory_layer,
)


@pytest.fixture
def page(make_consultation, no_rate_limits):
    """An open consultation with one question, posted to without rate limits."""
    return make_consultation(questions=["¿Qué opinas?"])


@pytest.fixture
def author(make_user):
    return make_user(CITIZEN, display_name="Ana Autora")


@pytest.fixture
def moderator(make_user):
    return make_user(MODERATOR, display_name="Mora Moderadora")


def post(user, page, body="Un comentario con sustancia.", **anchor):
    """A comment through the action; on the page's first question by default."""
    anchor = anchor or {"question": page.ordered_questions[0].pk}
    return comment_actions.do_post_comment(user, page, body=body, **anchor)


def queue_listener(layer):
    """A channel in the moderators' queue group, as a moderator's socket is."""
    listener = Listener(layer, 0)
    async_to_sync(layer.group_discard)(consultation_group(0), listener.channel)
    async_to_sync(layer.group_add)(QUEUE_GROUP, listener.channel)
    return listener


def url_of(page, prefix=""):
    """The page's address on the Spanish site, or under `prefix` (the page's
    `url` follows the language of the last request, hence the override)."""
    with translation.override(settings.LANGUAGE_CODE):
        return f"{prefix}{page.url}"
