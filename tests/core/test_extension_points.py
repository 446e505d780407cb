"""The extension points of the lower apps are wired in every settings
module, resolve to what they should, and are what does the work."""

import importlib.util

import pytest
from django.test import override_settings
from django.utils.module_loading import import_string

from accounts.roles import CITIZEN
from comments import actions
from comments.hooks import CommentGate
from comments.models import CommentStatus
from moderation.holds import Holds
from moderation.models import FilteredWord, Review
from search.models import PendingIndex
from tests.test_settings import PRODUCTION_ENV

WIRED = {
    "PUENTE_COMMENT_GATES": ["moderation.holds.Holds", "notifications.hooks.Follows"],
    "PUENTE_COMMENT_CHANGE_LISTENERS": ["search.indexing.schedule"],
    "PUENTE_CONSULTATION_PAGE_CONTEXT": [
        "comments.threads.discussion_context",
        "responses.context.response_context",
        "summaries.context.opinion_groups_context",
    ],
    "PUENTE_NOTICE_EXTRAS": ["moderation.notices.appeals"],
    "PUENTE_HOME_PAGE_FIGURES": ["comments.figures.participation"],
    "PUENTE_HEALTH_CHECKS": {
        "search_index": "search.readiness.index_alias",
        "search_backlog": "search.readiness.backlog",
    },
}
SETTINGS_MODULES = ["config.settings.dev", "config.settings.test", "config.settings.production"]


def load_settings(name, monkeypatch):
    """A fresh copy of a settings module, leaving the running one alone."""
    for variable, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(variable, value)
    spec = importlib.util.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", SETTINGS_MODULES)
def test_every_settings_module_wires_every_extension_point(name, monkeypatch):
    module = load_settings(name, monkeypatch)
    for setting, paths in WIRED.items():
        assert getattr(module, setting) == paths, (name, setting)


def test_the_wired_paths_resolve():
    for paths in WIRED.values():
        for path in paths.values() if isinstance(paths, dict) else paths:
            assert callable(import_string(path)), path
    assert issubclass(import_string(WIRED["PUENTE_COMMENT_GATES"][0]), CommentGate)
    assert import_string(WIRED["PUENTE_COMMENT_GATES"][0]) is Holds
    assert issubclass(import_string(WIRED["PUENTE_COMMENT_GATES"][1]), CommentGate)


@pytest.fixture
def open_consultation(make_consultation, no_rate_limits):
    page = make_consultation(questions=["¿Qué cambiarías?"])
    return page, page.ordered_questions[0]


def test_without_the_moderation_gate_nothing_is_held(open_consultation, citizen, make_user):
    """The hold on a filtered word comes through the gate, and only through it."""
    page, question = open_consultation
    FilteredWord.objects.create(word="estúpido", language="es")
    author = citizen
    with override_settings(PUENTE_COMMENT_GATES=[]):
        free = actions.do_post_comment(
            author, page, body="Qué idea tan estúpido", question=question.pk
        )
    assert free.status == CommentStatus.PUBLISHED
    assert not Review.objects.exists()
    other = make_user(CITIZEN)
    held = actions.do_post_comment(other, page, body="Qué idea tan estúpido", question=question.pk)
    assert held.status == CommentStatus.HELD
    assert Review.objects.get().comment == held


def test_the_index_hears_of_changes_through_the_listeners(open_consultation, citizen, make_user):
    page, question = open_consultation
    author = citizen
    with override_settings(PUENTE_COMMENT_CHANGE_LISTENERS=[]):
        quiet = actions.do_post_comment(
            author, page, body="Sin índice por ahora", question=question.pk
        )
    assert not PendingIndex.objects.filter(comment_id=quiet.pk).exists()
    other = make_user(CITIZEN)
    heard = actions.do_post_comment(other, page, body="Este sí va al índice", question=question.pk)
    assert PendingIndex.objects.filter(comment_id=heard.pk).exists()


def test_the_page_context_comes_from_the_providers(open_consultation, rf, citizen):
    page, _question = open_consultation
    request = rf.get(page.url)
    request.user = citizen
    with override_settings(PUENTE_CONSULTATION_PAGE_CONTEXT=[]):
        bare = page.get_context(request)
    assert "response" not in bare
    context = page.get_context(request)
    assert context["response"] is None


def test_posting_follows_through_the_notifications_gate_only(open_consultation, citizen):
    """The follows a post makes come through the gate: without it, none."""
    from notifications.models import Follow

    page, question = open_consultation
    with override_settings(PUENTE_COMMENT_GATES=["moderation.holds.Holds"]):
        actions.do_post_comment(citizen, page, body="Sin seguir.", question=question.pk)
    assert not Follow.objects.exists()
    comment = actions.do_post_comment(citizen, page, body="Siguiendo.", question=question.pk)
    assert set(Follow.objects.values_list("thread_id", "consultation_id", "active")) == {
        (comment.pk, None, True),
        (None, page.pk, True),
    }
