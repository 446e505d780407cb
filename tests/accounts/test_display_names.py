"""Display names nobody may take (issue 14, row 7): the names of staff
accounts, of the offices that answer consultations and of the site's
institutions, and every name that only looks like one of them; names that
would show blank. Through the sign-up form, through "My data", and the
folding itself."""

import pytest
from django import forms

from accounts.confusables import skeleton, words
from accounts.models import ProfileChange, User
from accounts.names import clean_display_name
from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER

OFFICE = "Dirección de Gobierno Abierto"
PASSWORD = "una-contraseña-larga-9"


def refusal(name, user=None):
    """The code clean_display_name refuses `name` with (None: accepted)."""
    try:
        clean_display_name(name, user=user)
    except forms.ValidationError as error:
        return error.code
    return None


def sign_up(client, name, url="/accounts/signup/"):
    return client.post(
        url,
        {
            "email": "nueva@example.com",
            "display_name": name,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def name_error(response):
    return response.context["form"].errors.as_data()["display_name"][0]


# The skeleton ----------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "Direccion de gobierno abierto",
        "DIRECCIÓN DE GOBIERNO ABIERTO",
        "Dir\u0435\u0441ción de Gobierno Abierto",  # Cyrillic е and с
        "Dirección  de-Gobierno.Abierto",
        "D i r e c c i ó n de Gobierno Abierto",
        "Ｄｉｒｅｃｃｉóｎ ｄｅ Ｇｏｂｉｅｒｎｏ Ａｂｉｅｒｔｏ",  # full-width
        "Direcci\u03bfn de G\u03bfbiern\u03bf Abiert\u03bf",  # Greek ο
        "Direcci0n de Gobiern0 Abiert0",
        "DIRECCIÓN DE GOBIERNO ABIERTO",
        "Dirección de Gobiemo Abierto",  # rn read as m
        "Dirección de Gobierno AbIerto",
        "Dire\u0301ccio\u0301n de Gobierno Abierto",  # combining accents
    ],
)
def test_look_alikes_of_a_name_share_its_skeleton(variant):
    assert skeleton(variant) == skeleton(OFFICE) == "direcciondegobiemoabierto"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Puente", "puente"),
        ("ΡUΕΝΤΕ", "puente"),  # Greek capitals Ρ, Ε, Ν, Τ
        ("ᴘᴜᴇɴᴛᴇ", "puente"),  # small capitals
        ("ⓟⓤⓔⓝⓣⓔ", "puente"),  # circled letters
        ("𝐏𝐮𝐞𝐧𝐭𝐞", "puente"),  # mathematical bold
        ("M0DERAD0RA", "moderadora"),
        ("Moderadora", "moderadora"),
        ("Adrninistrador", "administrador"),
        ("AdminI", skeleton("Adminl")),
        ("José Ñúñez", "josenunez"),
        ("María-José O'Brien", "mariajoseobrien"),
        ("Straße", "strasse"),
        ("Иван Петров", skeleton("Ивaн Пeтpoв")),  # mixed scripts, same look
        ("", ""),
        ("¡¿—!?", ""),
    ],
)
def test_skeleton(text, expected):
    assert skeleton(text) == expected


def test_words_are_split_on_anything_but_letters_and_digits():
    assert words("Ana (Moder\u0430dora) O'Brien") == ["ana", "moderadora", "o", "brien"]


def test_different_names_keep_different_skeletons():
    assert skeleton("Ana Puente") != skeleton("Puente")
    assert skeleton("Gobierno") != skeleton("Gobierno Abierto")
    assert skeleton("Ana") != skeleton("Ane")


