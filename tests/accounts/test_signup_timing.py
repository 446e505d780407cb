"""Sign-up does the same work whether the address is taken or new (issue
14, row 11): the same answer, one password hash and one queued e-mail each,
so the time it takes tells nothing. bench/signup_timing measures the times;
these tests count the work, which does not depend on the machine."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django_tasks import default_task_backend
from django_tasks.signals import task_enqueued

from accounts.roles import CITIZEN
from core.mail import deliver
from core.models import OutgoingEmail

TAKEN = "ana@example.com"
NEW = "beto@example.com"


class CountingHasher(MD5PasswordHasher):
    """The test settings' hasher, counting the passwords it hashes."""

    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0
    return CountingHasher


@pytest.fixture
def queued_mail():
    """The e-mail delivery tasks enqueued while the test runs."""
    queued = []

    def listen(sender, task_result, **kwargs):
        if task_result.task.module_path == deliver.module_path:
            queued.append(task_result)

    task_enqueued.connect(listen)
    yield queued
    task_enqueued.disconnect(listen)


def sign_up(client, email):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "display_name": "Alguien del barrio",
            "password1": "una-contraseña-larga-9",
            "password2": "una-contraseña-larga-9",
        },
    )


def work_of(client, email, hasher, queued):
    hashed_before, queued_before = hasher.hashed, len(queued)
    response = sign_up(client, email)
    return {
        "status": response.status_code,
        "location": response["Location"],
        "passwords hashed": hasher.hashed - hashed_before,
        "e-mails queued": len(queued) - queued_before,
        "sent to": (
            [OutgoingEmail.objects.get(pk=queued[-1].args[0][0]).to]
            if len(queued) > queued_before
            else []
        ),
    }


@pytest.mark.django_db
def test_a_taken_address_costs_what_a_new_one_costs(
    client, make_user, counting_hasher, queued_mail
):
    make_user(CITIZEN, email=TAKEN)
    taken = work_of(client, TAKEN, counting_hasher, queued_mail)
    new = work_of(client, NEW, counting_hasher, queued_mail)
    assert taken == {
        "status": 302,
        "location": "/accounts/confirm-email/",
        "passwords hashed": 1,
        "e-mails queued": 1,
        "sent to": [TAKEN],
    }
    assert new == {**taken, "sent to": [NEW]}
    # The queue of the test settings runs at once: each e-mail went out.
    assert [message.to for message in mail.outbox] == [[TAKEN], [NEW]]


@pytest.mark.django_db
def test_sign_up_only_queues_its_e_mail(client, make_user, settings):
    """Nothing reaches the mail server during the request; the worker sends
    what the request rendered."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    make_user(CITIZEN, email=TAKEN)
    assert sign_up(client, TAKEN).status_code == 302
    assert sign_up(client, NEW).status_code == 302
    assert mail.outbox == []

    for result in default_task_backend.results:
        result.task.call(*result.args, **result.kwargs)
    taken, new = mail.outbox
    assert taken.to == [TAKEN] and "/accounts/password/reset/" in taken.body
    assert new.to == [NEW] and "/accounts/confirm-email/" in new.body
    assert taken.from_email == new.from_email == settings.DEFAULT_FROM_EMAIL
