"""The link at the foot of every e-mail (issue 15, item 4): a signed,
expiring token that stops one kind of e-mail without signing in, by a page
with one button or by a mail program's one-click POST (RFC 8058). A forged,
tampered, expired or reused token changes nothing and says so; the page
never shows whose address it is."""

import base64
import json
import time
import zlib

import pytest
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.roles import CITIZEN
from core.models import OutgoingEmail
from notifications import notify, preferences, unsubscribe
from notifications.models import Notice, Preference, Topic

SITE = settings.WAGTAILADMIN_BASE_URL.rstrip("/")


@pytest.fixture
def person(make_user):
    return make_user(CITIZEN, display_name="Ana Suscrita", email="ana.suscrita@example.com")


@pytest.fixture
def mail_client():
    """A mail program: no session, no CSRF cookie, and CSRF enforced."""
    return Client(enforce_csrf_checks=True)


def path_of(url):
    assert url.startswith(SITE)
    return url[len(SITE) :]


def link(person, topic=Topic.REPLY):
    return path_of(unsubscribe.url(person, topic))


def one_click(client, path):
    return client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )


def assert_invalid_page(response, person=None):
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="robots" content="noindex"' in html
    assert 'name="referrer" content="no-referrer"' in html
    assert '<form method="post" action="/avisos/baja/' not in html
    if person is not None:
        assert person.email not in html


def test_the_page_says_what_stops_and_changes_nothing_until_the_button(client, person):
    path = link(person)
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert str(Topic.REPLY.label) in html
    assert f'<form method="post" action="{path}">' in html
    assert 'name="referrer" content="no-referrer"' in html
    assert person.email not in html and "Ana Suscrita" not in html
    assert response["Cache-Control"].startswith("max-age=0")
    assert Preference.objects.count() == 0


def test_the_button_stops_only_that_topic(mail_client, person):
    before = preferences.of(person)
    assert before[Topic.REPLY] == "now"

    response = mail_client.post(link(person, Topic.REPLY))

    assert response.status_code == 200
    assert person.email not in response.content.decode()
    after = preferences.of(person)
    assert after == {**before, Topic.REPLY: "site"}


def test_a_mail_programs_one_click_post_works_without_session_or_csrf(mail_client, person):
    response = one_click(mail_client, link(person, Topic.THREAD))

    assert response.status_code == 200
    assert preferences.of(person)[Topic.THREAD] == "site"


def test_a_reused_link_changes_nothing_and_says_so(mail_client, person):
    path = link(person, Topic.REPLY)
    first = mail_client.post(path)
    rows = sorted(Preference.objects.values_list("topic", "delivery"))

    again = mail_client.post(path)

    assert again.status_code == 200
    with translation.override("es-mx"):
        nothing = gettext("Nothing changed.")
    assert nothing in again.content.decode()
    assert nothing not in first.content.decode()
    assert sorted(Preference.objects.values_list("topic", "delivery")) == rows
    # The page, opened again, has nothing to stop: no button.
    page = mail_client.get(path).content.decode()
    assert f'<form method="post" action="{path}">' not in page


def test_the_english_address_works_too(mail_client, make_user):
    reader = make_user(CITIZEN, language="en")

    # An English reader's link is the English address.
    assert link(reader, Topic.RESPONSE).startswith("/en/avisos/baja/")
    response = mail_client.post(link(reader, Topic.RESPONSE))

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert preferences.of(reader)[Topic.RESPONSE] == "site"


