"""The account pages in the site's design: labels above the fields, each
description and error tied to its field, an error summary that links to
the fields, the site's buttons; in Spanish one register ("tú"), never
allauth's "usted"."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail

from accounts.roles import CITIZEN

# allauth's Spanish catalog speaks to "usted": none of its forms may show.
USTED = re.compile(
    r"\b(usted|su|sus|le hemos|regístrese|inicie|ingrese|introduzca|desea|olvidó|"
    r"ha olvidado|verifique|confirme|escriba|utilice|debe escribir|por favor)\b",
    re.IGNORECASE,
)
PASSWORD = "una-contraseña-larga-9"


def main_text(response):
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def error_summary(html):
    start = html.index('<div class="error-summary"')
    return html[start : html.index("</div>", start)]


def unconfirmed_key(make_user):
    user = make_user(CITIZEN, email="nueva@example.com")
    address = EmailAddress.objects.create(user=user, email=user.email, primary=True)
    return EmailConfirmationHMAC(address).key


@pytest.mark.django_db
def test_spanish_account_pages_speak_to_tu_never_usted(client, make_user):
    key = unconfirmed_key(make_user)
    pages = [
        client.get("/accounts/login/"),
        client.get("/accounts/signup/"),
        client.get("/accounts/password/reset/"),
        client.get("/accounts/password/reset/done/"),
        client.get("/accounts/confirm-email/"),
        client.get(f"/accounts/confirm-email/{key}/"),
        client.get("/accounts/confirm-email/no-existe/"),
        client.get("/accounts/password/reset/key/1-no-existe/", follow=True),
        client.post("/accounts/login/", {"login": "nadie@example.com", "password": "x"}),
        client.post("/accounts/signup/", {"email": "x", "password1": "a", "password2": "b"}),
        client.post("/accounts/signup/", {"password1": PASSWORD, "password2": "otra"}),
    ]
    client.force_login(make_user(CITIZEN))
    pages += [
        client.get("/accounts/logout/"),
        client.get("/accounts/password/change/"),
        client.get("/accounts/email/"),
        client.post("/accounts/password/change/", {"oldpassword": "", "password1": "a"}),
    ]
    for response in pages:
        assert response.status_code == 200
        text = main_text(response)
        assert not USTED.search(text), (response.request["PATH_INFO"], USTED.search(text), text)


@pytest.mark.django_db
def test_a_bad_sign_up_shows_a_summary_linked_to_each_field(client):
    response = client.post(
        "/en/accounts/signup/",
        {
            "email": "no-es-un-correo",
            "display_name": "Ana",
            "password1": PASSWORD,
            "password2": "otra",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error:" in html
    summary = error_summary(html)
    assert 'role="alert"' in summary and "autofocus" in summary
    assert '<a href="#id_email">Write an e-mail address such as name@example.com.</a>' in summary
    assert '<a href="#id_password2">You must type the same password each time.</a>' in summary
    # Each error next to its field, in words, and tied to it.
    email = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in email
    assert 'aria-describedby="id_email_helptext id_email_error"' in email
    assert 'id="id_email_error"' in html and 'id="id_email_helptext"' in html
    # The password rules are the password's description.
    password = re.search(r"<input[^>]*name=\"password1\"[^>]*>", html).group(0)
    assert 'aria-describedby="id_password1_helptext"' in password
    assert re.search(r'id="id_password1_helptext">At least \d+ characters', html)
    assert 'class="button-primary"' in html
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_field_has_a_label_above_it_and_no_placeholder(client, prefix):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        html = client.get(prefix + path).content.decode()
        form = html[html.index('class="account-form"') : html.index("</form>")]
        assert "placeholder" not in form
        for field_id in re.findall(r'<input type="(?:email|text|password)"[^>]*id="([^"]+)"', form):
            label = form.index(f'<label for="{field_id}">')
            assert label < form.index(f'id="{field_id}"'), (path, field_id)


@pytest.mark.django_db
def test_a_failed_sign_in_says_so_at_the_top_of_the_form(client, make_user):
    make_user(CITIZEN, email="ana@example.com")
    response = client.post(
        "/en/accounts/login/", {"login": "ana@example.com", "password": "no-es-esta"}
    )
    html = response.content.decode()
    summary = error_summary(html)
    assert "The e-mail address or the password is not right." in summary
    assert 'value="ana@example.com"' in html
