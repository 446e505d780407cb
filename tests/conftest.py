import pytest

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    home_page,
)


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API leaves an event loop running
    in the main thread, which async_to_sync in later tests refuses."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


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
