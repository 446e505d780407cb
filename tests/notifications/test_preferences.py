"""How each person hears about each topic (issue 15, item 4): the page that
works without JavaScript and the JSON API, the site's defaults until a
person chooses, 400 with field errors for anything outside the choices (a
receipt only on the site or at once), CSRF, the write budget and constant
queries."""

import json
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.roles import CITIZEN
from notifications import notify, preferences
from notifications.models import Notice, Preference, Topic

PAGE = "/avisos/preferencias/"
API = "/api/v1/notifications/preferences/"
DEFAULTS = settings.PUENTE_NOTIFICATION_DEFAULTS
EVERY_TOPIC_BY_EMAIL = dict.fromkeys(Topic.values, "now")


@pytest.fixture
def person(make_user):
    return make_user(CITIZEN, display_name="Ana Preferida")


@pytest.fixture
def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


def put(client, data):
    return client.put(API, json.dumps(data), content_type="application/json")


def chosen(person):
    return dict(Preference.objects.filter(user=person).values_list("topic", "delivery"))


# --- The page ----------------------------------------------------------------------


def test_the_page_needs_signing_in(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(PAGE, {"reply": "site"}).status_code == 302
    assert Preference.objects.count() == 0


def test_the_page_shows_a_group_per_topic_with_the_defaults_checked(signed_in, person):
    response = signed_in.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") == len(Topic.values)
    assert html.count("<legend>") == len(Topic.values)
    for topic, delivery in DEFAULTS.items():
        assert f'id="{topic}-{delivery}" value="{delivery}" checked' in html
        for value in preferences.CHOICES[topic]:
            assert f'<label for="{topic}-{value}">' in html
    # A receipt is about one comment: at once or on the site, never in a digest.
    assert 'name="receipt" id="receipt-site"' in html
    assert 'name="receipt" id="receipt-now"' in html
    assert 'id="receipt-daily"' not in html and 'id="receipt-weekly"' not in html
    # The language the e-mails are written in, named in itself.
    assert "Español (México)" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_page_names_english_for_a_person_who_reads_english(make_user):
    reader = make_user(CITIZEN, language="en")
    client = Client()
    client.force_login(reader)

    assert "English" in client.get("/en/avisos/preferencias/").content.decode()


def test_saving_stores_only_what_differs_from_the_defaults(signed_in, person):
    values = {**DEFAULTS, "thread": "weekly", "commitment": "now"}

    response = signed_in.post(PAGE, values)

    assert response.status_code == 302 and response["Location"] == PAGE
    assert chosen(person) == {"thread": "weekly", "commitment": "now"}
    assert preferences.of(person) == values
    page = signed_in.get(PAGE).content.decode()
    assert 'class="message message--success"' in page
    assert 'id="thread-weekly" value="weekly" checked' in page

    # Back to the defaults: no rows left.
    signed_in.post(PAGE, DEFAULTS)
    assert chosen(person) == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reply": "hourly"}, "reply"),
        ({"receipt": "daily"}, "receipt"),
        ({"receipt": "weekly"}, "receipt"),
        ({"thread": ""}, "thread"),
        ({"consultation": None}, "consultation"),
    ],
    ids=["unknown value", "receipt daily", "receipt weekly", "empty", "missing"],
)
def test_a_refused_choice_shows_its_error_next_to_it_and_saves_nothing(
    signed_in, person, change, field
):
    values = {**DEFAULTS, "moderation": "weekly", **change}
    values = {key: value for key, value in values.items() if value is not None}

    response = signed_in.post(PAGE, values)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'role="alert"' in html
    assert f'href="#{field}-site"' in html
    assert f'aria-describedby="{field}-errors"' in html
    assert f'<p class="field-error" id="{field}-errors">' in html
    assert html.count('class="field-error"') == 1
    with translation.override("es-mx"):
        assert f"<title>{gettext('Error:')} " in html
    # What was sent stays chosen, so that nothing has to be chosen again.
    assert 'id="moderation-weekly" value="weekly" checked' in html
    assert chosen(person) == {}


def test_the_form_needs_its_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    response = client.post(PAGE, {**DEFAULTS, "reply": "site"})

    assert response.status_code == 403
    assert chosen(person) == {}


def test_the_form_spends_the_write_budget(signed_in, person, settings):
    write_budget(settings, "2/min")
    for _ in range(2):
        assert signed_in.post(PAGE, DEFAULTS).status_code == 302

    response = signed_in.post(PAGE, {**DEFAULTS, "reply": "site"})

    assert response.status_code == 429
    assert chosen(person) == {}


def write_budget(settings, rate):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttles-{uuid.uuid4().hex}",
        }
    }
    settings.PUENTE_COMMENT_WRITE_RATE = rate


