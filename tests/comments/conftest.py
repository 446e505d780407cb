"""Fixtures for the comment tests: consultations in each phase, citizens,
rate limits switched off (or set per test), an in-memory channel layer and a
listener on a consultation's group."""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from accounts.roles import CITIZEN
from comments import actions
from comments.events import consultation_group
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site


@pytest.fixture
def memory_layer(settings):
    """A fresh in-memory channel layer for this test (changing the setting
    drops Channels' cached layers)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return get_channel_layer()


def make_open_consultation(make_consultation, **kwargs):
    kwargs.setdefault("sections", [("Objeto", "Qué regula."), ("Plazos", "Cuándo aplica.")])
    kwargs.setdefault("questions", ["¿Qué cambiarías?", "¿Qué falta?"])
    return make_consultation(**kwargs)


@pytest.fixture
def consultation(make_consultation):
    return make_open_consultation(make_consultation)


@pytest.fixture
def other_consultation(make_consultation):
    return make_open_consultation(make_consultation)


@pytest.fixture
def closed_consultation(make_consultation):
    now = timezone.now()
    return make_open_consultation(
        make_consultation, opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1)
    )


@pytest.fixture
def upcoming_consultation(make_consultation):
    now = timezone.now()
    return make_open_consultation(
        make_consultation, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=30)
    )


@pytest.fixture
def ana(make_user):
    return make_user(CITIZEN, display_name="Ana Pública")


@pytest.fixture
def beto(make_user):
    return make_user(CITIZEN, display_name="Beto Público")


@pytest.fixture
def post(no_rate_limits):
    """post(user, consultation, body=..., question=/section=/parent=): a
    comment through the action; anchored to the first question by default."""

    def make(user, consultation, body="Un comentario con sustancia.", **anchor):
        if not anchor:
            anchor = {"question": consultation.ordered_questions[0].pk}
        return actions.do_post_comment(user, consultation, body=body, **anchor)

    return make


class Listener:
    """A channel in a consultation's group of an in-memory layer."""

    def __init__(self, layer, consultation_id):
        self.layer = layer
        self.channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(consultation_group(consultation_id), self.channel)

    def receive_all(self, timeout=0.05):
        """Every message delivered so far (waits `timeout` for each next one)."""

        async def receive():
            messages = []
            while True:
                try:
                    messages.append(
                        await asyncio.wait_for(self.layer.receive(self.channel), timeout)
                    )
                except TimeoutError:
                    return messages

        return async_to_sync(receive)()

    def events(self, timeout=0.05):
        """The comment events delivered so far, decoded (a layer message holds
        either the event or its JSON text)."""
        messages = self.receive_all(timeout)
        assert all(m["type"] == "consultation.event" for m in messages), messages
        return [json.loads(m["text"]) if "text" in m else m["event"] for m in messages]


@pytest.fixture
def listen(memory_layer):
    """listen(consultation) -> Listener on that consultation's group."""

    def make(consultation):
        return Listener(memory_layer, consultation.pk)

    return make


# Transactional tests (threads, websocket consumers): a flush between tests
# empties the tables migrations fill, so the site is rebuilt first.


@pytest.fixture
def live_home(transactional_db):
    return ensure_site()


@pytest.fixture
def live_consultation(live_home):
    index = ConsultationIndexPageFactory(parent=live_home)
    consultation = ConsultationPageFactory(
        parent=index,
        sections=[("Objeto", "Qué regula.")],
        questions=["¿Qué cambiarías?"],
    )
    # Loaded now, so that async test code can read them without the ORM.
    assert consultation.ordered_questions and consultation.ordered_sections
    return consultation
