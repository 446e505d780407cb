"""My data without JavaScript: rectification (display name with its log;
e-mail through allauth's verified change, logged), opposition (honoured by
the open-data files), and bad input refused with a message, nothing changed."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from accounts.models import ProfileChange, User
from accounts.roles import CITIZEN
from comments import actions as comments
from consultations.models import ConsultationPage
from privacy.models import ArcoKind, ArcoRequest
from summaries import opendata


@pytest.mark.django_db
def test_my_data_is_linked_from_the_header_and_needs_sign_in(client, citizen, home):
    assert client.get("/cuenta/mis-datos/").status_code == 302
    client.force_login(citizen)
    html = client.get("/").content.decode()
    assert 'href="/cuenta/mis-datos/"' in html
    page = client.get("/cuenta/mis-datos/")
    assert page.status_code == 200 and citizen.email in page.content.decode()
    assert client.get("/en/cuenta/mis-datos/").status_code == 200


@pytest.mark.django_db
def test_correcting_the_display_name_is_logged(client, citizen):
    client.force_login(citizen)
    old = citizen.display_name
    response = client.post("/cuenta/mis-datos/nombre/", {"display_name": "  María   José  "})
    assert response.status_code == 302 and response["Location"].endswith("#rectification")
    assert User.objects.get(pk=citizen.pk).display_name == "María José"
    change = ProfileChange.objects.get(user=citizen)
    assert (change.field, change.old_value, change.new_value) == ("display_name", old, "María José")
    audit = ArcoRequest.objects.get()
    assert (audit.kind, audit.detail) == (ArcoKind.RECTIFICATION, "display_name")
    assert "María José" not in repr(ArcoRequest.objects.values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "",
        "x",
        "n" * 61,
        "<b>Ana</b>",
        "Ana<script>alert(1)</script>",
        "ana@example.com",
        "juan＠gmail.com",
        "\u202eanA",  # right-to-left override
        "\u200b\u200b\u200b",  # zero-width only
        "Ana\x00Bel",
        "Ana\x07",
    ],
)
def test_a_bad_display_name_is_refused_with_a_message(client, citizen, name):
    client.force_login(citizen)
    response = client.post("/cuenta/mis-datos/nombre/", {"display_name": name})
    assert response.status_code == 400
    html = response.content.decode()
    if "\x00" in name:  # refused before the view (core/middleware.py)
        assert "NUL" in html
    else:
        assert 'aria-invalid="true"' in html and "field-error" in html
    assert User.objects.get(pk=citizen.pk).display_name == citizen.display_name
    assert not ProfileChange.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\u202eanA", "<b>Ana</b>", "juan＠gmail.com", "\u200b\u200b"])
def test_signup_refuses_the_same_names(client, name):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "nueva@example.com",
            "display_name": name,
            "password1": "una-contraseña-larga-9",
            "password2": "una-contraseña-larga-9",
        },
    )
    assert response.status_code == 200 and "display_name" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.django_db
def test_changing_the_e_mail_is_verified_then_logged(client, citizen):
    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    old = citizen.email
    client.force_login(citizen)
    response = client.post("/accounts/email/", {"action_add": "", "email": "nuevo@example.com"})
    assert response.status_code == 302
    # Not yet: the new address must be verified first.
    assert User.objects.get(pk=citizen.pk).email == old
    assert not ProfileChange.objects.exists()
    link = re.search(r"https?://[^/\s]+(/[^\s]*confirm-email/[^\s]+)", mail.outbox[-1].body).group(
        1
    )
    client.post(link)
    assert User.objects.get(pk=citizen.pk).email == "nuevo@example.com"
    change = ProfileChange.objects.get(user=citizen)
    assert (change.field, change.old_value, change.new_value) == ("email", old, "nuevo@example.com")
    assert ArcoRequest.objects.filter(kind=ArcoKind.RECTIFICATION, detail="email").exists()


@pytest.fixture
def closed_with_two_authors(make_consultation, make_user, no_rate_limits):
    page = make_consultation(questions=["¿Qué opinas?"])
    question = page.ordered_questions[0].pk
    staying, leaving = make_user(CITIZEN), make_user(CITIZEN)
    comments.do_post_comment(staying, page, body="Me quedo en los datos.", question=question)
    comments.do_post_comment(
        leaving, page, body="Prefiero no estar en los datos.", question=question
    )
    now = timezone.now()
    ConsultationPage.objects.filter(pk=page.pk).update(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(seconds=1)
    )
    return page, staying, leaving


def open_data_text(client, page):
    csv = client.get(f"/consultations/{page.pk}/export.csv")
    json = client.get(f"/consultations/{page.pk}/export.json")
    assert csv.status_code == json.status_code == 200
    return b"".join(csv.streaming_content).decode() + b"".join(json.streaming_content).decode()


@pytest.mark.django_db
def test_opting_out_leaves_the_open_data_files_but_not_the_site(client, closed_with_two_authors):
    page, staying, leaving = closed_with_two_authors
    assert "Prefiero no estar" in open_data_text(client, page)
    client.force_login(leaving)
    response = client.post("/cuenta/mis-datos/datos-abiertos/", {"open_data": "out"})
    assert response.status_code == 302 and response["Location"].endswith("#opposition")
    text = open_data_text(client, page)
    assert "Prefiero no estar" not in text and "Me quedo en los datos." in text
    assert opendata.pseudonym(page.pk, leaving.pk) not in text
    assert opendata.count(page) == 1
    assert "Prefiero no estar" in client.get(page.url).content.decode()
    audit = ArcoRequest.objects.get()
    assert (audit.kind, audit.detail, audit.completed_at is not None) == (
        ArcoKind.OPPOSITION,
        "out",
        True,
    )
    # And back in.
    client.post("/cuenta/mis-datos/datos-abiertos/", {"open_data": "in"})
    assert "Prefiero no estar" in open_data_text(client, page)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "maybe", "out\x00", "OUT"])
def test_a_bad_open_data_choice_changes_nothing(client, citizen, value):
    client.force_login(citizen)
    response = client.post("/cuenta/mis-datos/datos-abiertos/", {"open_data": value})
    assert response.status_code == (400 if "\x00" in value else 302)
    assert not User.objects.get(pk=citizen.pk).open_data_opt_out
    assert not ArcoRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/cuenta/mis-datos/nombre/",
        "/cuenta/mis-datos/datos-abiertos/",
        "/cuenta/mis-datos/exportar/",
    ],
)
def test_writes_need_post_and_csrf(citizen, path):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    assert client.get(path).status_code == 405
    assert client.post(path, {"display_name": "Otro", "open_data": "out"}).status_code == 403
    assert User.objects.get(pk=citizen.pk).display_name == citizen.display_name


@pytest.mark.django_db
def test_a_sixth_name_change_in_a_day_is_refused(client, citizen, settings):
    client.force_login(citizen)
    for n in range(settings.PUENTE_DISPLAY_NAME_CHANGES_PER_DAY):
        assert (
            client.post("/cuenta/mis-datos/nombre/", {"display_name": f"Nombre {n}"}).status_code
            == 302
        )
    response = client.post("/cuenta/mis-datos/nombre/", {"display_name": "Uno más"})
    assert response.status_code == 429
    assert (
        "Try again tomorrow" in response.content.decode() or "mañana" in response.content.decode()
    )
    assert User.objects.get(pk=citizen.pk).display_name == "Nombre 4"