# What is refused, and why -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "Puente",
        "PUENTE",
        "P u e n t e",
        "Ayuntamiento",
        "ayuntamiento",
        "Gobierno",
        "Participante eliminado",
        "Deleted participant",
        "Anónimo",
        "Anonimo",
    ],
)
def test_the_sites_institutional_names_are_reserved(name):
    assert refusal(name) == "reserved"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "Moderadora Ana",
        "Ana (moderadora)",
        "Ana, moderación",
        "M.o.d.e.r.a.d.o.r",
        "Equipo de moderación",
        "Admin",
        "Juan admin",
        "Administrador del sitio",
        "Cuenta oficial",
        "Site staff",
        "Demo moderator",
        "Mod\u0435rator Bob",  # Cyrillic е
    ],
)
def test_role_words_are_reserved_anywhere_in_a_name(name):
    assert refusal(name) == "reserved"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "José Ñúñez",
        "María-José O'Brien",
        "Ana Puente",  # a surname: only "Puente" alone is reserved
        "Crítica del gobierno",
        "Lupita Cruz",
        "Иван Петров",
        "李小龙 Li",
        "Ana ❤️",
        "Ana 2000",
    ],
)
def test_ordinary_names_are_accepted(name, make_consultation):
    make_consultation(responsible_office=OFFICE)
    assert refusal(name) is None
    assert clean_display_name(f"  {name}  ") == name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "staff",
    [
        {"roles": [MODERATOR]},
        {"roles": [PLANNER]},
        {"roles": [EDITOR]},
        {"roles": [CITIZEN], "is_staff": True},
        {"is_superuser": True},
    ],
    ids=["moderator", "planner", "editor", "is_staff", "superuser"],
)
def test_the_names_of_staff_accounts_are_reserved(make_user, staff):
    roles = staff.pop("roles", [])
    make_user(*roles, display_name="Itzel Ramírez", **staff)
    for name in ("Itzel Ramírez", "ITZEL RAMIREZ", "Itzel  Ramírez.", "Itzel Rarnírez"):
        assert refusal(name) == "reserved", name
    assert refusal("Itzel Ramírez Luna") is None


@pytest.mark.django_db
def test_a_citizens_name_is_not_reserved(make_user):
    make_user(CITIZEN, display_name="Lupita Cruz")
    assert refusal("Lupita Cruz") is None


@pytest.mark.django_db
def test_the_offices_of_published_consultations_are_reserved(make_consultation):
    make_consultation(responsible_office=OFFICE)
    make_consultation(responsible_office="Tesorería Municipal", publish=False)
    for name in (
        OFFICE,
        "direccion de gobierno abierto",
        "Dir\u0435\u0441ción de Gobierno Abierto",
    ):
        assert refusal(name) == "reserved", name
    # A draft's office is not public yet.
    assert refusal("Tesorería Municipal") is None


@pytest.mark.django_db
def test_a_person_may_keep_what_reads_as_their_own_name(make_user, make_consultation):
    make_consultation(responsible_office=OFFICE)
    planner = make_user(PLANNER, display_name=OFFICE)
    moderator = make_user(MODERATOR, display_name="Itzel Ramírez")
    assert refusal("Direccion de Gobierno Abierto", user=planner) is None
    assert refusal("Itzel Ramirez", user=moderator) is None
    # Only their own: the other's name, and role words, stay reserved.
    assert refusal("Itzel Ramirez", user=planner) == "reserved"
    assert refusal("Moderadora Itzel", user=moderator) == "reserved"


@pytest.mark.django_db
def test_checking_a_name_costs_two_queries(make_user, make_consultation, django_assert_num_queries):
    """One over the staff's names, one over the offices, however many there are."""
    for number in range(5):
        make_user(MODERATOR, display_name=f"Moderación {number}")
        make_user(PLANNER, is_staff=True, display_name=f"Planeación {number}")
        make_consultation(responsible_office=f"Oficina {number}")
    make_user(CITIZEN, display_name="Ana")
    with django_assert_num_queries(2):
        assert refusal("Nombre Libre") is None
    with django_assert_num_queries(2):
        assert refusal("oficina 3") == "reserved"
    # The lists in the setting are asked first, without a query.
    with django_assert_num_queries(0):
        assert refusal("Moderadora Ana") == "reserved"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("\u200b\u200b\u200b", "blank"),  # zero-width spaces only
        ("\u3164\u3164", "blank"),  # Hangul filler
        ("\uffa0\uffa0", "blank"),  # half-width Hangul filler
        ("\u115f\u1160", "blank"),  # Hangul choseong and jungseong fillers
        ("\u2800\u2800\u2800", "blank"),  # braille blank
        ("\u0301\u0301\u0301", "blank"),  # combining marks only
        ("\ufe0f\ufe0f", "blank"),  # variation selectors only
        ("\u034f \u034f", "blank"),  # combining grapheme joiners
        ("\u202e\u200b", "blank"),
        ("Ana\u3164", "control"),  # would read as "Ana"
        ("Demo\u2800moderator", "control"),
        ("\u202eanA", "control"),  # right-to-left override
        ("Ana\u2066Bel", "control"),  # bidi isolate
        ("juan＠gmail.com", "email"),  # full-width at sign
    ],
)
def test_names_that_would_show_blank_or_deceive_are_refused(name, code):
    assert refusal(name) == code


