"""Account e-mails name the site and link to SITE_URL, never to the host a
request reached; confirming an address from the browser that signed up
signs the person in and returns them to where they came from (a safe
`next` only)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from accounts.roles import CITIZEN

SITE_URL = "https://consulta.example.mx"
SITE_NAME = "Consulta Ciudad"
PASSWORD = "una-contraseña-larga-9"


@pytest.fixture(autouse=True)
def brand(settings):
    settings.WAGTAILADMIN_BASE_URL = SITE_URL + "/"
    settings.PUENTE_SITE_NAME = SITE_NAME


def sign_up(client, *, prefix="/en", email="ana@example.com", next_url=None):
    data = {
        "email": email,
        "display_name": "Ana de la colonia Centro",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    if next_url is not None:
        data["next"] = next_url
    return client.post(f"{prefix}/accounts/signup/", data)


def links(message):
    return re.findall(r"https?://\S+", message.body)


def confirmation_path(message):
    """The link's path and query, as a browser opening it asks for it."""
    (link,) = [url for url in links(message) if "/confirm-email/" in url]
    assert link.startswith(SITE_URL + "/")
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def assert_branded(message):
    assert SITE_NAME in message.subject
    assert not message.subject.startswith("[")
    assert SITE_NAME in message.body
    for host in ("testserver", "127.0.0.1", "example.com", "localhost"):
        assert host not in message.subject + message.body.replace(message.to[0], "")
    assert links(message) and all(url.startswith(SITE_URL + "/") for url in links(message))


@pytest.mark.django_db
def test_the_confirmation_email_names_the_site_and_links_to_site_url(client):
    sign_up(client, next_url="/en/consultas/parque/")
    (message,) = mail.outbox
    assert_branded(message)
    assert message.subject == f"Confirm your e-mail address on {SITE_NAME}"
    assert confirmation_path(message).startswith("/en/accounts/confirm-email/")
    assert message.body.rstrip().endswith(SITE_URL + "/")


@pytest.mark.django_db
def test_password_reset_and_taken_address_emails_link_to_site_url(client, make_user):
    make_user(CITIZEN, email="ana@example.com")
    client.post("/en/accounts/password/reset/", {"email": "ana@example.com"})
    client.post("/en/accounts/password/reset/", {"email": "nadie@example.org"})
    sign_up(client, email="ana@example.com")
    reset, unknown, taken = mail.outbox
    for message in (reset, unknown, taken):
        assert_branded(message)
    assert "/en/accounts/password/reset/key/" in reset.body
    assert f"{SITE_URL}/en/accounts/signup/" in unknown.body
    assert f"{SITE_URL}/en/accounts/login/" in taken.body
    assert f"{SITE_URL}/en/accounts/password/reset/" in taken.body


@pytest.mark.django_db
def test_confirming_in_the_same_browser_signs_in_and_returns_to_next(client):
    response = sign_up(client, next_url="/en/consultas/parque/")
    assert response["Location"] == "/en/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    path = confirmation_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert b'name="next"' in page.content

    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/en/consultas/parque/"
    user = User.objects.get(email="ana@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.emailaddress_set.get().verified


@pytest.mark.django_db
def test_confirming_in_another_browser_goes_through_sign_in_to_next(client):
    sign_up(client, next_url="/en/consultas/parque/")
    path = confirmation_path(mail.outbox[0])

    phone = Client()
    response = phone.post(path)
    assert response["Location"] == "/en/accounts/login/?next=%2Fen%2Fconsultas%2Fparque%2F"
    assert "_auth_user_id" not in phone.session
    assert User.objects.get(email="ana@example.com").emailaddress_set.get().verified
    response = phone.post(response["Location"], {"login": "ana@example.com", "password": PASSWORD})
    assert response["Location"] == "/en/consultas/parque/"
    assert "_auth_user_id" in phone.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/phish", "//evil.example/phish", "http://testserver.evil.example/"],
)
def test_an_unsafe_next_is_ignored(client, unsafe):
    response = sign_up(client, next_url=unsafe)
    assert response.status_code == 302
    assert "evil" not in response["Location"]
    (message,) = mail.outbox
    assert "evil" not in message.body
    path = confirmation_path(message)
    assert "next=" not in path
    response = client.post(path)
    assert response["Location"] == "/"
    assert "_auth_user_id" in client.session