def _payload(token):
    """The signed value of a token (compressed JSON)."""
    data = token.split(":")[0]
    compressed = data.startswith(".")
    raw = base64.urlsafe_b64decode(data.lstrip(".") + "=" * (-len(data.lstrip(".")) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def _forge(value, signature_from):
    """A token carrying `value` with the signature and time of another."""
    encoded = base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode())
    _payload_part, stamp, signature = signature_from.split(":")
    return f"{encoded.decode().rstrip('=')}:{stamp}:{signature}"


def bad_tokens(person, other):
    genuine = unsubscribe.token(person, Topic.REPLY)
    assert _payload(genuine) == {"u": person.pk, "t": "reply"}
    payload, stamp, signature = genuine.split(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return {
        "garbled": "no-es-un-token",
        "empty signature": f"{payload}:{stamp}:",
        "tampered signature": f"{payload}:{stamp}:{flipped}",
        "another person's id": _forge({"u": other.pk, "t": "reply"}, genuine),
        "another topic": _forge({"u": person.pk, "t": "thread"}, genuine),
        "another salt": signing.dumps({"u": person.pk, "t": "reply"}, salt="other"),
        "another key": signing.dumps(
            {"u": person.pk, "t": "reply"}, key="x" * 50, salt=unsubscribe.SALT
        ),
        "not a mapping": signing.dumps([person.pk, "reply"], salt=unsubscribe.SALT),
        "id as text": signing.dumps({"u": str(person.pk), "t": "reply"}, salt=unsubscribe.SALT),
        "unknown topic": signing.dumps({"u": person.pk, "t": "gossip"}, salt=unsubscribe.SALT),
        "huge id": signing.dumps({"u": 2**70, "t": "reply"}, salt=unsubscribe.SALT),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "garbled",
        "empty signature",
        "tampered signature",
        "another person's id",
        "another topic",
        "another salt",
        "another key",
        "not a mapping",
        "id as text",
        "unknown topic",
        "huge id",
    ],
)
def test_a_forged_or_tampered_link_shows_a_clear_page_and_changes_nothing(
    mail_client, person, make_user, kind
):
    other = make_user(CITIZEN)
    path = f"/avisos/baja/{bad_tokens(person, other)[kind]}/"

    for response in (mail_client.get(path), mail_client.post(path), one_click(mail_client, path)):
        assert_invalid_page(response, person)
    assert Preference.objects.count() == 0


def test_an_expired_link_changes_nothing(mail_client, person, monkeypatch):
    max_age = settings.PUENTE_UNSUBSCRIBE_MAX_AGE
    real = time.time()
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: real - max_age - 60)
        old = link(person, Topic.REPLY)
    fresh = link(person, Topic.REPLY)

    assert_invalid_page(mail_client.post(old), person)
    assert Preference.objects.count() == 0
    assert mail_client.post(fresh).status_code == 200


def test_a_link_expires_after_the_configured_age(mail_client, person, settings):
    path = link(person, Topic.THREAD)
    settings.PUENTE_UNSUBSCRIBE_MAX_AGE = -1

    assert_invalid_page(mail_client.post(path), person)
    assert Preference.objects.count() == 0


def test_a_link_naming_a_deleted_or_erased_account_changes_nothing(mail_client, person, make_user):
    erased = make_user(CITIZEN)
    erased_path = link(erased)
    type(erased).objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    gone = make_user(CITIZEN)
    gone_path = link(gone)
    gone.delete()

    for path in (erased_path, gone_path):
        assert_invalid_page(mail_client.get(path))
        assert_invalid_page(mail_client.post(path))
    assert Preference.objects.count() == 0


def test_the_person_signed_in_does_not_matter_the_link_does(make_user, person):
    someone = make_user(CITIZEN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(someone)

    response = client.post(link(person, Topic.COMMITMENT))

    assert response.status_code == 200
    assert preferences.of(person)[Topic.COMMITMENT] == "site"
    assert not Preference.objects.filter(user=someone).exists()


def test_the_page_takes_two_queries_of_its_own(mail_client, person):
    """The person and their choices, besides what the layout reads (measured
    on the page for a link that does not work, which reads nothing else)."""
    path = link(person)

    def count(method, url):
        with CaptureQueriesContext(connection) as queries:
            method(url)
        return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])

    layout = count(mail_client.get, "/avisos/baja/no-es-un-token/")
    assert count(mail_client.get, path) == layout + 2
    # POST: the person, their choices, and the one row written.
    assert count(mail_client.post, path) == layout + 4


def test_a_notice_email_carries_the_one_click_headers_that_work(
    mail_client, person, make_consultation, settings
):
    Preference.objects.create(user=person, topic=Topic.CONSULTATION, delivery="now")
    consultation = make_consultation(title="Consulta seguida")
    now = timezone.now()

    notify.tell(person, Notice.Kind.CLOSED, consultation=consultation, now=now)

    (row,) = OutgoingEmail.objects.filter(to=person.email)
    header = row.headers["List-Unsubscribe"]
    assert header.startswith(f"<{SITE}/avisos/baja/") and header.endswith("/>")
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header[1:-1]
    assert url in row.body
    assert unsubscribe.read(url.rstrip("/").rsplit("/", 1)[1]) == (person.pk, "consultation")

    assert one_click(mail_client, path_of(url)).status_code == 200

    assert preferences.of(person)[Topic.CONSULTATION] == "site"
    notify.tell(person, Notice.Kind.CLOSED, consultation=consultation, now=now)
    assert OutgoingEmail.objects.filter(to=person.email).count() == 1
