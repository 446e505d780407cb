"""Handshakes of the live socket against real servers (`manage.py serve`)
and a real Redis the test owns: accepted while Redis is down (the lookup is
the database's or the process's memory, the feed retries in the
background), and a consultation unpublished in one process is refused at
the next handshake in another, through the control group, well before the
remembered answer would expire on its own.

A handshake is "open" only once the socket answered a ping with a pong: a
socket accepted and then closed (4404) is not open."""

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from accounts.roles import CITIZEN
from comments import actions
from config.settings.base import redis_channel_layer
from consultations.models import ConsultationPage
from tests.e2e.conftest import database_url_for
from tests.e2e.test_live_two_servers import (  # noqa: F401 (fixtures)
    ORIGIN,
    WAIT,
    ServerWithEnv,
    api_url,
    redis_server,
    two_servers,
    ws_url,
)
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    ensure_site,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]

HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
UNKNOWN = 987_654_321


def handshake(server, consultation_id):
    """ "open" (a ping answered), the HTTP status that refused the handshake,
    or the close code of a socket closed before it answered."""
    try:
        with connect(
            ws_url(server, consultation_id), origin=ORIGIN, proxy=None, open_timeout=10
        ) as ws:
            ws.send(json.dumps({"type": "ping"}))
            while True:
                frame = json.loads(ws.recv(timeout=10))
                if frame.get("type") == "pong":
                    return "open"
    except InvalidStatus as refused:
        return refused.response.status_code
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else "closed"


def comments_of(server, consultation_id):
    with HTTP.open(api_url(server, consultation_id), timeout=10) as response:
        assert response.status == 200
        return [comment["id"] for comment in json.load(response)["results"]]


def make_consultations(count):
    index = ConsultationIndexPageFactory(parent=ensure_site())
    return [
        ConsultationPageFactory(parent=index, questions=["¿Qué cambiarías?"]) for _ in range(count)
    ]


@pytest.fixture
def one_server(transactional_db, tmp_path, redis_server):  # noqa: F811
    from django.db import connection

    ensure_site()
    server = ServerWithEnv(
        database_url_for(connection), tmp_path / "server.log", {"REDIS_URL": redis_server.url}
    )
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


def test_a_handshake_while_redis_is_down_is_accepted_and_catches_up(
    one_server,
    redis_server,  # noqa: F811
    no_rate_limits,
):
    remembered, asked_later = make_consultations(2)
    assert handshake(one_server, remembered.pk) == "open"
    author = UserFactory(roles=[CITIZEN])
    comment = actions.do_post_comment(
        author,
        asked_later,
        body="Escrito mientras Redis se cae.",
        question=asked_later.ordered_questions[0].pk,
    )

    redis_server.kill()
    # Known to the process and never seen before: both served, no 500.
    assert handshake(one_server, remembered.pk) == "open"
    assert handshake(one_server, asked_later.pk) == "open"
    assert handshake(one_server, UNKNOWN) in (403, 4404)
    # The client catches up by cursor over HTTP meanwhile.
    assert comments_of(one_server, asked_later.pk) == [comment.pk]
    assert "Internal Server Error" not in one_server.log_tail(200)


def unpublish_in_own_thread(consultation_id):
    """Unpublish as the admin does, in a thread of its own: a browser test
    earlier in this process leaves Playwright's event loop running in this
    thread, where the publish of the control event (async_to_sync) would
    refuse to run and only log."""

    def unpublish():
        try:
            ConsultationPage.objects.get(pk=consultation_id).unpublish()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(unpublish).result()


def test_an_unpublished_consultation_is_refused_in_every_process_at_once(
    two_servers,  # noqa: F811
    redis_server,  # noqa: F811
    settings,
):
    # The test process publishes through the servers' Redis, as a server
    # process saving the page in the admin would.
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_server.url)}
    consultation, bystander = make_consultations(2)
    for server in two_servers:
        for page in (consultation, bystander):
            assert handshake(server, page.pk) == "open"

    # A change no signal announces: each process still answers from memory.
    ConsultationPage.objects.filter(pk__in=[consultation.pk, bystander.pk]).update(live=False)
    for server in two_servers:
        assert handshake(server, consultation.pk) == "open"
    ConsultationPage.objects.filter(pk=consultation.pk).update(live=True)

    # Unpublished as the admin does: every process forgets it.
    unpublish_in_own_thread(consultation.pk)
    for server in two_servers:
        deadline = time.monotonic() + WAIT
        while (answer := handshake(server, consultation.pk)) == "open":
            assert time.monotonic() < deadline, f"{server.url} still serves it"
            time.sleep(0.1)
        assert answer in (403, 4404)
    # The bystander, taken down silently, is still answered from memory: the
    # refusals came through the control group, not from answers expiring
    # (they live TTL seconds).
    for server in two_servers:
        assert handshake(server, bystander.pk) == "open"
