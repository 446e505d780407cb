"""What `make run` shows a newcomer of the privacy work: the legal pages in
the footer (Spanish and English), consent asked at sign-up, and a demo
citizen who can download and delete their data."""

import io
import json
import zipfile

import pytest
from django.core import mail

from accounts import consent
from accounts.models import PolicyKind, PolicyVersion, User
from demo.legal import PAGES
from demo.loader import create_demo_accounts, load_demo
from privacy.models import DataExport


@pytest.fixture
def demo(db, settings, django_capture_on_commit_callbacks):
    settings.PUENTE_DEMO_MODE = True
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
        credentials = create_demo_accounts()
    return {role: (email, password) for email, password, role in credentials}


def test_the_footer_links_the_four_pages_in_both_languages(client, demo):
    for prefix in ("", "/en"):
        footer = client.get(f"{prefix}/").content.decode().split('class="site-footer"', 1)[1]
        for spec in PAGES:
            assert f'href="{prefix}/{spec["slug"]}/"' in footer
            page = client.get(f"{prefix}/{spec['slug']}/")
            assert page.status_code == 200
            title = spec["title"]["en" if prefix else "es"]
            assert f"<h1>{title}</h1>" in page.content.decode()


def test_the_english_pages_link_english_pages(client, demo):
    html = client.get("/en/aviso-de-privacidad/").content.decode()
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="/en/cuenta/mis-datos/"' in main
    assert 'href="/cuenta/mis-datos/"' not in main


def test_the_terms_and_notice_have_a_first_version_the_demo_people_accepted(demo):
    assert set(PolicyVersion.objects.values_list("kind", "number")) == {
        (PolicyKind.TERMS, 1),
        (PolicyKind.PRIVACY, 1),
    }
    assert not any(consent.is_pending(User.objects.get(pk=u.pk)) for u in User.objects.all())


def test_signup_asks_for_consent(client, demo):
    html = client.get("/accounts/signup/").content.decode()
    assert 'name="accept_terms"' in html and 'name="acknowledge_privacy"' in html
    assert 'href="/terminos-de-uso/"' in html and 'href="/aviso-de-privacidad/"' in html


def test_the_demo_citizen_downloads_then_deletes_their_data(
    client, demo, django_capture_on_commit_callbacks
):
    email, password = demo["citizen"]
    assert client.login(email=email, password=password)
    assert 'href="/cuenta/mis-datos/"' in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cuenta/mis-datos/exportar/")
    export = DataExport.objects.get(user__email=email)
    assert export.status == DataExport.Status.READY and mail.outbox
    with zipfile.ZipFile(io.BytesIO(bytes(export.content))) as archive:
        assert json.loads(archive.read("profile.json"))["email"] == email
    response = client.post("/cuenta/eliminar/", {"comments": "withdraw", "password": password})
    assert response.status_code == 302 and response["Location"] == "/cuenta/eliminada/"
    assert User.objects.get(email=f"deleted-{export.user_id}@deleted.invalid").erased_at