# Through the forms ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "code"),
    [
        (OFFICE, "reserved"),
        ("DIRECCIÓN DE GOBIERNO ABIERTO", "reserved"),
        ("Dir\u0435\u0441ción de Gobierno Abierto", "reserved"),
        ("Demo moderator", "reserved"),
        ("Itzel Ramirez", "reserved"),
        ("Puente", "reserved"),
        ("\u202eanA", "control"),
        ("\u200b\u200b\u200b", "blank"),
        ("\u3164", "blank"),
        ("juan＠gmail.com", "email"),
    ],
)
def test_signup_refuses_reserved_and_deceptive_names(
    client, make_user, make_consultation, name, code
):
    make_consultation(responsible_office=OFFICE)
    make_user(MODERATOR, display_name="Itzel Ramírez")
    make_user(MODERATOR, display_name="Demo moderator")
    response = sign_up(client, name)
    assert response.status_code == 200
    assert name_error(response).code == code
    assert not User.objects.filter(email="nueva@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["José Ñúñez", "María-José O'Brien"])
def test_signup_accepts_names_with_accents_and_punctuation(client, make_consultation, name):
    make_consultation(responsible_office=OFFICE)
    response = sign_up(client, name)
    assert response.status_code == 302
    assert User.objects.get(email="nueva@example.com").display_name == name


@pytest.mark.django_db
def test_the_refusal_says_why(client, make_consultation):
    make_consultation(responsible_office=OFFICE)
    html = sign_up(client, "Direccion de Gobierno Abierto", url="/en/accounts/signup/")
    assert "This name is reserved for the site&#x27;s staff or offices" in html.content.decode()
    html = sign_up(client, "\u3164\u3164", url="/en/accounts/signup/")
    assert "This name would look blank" in html.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Dir\u0435\u0441ción de Gobierno Abierto", "reserved"),
        ("Itzel Ramírez", "reserved"),
        ("Moderadora Ana", "reserved"),
        ("\u3164\u3164", "blank"),
        ("\u202eanA", "control"),
    ],
)
def test_my_data_refuses_reserved_and_deceptive_names(
    client, citizen, make_user, make_consultation, name, code
):
    make_consultation(responsible_office=OFFICE)
    make_user(MODERATOR, display_name="Itzel Ramírez")
    client.force_login(citizen)
    response = client.post("/cuenta/mis-datos/nombre/", {"display_name": name})
    assert response.status_code == 400
    assert name_error_of_my_data(response).code == code
    assert User.objects.get(pk=citizen.pk).display_name == citizen.display_name
    assert not ProfileChange.objects.exists()


def name_error_of_my_data(response):
    return response.context["name_form"].errors.as_data()["display_name"][0]


@pytest.mark.django_db
def test_my_data_lets_staff_correct_their_own_name(client, make_user, make_consultation):
    make_consultation(responsible_office=OFFICE)
    moderator = make_user(MODERATOR, display_name="Itzel Ramirez")
    office = make_user(PLANNER, display_name="Direccion de Gobierno Abierto")
    for person, corrected in ((moderator, "Itzel Ramírez"), (office, OFFICE)):
        client.force_login(person)
        response = client.post("/cuenta/mis-datos/nombre/", {"display_name": corrected})
        assert response.status_code == 302, corrected
        assert User.objects.get(pk=person.pk).display_name == corrected
