"""Per-client limits on the public API's reads and on file downloads (issue
14, item 4; core/throttles.py): 429 with Retry-After past the budget, per IP
address for anonymous clients (the one the nearest trusted proxy saw, never
one the client wrote itself), per person when signed in, staff included."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.roles import CITIZEN, PLANNER
from privacy import actions

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def budgets(settings):
    """Two requests a minute, counted in a cache of this test's own (so
    that no other test's requests count)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttles-{uuid.uuid4().hex}",
        }
    }
    settings.PUENTE_PUBLIC_READ_RATE = "2/min"
    settings.PUENTE_EXPORT_RATE = "2/min"
    settings.PUENTE_OPEN_DATA_AVAILABLE = "always"


def trusted_proxies(settings, count):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}


@pytest.fixture
def consultation(make_consultation):
    now = timezone.now()
    return make_consultation(
        opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=5), questions=["¿Qué?"]
    )


@pytest.fixture
def read_urls(consultation):
    return [
        "/api/v1/consultations/",
        f"/api/v1/consultations/{consultation.pk}/",
        f"/api/v1/consultations/{consultation.pk}/comments/",
    ]


@pytest.fixture
def download_urls(consultation):
    return [
        f"/consultations/{consultation.pk}/export.csv",
        f"/consultations/{consultation.pk}/export.json",
    ]


def retry_after(response):
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    return seconds


@pytest.mark.parametrize("which", [0, 1, 2])
def test_reads_past_the_budget_answer_429_in_the_envelope(client, budgets, read_urls, which):
    url = read_urls[which]
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["retry_after"] == retry_after(response)


def test_the_reads_share_one_budget_and_writes_do_not_spend_it(
    client, budgets, read_urls, consultation, make_user, no_rate_limits
):
    client.force_login(make_user(CITIZEN))
    question = consultation.ordered_questions[0]
    for _ in range(3):
        posted = client.post(
            read_urls[2],
            {"body": "Hace falta sombra.", "question": question.pk},
            content_type="application/json",
        )
        assert posted.status_code == 201
    assert client.get(read_urls[0]).status_code == 200
    assert client.get(read_urls[1]).status_code == 200
    assert client.get(read_urls[2]).status_code == 429


def test_downloads_past_the_budget_answer_429_as_text_never_cached(client, budgets, download_urls):
    csv_url, json_url = download_urls
    # A method the files do not answer is refused before it is counted.
    assert [client.post(csv_url).status_code for _ in range(3)] == [405] * 3
    assert client.get(csv_url).status_code == 200
    assert client.get(json_url).status_code == 200
    response = client.get(csv_url)
    assert response.status_code == 429
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert str(retry_after(response)) in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # The page about the files is not a download.
    assert client.get(csv_url.replace("export.csv", "datos-abiertos/")).status_code == 200


@pytest.fixture(params=["read", "download"])
def url(request, read_urls, download_urls):
    return read_urls[0] if request.param == "read" else download_urls[0]


def spend(client, url, headers=None):
    """Spends the budget of whoever `headers` say: True if it ran out."""
    codes = [client.get(url, headers=headers).status_code for _ in range(3)]
    assert codes[:2] == [200, 200]
    return codes[2] == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(client, settings, budgets, url):
    trusted_proxies(settings, 1)
    assert spend(client, url, {"x-forwarded-for": "198.51.100.1"})
    assert client.get(url, headers={"x-forwarded-for": "198.51.100.2"}).status_code == 200
    # What the client wrote before the proxy's entry is not believed.
    spoofed = {"x-forwarded-for": "203.0.113.7, 198.51.100.1"}
    assert client.get(url, headers=spoofed).status_code == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, settings, budgets, url):
    trusted_proxies(settings, 0)
    assert spend(client, url, {"x-forwarded-for": "198.51.100.1"})
    assert client.get(url, headers={"x-forwarded-for": "198.51.100.2"}).status_code == 429
    assert client.get(url, REMOTE_ADDR="192.0.2.44").status_code == 200


def test_signed_in_people_count_per_person(client, budgets, url, make_user):
    """An office or a meeting room behind one address: each person their own."""
    first, second = make_user(CITIZEN), make_user(CITIZEN)
    client.force_login(first)
    assert spend(client, url)
    client.force_login(second)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 200


def test_staff_downloads_of_summaries_are_limited_too(
    client, settings, budgets, consultation, make_user
):
    client.force_login(make_user(PLANNER))
    url = f"/admin/summaries/{consultation.pk}/export.xlsx"
    assert spend(client, url)


def test_a_persons_data_file_is_a_download_too(client, settings, budgets, make_user):
    person = make_user(CITIZEN)
    export, _ = actions.do_request_export(person)
    actions.run_export(export.pk)
    client.force_login(person)
    assert spend(client, f"/cuenta/mis-datos/exportar/{actions.export_token(export)}/")


def test_the_trusted_proxies_come_from_the_environment():
    script = (
        "from django.conf import settings as s;"
        "print(s.REST_FRAMEWORK['NUM_PROXIES'], s.ALLAUTH_TRUSTED_PROXY_COUNT)"
    )
    outputs = []
    for value in (None, "2"):
        env = {k: v for k, v in os.environ.items() if k != "PUENTE_TRUSTED_PROXIES"}
        if value is not None:
            env["PUENTE_TRUSTED_PROXIES"] = value
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.split()[-2:])
    assert outputs == [["0", "0"], ["2", "2"]]
