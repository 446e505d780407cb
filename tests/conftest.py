import json

import pytest

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from tests import engines
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    home_page,
)

# Every test collected (whatever -m and -k deselect), for tests/test_engines.py.
COLLECTED = pytest.StashKey[list]()


def pytest_itemcollected(item):
    """The `both_databases` and `alone` marks from tests/engines.py, given as
    each test is collected, before -m selects by them."""
    engines.mark(item)
    item.config.stash.setdefault(COLLECTED, []).append(item.nodeid)


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API leaves an event loop running
    in the main thread, which async_to_sync in later tests refuses. Under
    pytest-xdist every worker collects alike and the schedulers keep this
    order (--dist loadfile hands out whole files in it)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


# What migrations wrote to the test database, put back after a flush -------
#
# A transactional test ends with a flush that empties every table, including
# what migrations filled (the page tree and home page, the site, role groups).
# pytest-django runs plain `db` tests first so that none comes after a flush.
# Under pytest-xdist's --dist loadfile a worker runs whole files one after
# another, so it may meet a `db` test after a transactional one: then the
# migrated rows are put back first, exactly as they were (flushed again
# without the post_migrate signal, and reloaded from a copy taken when the
# database was created: Django's serialized rollback, done between tests).
MIGRATED = pytest.StashKey[dict]()
FLUSHED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """pytest-django's test databases, and a copy of what migrations wrote."""
    from django.db import connections

    with django_db_blocker.unblock():
        request.config.stash[MIGRATED] = {
            alias: content_types_first(connections[alias].creation.serialize_db_to_string())
            for alias in connections
            if connections[alias].settings_dict["NAME"]
        }
    yield


def content_types_first(serialized):
    """The serialized rows with the content types first: Wagtail's pages and
    tasks look theirs up (get_for_model, creating it if missing) as they are
    loaded, and must find the original row, not add a second one."""
    rows = json.loads(serialized)
    rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
    return json.dumps(rows)


def transactional(item):
    """Whether the test ends with a flush (pytest-django's own rule)."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


def needs_migrated_rows(item):
    """Whether the test, or a fixture of its module, reads the database as
    migrations left it: anything on the test database but a transactional
    test, unless that asks for a serialized rollback (Django loads the rows
    it serialized over those in place, which must then be the same ones)."""
    from django.test import TestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TestCase):
        return True
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if not (marker or "django_db_setup" in fixtures):
        return False
    if not transactional(item):
        return True
    return bool(
        getattr(cls, "serialized_rollback", False)
        or (marker is not None and marker.kwargs.get("serialized_rollback"))
        or "django_db_serialized_rollback" in fixtures
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Before any fixture of the test is set up (its module's included)."""
    migrated = item.config.stash.get(MIGRATED, None)
    if migrated and item.config.stash.get(FLUSHED, False) and needs_migrated_rows(item):
        restore_migrated_rows(item.config, migrated)
        item.config.stash[FLUSHED] = False
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)  # the test's fixtures torn down: a transactional test's flush done
    finally:
        if transactional(item):
            item.config.stash[FLUSHED] = True


def restore_migrated_rows(config, migrated):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches
    from django.core.management import call_command
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key
    from wagtail.models import Site

    ContentType.objects.clear_cache()
    with config.stash[blocking_manager_key].unblock():
        for alias, contents in migrated.items():
            # Sequences kept: they are past every migrated row's id already.
            call_command(
                "flush",
                verbosity=0,
                interactive=False,
                database=alias,
                reset_sequences=False,
                inhibit_post_migrate=True,
            )
            connections[alias].creation.deserialize_db_from_string(contents)
        # Caches that held ids of the flushed rows, filled again as a run
        # without the flush would have them (content types, Wagtail's site
        # root paths), so that query counts do not change.
        ContentType.objects.clear_cache()
        for cache in caches.all(initialized_only=True):
            cache.clear()
        ContentType.objects.get_for_models(*apps.get_models(), for_concrete_models=False)
        Site.get_site_root_paths()


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """Each test starts in the site's default language and time zone. A
    request under /en/ leaves English active in the thread (LocaleMiddleware
    does not undo it), which changes the page URLs and texts of whatever test
    the same process runs next: in one process that order is fixed, in a
    parallel run or a selection it is not."""
    from django.utils import timezone, translation

    translation.deactivate()
    timezone.deactivate()
    yield


@pytest.fixture(autouse=True)
def _fresh_live_access():
    """Live sockets remember consultations per process (consultations/
    socket_access.py); tests reuse ids (SQLite rolls its sequences back with
    each test), so a "not found" kept from one test would refuse the next
    test's consultation."""
    from consultations import socket_access

    socket_access.invalidate(None)
    yield


NO_RATE_LIMITS = {"interval": 0, "new_account_interval": 0, "new_account_days": 0}


@pytest.fixture
def no_rate_limits(settings):
    """Comment posting without the interval rule (its own tests set it)."""
    settings.PUENTE_COMMENT_RATE_LIMITS = dict(NO_RATE_LIMITS)


@pytest.fixture
def home(db):
    return home_page()


@pytest.fixture
def index(home):
    return ConsultationIndexPageFactory(parent=home)


@pytest.fixture
def make_consultation(index):
    """Create a published consultation under the index: make_consultation(**fields)."""

    def make(**kwargs):
        kwargs.setdefault("parent", index)
        return ConsultationPageFactory(**kwargs)

    return make


@pytest.fixture
def make_user(db):
    def make(*roles, **kwargs):
        return UserFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def citizen(make_user):
    return make_user(CITIZEN)


@pytest.fixture
def role_users(make_user):
    """One user per role, plus an anonymous placeholder (None)."""
    return {
        "anonymous": None,
        CITIZEN: make_user(CITIZEN),
        MODERATOR: make_user(MODERATOR),
        PLANNER: make_user(PLANNER),
        EDITOR: make_user(EDITOR),
    }
