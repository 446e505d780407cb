"""Accounts: sign-up with e-mail verification, sign-in, sign-out, password reset."""

import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.roles import CITIZEN

SIGNUP = {
    "email": "ana@example.com",
    "display_name": "Ana de la colonia Centro",
    "password1": "una-contraseña-larga-9",
    "password2": "una-contraseña-larga-9",
}


def confirmation_link(message):
    return re.search(r"https?://[^/\s]+(/[^\s]*confirm-email/[^\s]+)", message.body).group(1)


@pytest.mark.django_db
def test_signup_requires_verifying_the_address_then_signs_in(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="ana@example.com")
    assert user.display_name == "Ana de la colonia Centro"
    assert list(user.groups.values_list("name", flat=True)) == [CITIZEN]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.com"]

    # Not verified yet: signing in is refused with a pointer to the e-mail.
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "ana@example.com", "password": SIGNUP["password1"]}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and "confirm-email" in response["Location"]

    link = confirmation_link(mail.outbox[-1])
    assert client.post(link).status_code == 302
    assert user.emailaddress_set.get().verified

    client.post("/accounts/login/", {"login": "ana@example.com", "password": SIGNUP["password1"]})
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", ""),
        ("display_name", "ana@example.com"),
        ("display_name", "x"),
        ("display_name", "n" * 61),
        ("email", "no-es-un-correo"),
        ("password2", "otra-distinta-123"),
    ],
)
def test_signup_rejects_bad_input_and_creates_nobody(client, field, value):
    response = client.post("/accounts/signup/", {**SIGNUP, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_signup_with_a_taken_address_creates_no_second_account(client, make_user):
    make_user(CITIZEN, email="ana@example.com")
    client.post("/accounts/signup/", SIGNUP)
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1


@pytest.mark.django_db
def test_password_reset_sends_a_link(client, make_user):
    make_user(CITIZEN, email="ana@example.com")
    response = client.post("/accounts/password/reset/", {"email": "ana@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    # allauth moves the key into the session and redirects to a key-less form.
    form_url = client.get(link.group(1))["Location"]
    new_password = "otra-contraseña-nueva-7"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    client.logout()
    assert client.login(email="ana@example.com", password=new_password)
    assert not client.login(email="ana@example.com", password="contraseña-segura-123")


@pytest.mark.django_db
def test_admin_sign_in_goes_through_allauth(client, make_user):
    """Wagtail's own login form would skip e-mail verification and rate limits."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert client.get("/admin/")["Location"].startswith("/accounts/login/")
    unverified = make_user(CITIZEN, email="nueva@example.com")
    client.post(
        "/admin/login/", {"username": unverified.email, "password": "contraseña-segura-123"}
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_email_is_never_shown_publicly(client, make_user, make_consultation, home):
    user = make_user(CITIZEN, email="privado@example.com", display_name="Vecina Pública")
    page = make_consultation()
    client.force_login(user)
    html = client.get(home.url).content.decode()
    assert "Vecina Pública" in html
    assert "privado@example.com" not in html
    assert "privado@example.com" not in client.get(page.url).content.decode()
    assert "privado@example.com" not in client.get("/api/v1/consultations/").content.decode()


@pytest.mark.django_db
def test_account_pages_render_in_both_languages(client):
    assert "Crear cuenta" in client.get("/accounts/signup/").content.decode()
    assert "Create account" in client.get("/en/accounts/signup/").content.decode()
