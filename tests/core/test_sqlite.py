"""SQLite as a real default: the file database `make run` uses takes
concurrent writers (requests, background tasks, an editor publishing) without
"database is locked". WAL lets readers go on while one writes; immediate
transactions take the write lock when they begin, so that two transactions
never both read and then both try to write (SQLite answers one of them
"database is locked" at once, without waiting); the busy timeout makes the
second writer wait its turn instead of failing."""

import threading
import time

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection

from accounts.roles import CITIZEN
from comments import actions
from comments.models import Comment
from consultations.models import ConsultationPage
from core import sqlite
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    ensure_site,
)

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's own settings",
)


def pragma(name):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_settings_ask_for_wal_a_busy_timeout_and_immediate_transactions():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.django_db
def test_every_connection_is_in_wal_mode_with_the_busy_timeout():
    assert pragma("journal_mode") == "wal"
    assert pragma("busy_timeout") >= 10_000
    assert pragma("synchronous") == 1  # NORMAL: safe with WAL, one fsync per checkpoint


def test_a_sqlite_database_url_gets_the_same_options():
    """A browser test's server names its database by DATABASE_URL alone."""
    database = sqlite.with_options(dj_database_url.parse("sqlite:////tmp/other.sqlite3"))
    assert database["OPTIONS"] == sqlite.OPTIONS
    own = sqlite.with_options({**database, "OPTIONS": {"timeout": 60}})
    assert own["OPTIONS"]["timeout"] == 60  # what a deployment names wins
    assert own["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    postgres = dj_database_url.parse("postgres://u:p@localhost:5432/puente")
    assert sqlite.with_options(postgres) == postgres


def test_publishing_a_consultation_while_comments_are_posted_never_says_locked(
    transactional_db, settings
):
    """An editor publishes a new consultation while citizens post on another
    one, each on a connection of its own to the same file. With SQLite's
    default deferred transactions this failed at once with
    `OperationalError: database is locked`."""
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 0,
        "new_account_interval": 0,
        "new_account_days": 0,
    }
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    home = ensure_site()
    index = ConsultationIndexPageFactory(parent=home)
    open_one = ConsultationPageFactory(parent=index, questions=["¿Qué cambiarías?"])
    question = open_one.ordered_questions[0].pk
    drafts = [
        ConsultationPageFactory(
            parent=index,
            publish=False,
            title=f"Parques y espacios públicos {2027 + i}",
            questions=["¿Qué parque usas?"],
        )
        for i in range(3)
    ]
    posters = [UserFactory(roles=[CITIZEN]) for _ in range(4)]
    per_poster = 12
    errors = []
    start = threading.Barrier(len(posters) + 1)

    def post(user):
        try:
            start.wait(timeout=10)
            for n in range(per_poster):
                actions.do_post_comment(
                    user, open_one, body=f"Comentario {n} de {user.pk}.", question=question
                )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def publish():
        try:
            start.wait(timeout=10)
            for draft in drafts:
                page = ConsultationPage.objects.get(pk=draft.pk)
                page.save_revision().publish()
                time.sleep(0.01)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(user,)) for user in posters]
    threads.append(threading.Thread(target=publish))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert ConsultationPage.objects.live().filter(pk__in=[d.pk for d in drafts]).count() == 3
    assert Comment.objects.filter(consultation=open_one).count() == len(posters) * per_poster