def test_the_page_takes_constant_queries(signed_in, person):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(PAGE).status_code == 200
        return len(queries)

    count()
    defaults = count()
    Preference.objects.bulk_create(
        Preference(user=person, topic=topic, delivery="site") for topic in Topic.values
    )
    assert count() == defaults <= 12


# --- The JSON API --------------------------------------------------------------------


def test_the_api_answers_the_defaults_until_the_person_chooses(signed_in):
    response = signed_in.get(API)

    assert response.status_code == 200
    assert response.json() == DEFAULTS


def test_put_saves_every_topic_and_answers_the_saved_values(signed_in, person):
    values = {**DEFAULTS, "reply": "daily", "commitment": "weekly"}

    response = put(signed_in, values)

    assert response.status_code == 200
    assert response.json() == values
    assert signed_in.get(API).json() == values
    assert chosen(person) == {"reply": "daily", "commitment": "weekly"}


def test_what_a_person_chooses_decides_how_their_next_notice_is_delivered(signed_in, person):
    put(signed_in, {**DEFAULTS, "consultation": "weekly"})

    notice = notify.tell(person, Notice.Kind.CLOSED, now=timezone.now())

    assert notice.delivery == "weekly"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({**DEFAULTS, "reply": "hourly"}, {"reply"}),
        ({**DEFAULTS, "receipt": "daily"}, {"receipt"}),
        ({**DEFAULTS, "receipt": "weekly"}, {"receipt"}),
        ({**DEFAULTS, "thread": None}, {"thread"}),
        ({**DEFAULTS, "thread": 1}, {"thread"}),
        ({**DEFAULTS, "thread": ["daily"]}, {"thread"}),
        ({key: v for key, v in DEFAULTS.items() if key != "moderation"}, {"moderation"}),
        ({**DEFAULTS, "gossip": "now"}, {"gossip"}),
        ({**DEFAULTS, "reply": "NOW", "gossip": "now"}, {"reply", "gossip"}),
        ({}, set(Topic.values)),
        ([], {"preferences"}),
        ("now", {"preferences"}),
    ],
    ids=[
        "unknown value",
        "receipt daily",
        "receipt weekly",
        "null",
        "number",
        "list",
        "missing topic",
        "unknown topic",
        "two errors",
        "empty",
        "a list",
        "a string",
    ],
)
def test_put_refuses_anything_outside_the_choices_with_field_errors(
    signed_in, person, data, fields
):
    put(signed_in, {**DEFAULTS, "thread": "weekly"})

    response = put(signed_in, data)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == fields
    assert all(body["errors"][field] for field in fields)
    # Nothing changed.
    assert chosen(person) == {"thread": "weekly"}


def test_the_api_is_for_signed_in_people(client, db):
    for response in (client.get(API), put(client, EVERY_TOPIC_BY_EMAIL)):
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert Preference.objects.count() == 0


def test_put_needs_the_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    response = put(client, EVERY_TOPIC_BY_EMAIL)

    assert response.status_code == 403
    assert chosen(person) == {}
    token = "a" * 32
    client.cookies["csrftoken"] = token
    response = client.put(
        API,
        json.dumps(EVERY_TOPIC_BY_EMAIL),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200


def test_other_methods_are_refused(signed_in):
    assert signed_in.post(API, {}, content_type="application/json").status_code == 405
    assert signed_in.patch(API, {}, content_type="application/json").status_code == 405
    assert signed_in.delete(API).status_code == 405


def test_writes_are_rate_limited(signed_in, person, settings):
    write_budget(settings, "2/min")
    for _ in range(2):
        assert put(signed_in, DEFAULTS).status_code == 200

    response = put(signed_in, EVERY_TOPIC_BY_EMAIL)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
    assert chosen(person) == {}
    # Reads are not writes.
    assert signed_in.get(API).status_code == 200


def test_the_api_takes_constant_queries(signed_in, person, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        signed_in.get(API)
    with django_assert_max_num_queries(7):
        put(signed_in, EVERY_TOPIC_BY_EMAIL)
    with django_assert_max_num_queries(7):
        put(signed_in, DEFAULTS)


def test_the_schema_documents_each_topics_choices(client, db):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"][API]
    assert set(operation) >= {"get", "put"}
    component = schema["components"]["schemas"]["NotificationPreferences"]
    assert set(component["properties"]) == set(Topic.values)
    assert set(component["required"]) == set(Topic.values)
    enums = schema["components"]["schemas"]
    assert enums["DeliveryEnum"]["enum"] == ["site", "now", "daily", "weekly"]
    receipt = component["properties"]["receipt"]
    receipt_enum = enums[receipt["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert receipt_enum["enum"] == ["site", "now"]
