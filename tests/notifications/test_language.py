"""Each person's language is kept on their account (accounts/language.py):
the one they signed up in, then the last one they chose with the switch.
What is e-mailed to them is written in it."""

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from accounts.roles import CITIZEN
from notifications import notify
from notifications.models import Notice

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "display_name": "Alguien del barrio",
    "password1": "una-contraseña-larga-9",
    "password2": "una-contraseña-larga-9",
}


@pytest.mark.parametrize(
    ("path", "language"), [("/accounts/signup/", "es-mx"), ("/en/accounts/signup/", "en")]
)
def test_signing_up_keeps_the_language_of_the_page(client, path, language, django_user_model):
    response = client.post(path, {**SIGN_UP, "email": "nueva@example.com"})
    assert response.status_code == 302
    assert django_user_model.objects.get(email="nueva@example.com").language == language


def test_the_language_switch_keeps_a_signed_in_persons_choice(client, make_user):
    person = make_user(CITIZEN)
    client.force_login(person)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.language == "en"
    client.post("/i18n/setlang/", {"language": "es-mx", "next": "/"})
    person.refresh_from_db()
    assert person.language == "es-mx"
    # An unknown language changes nothing.
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    person.refresh_from_db()
    assert person.language == "es-mx"


def test_switching_anonymously_changes_no_account(client, django_user_model, make_user):
    make_user(CITIZEN)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert set(django_user_model.objects.values_list("language", flat=True)) == {"es-mx"}


def test_a_notice_e_mail_is_written_in_its_persons_language(make_user):
    english = make_user(CITIZEN, email="en@example.com", language="en")
    spanish = make_user(CITIZEN, email="es@example.com")
    with TestCase.captureOnCommitCallbacks(execute=True):
        for person in (english, spanish):
            notify.tell(person, Notice.Kind.UNBLOCKED, now=timezone.now())
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "unblocked your account" in by_address["en@example.com"].body
    assert "desbloqueó tu cuenta" in by_address["es@example.com"].body
