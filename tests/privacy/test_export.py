"""Access and portability: the ZIP holds exactly the person's data and
nobody else's, in a constant number of queries; it is built in the
background, announced, reused while running, and downloadable only by its
owner through an unexpired signed link."""

import csv
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import consent
from accounts.roles import CITIZEN
from notifications.models import Notice
from privacy import actions
from privacy.export import build_zip, files_of
from privacy.models import ArcoKind, ArcoRequest, DataExport


def read_zip(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def rows(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.django_db
def test_the_file_holds_exactly_the_persons_data(people, policies):
    ana, c = people["ana"], people["comments"]
    consent.record(ana, consent.current_versions())
    files = read_zip(build_zip(ana))
    assert {
        "profile.json", "comments.json", "comments.csv", "comment_revisions.csv",
        "email_addresses.csv", "consents.csv", "reactions.csv", "flags.csv", "notices.csv",
        "appeals.csv", "moderation_decisions.csv", "profile_changes.csv", "all.json", "LEEME.txt",
        "follows.csv", "notification_preferences.csv", "outgoing_email.csv",
    } == set(files)  # fmt: skip
    profile = json.loads(files["profile.json"])
    assert (profile["email"], profile["display_name"]) == ("ana.quetzal@example.com", "Ana Quetzal")
    assert profile["language"] == "es-mx"
    # Posting followed her comments' threads and their consultation.
    follows = rows(files["follows.csv"])
    threads = {str(c["a1"].root_id), str(c["a2"].root_id)}
    assert {r["thread_id"] for r in follows if r["thread_id"]} == threads
    assert all(r["active"] == "True" for r in follows)
    assert rows(files["notification_preferences.csv"]) == []
    assert [r["id"] for r in rows(files["comments.csv"])] == [str(c["a1"].pk), str(c["a2"].pk)]
    assert (
        json.loads(files["comments.json"])[0]["revisions"][0]["body"]
        == "Ana propone ciclovías seguras."
    )
    assert [r["body"] for r in rows(files["comment_revisions.csv"])] == [
        "Ana propone ciclovías seguras."
    ]
    assert [(r["comment_id"], r["stance"]) for r in rows(files["reactions.csv"])] == [
        (str(c["b1"].pk), "agree")
    ]
    assert [(r["comment_id"], r["note"]) for r in rows(files["flags.csv"])] == [
        (str(c["b2"].pk), "Nota de Ana para moderación")
    ]
    assert {r["version__kind"] for r in rows(files["consents.csv"])} == {"terms", "privacy"}
    # Nothing of Beto's: not his name, address, words, reactions or report.
    everything = "\n".join(files.values())
    for trace in ("Beto Jacarandá", "beto.jacaranda@example.com", "Beto prefiere", "Beto contesta"):
        assert trace not in everything
    # His flag on Ana's comment is his, not hers.
    assert str(c["a2"].pk) not in {r["comment_id"] for r in rows(files["flags.csv"])}


@pytest.mark.django_db
def test_the_other_persons_file_has_their_hidden_comment_and_its_notice(people):
    files = files_of(people["beto"])
    assert {r["status"] for r in rows(files["comments.csv"])} == {"published", "hidden"}
    assert [r["kind"] for r in rows(files["notices.csv"])] == ["hide"]
    assert [r["action"] for r in rows(files["moderation_decisions.csv"])] == ["hide"]
    assert "Ana Quetzal" not in "\n".join(files.values())


@pytest.mark.django_db
def test_the_file_costs_the_same_queries_however_much_was_written(
    make_consultation, make_user, no_rate_limits, django_assert_max_num_queries
):
    from comments import actions as comments

    consultation = make_consultation(questions=["¿Qué opinas?"])
    question = consultation.ordered_questions[0].pk
    few, many = make_user(CITIZEN), make_user(CITIZEN)
    comments.do_post_comment(few, consultation, body="Uno solo.", question=question)
    for n in range(30):
        comment = comments.do_post_comment(
            many, consultation, body=f"Comentario {n}.", question=question
        )
        comments.do_edit_comment(many, comment, body=f"Comentario {n}, corregido.")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        files_of(few)
    with django_assert_max_num_queries(len(small.captured_queries)):
        files = files_of(many)
    assert (
        len(rows(files["comments.csv"])) == 30 and len(rows(files["comment_revisions.csv"])) == 30
    )


@pytest.mark.django_db
def test_requesting_builds_in_the_background_and_announces_it(
    client, citizen, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/cuenta/mis-datos/exportar/")
    assert response.status_code == 302 and response["Location"].endswith("#access")
    export = DataExport.objects.get(user=citizen)
    assert export.status == DataExport.Status.READY and export.size == len(bytes(export.content))
    assert export.expires_at - export.finished == timedelta(hours=72)
    audit = ArcoRequest.objects.get(kind=ArcoKind.ACCESS)
    assert audit.completed_at is not None and audit.duration >= timedelta(0)
    assert Notice.objects.filter(user=citizen, kind=Notice.Kind.EXPORT_READY).exists()
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    # The link the person received (signed with the second it was sent in,
    # so it is read from the e-mail, not signed again here).
    sent = re.search(r"/cuenta/mis-datos/exportar/([^/\s]+)/", mail.outbox[0].body)
    assert sent, mail.outbox[0].body
    link = sent.group(1)
    assert link.split(":")[0] == actions.export_token(export).split(":")[0]
    download = client.get(f"/cuenta/mis-datos/exportar/{link}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    assert "profile.json" in read_zip(download.content)
    # My data links it.
    assert link in client.get("/cuenta/mis-datos/").content.decode()


@pytest.mark.django_db
def test_a_second_request_while_one_is_running_reuses_it(client, citizen):
    client.force_login(citizen)
    first, created = actions.do_request_export(citizen)  # not built: no commit in this test
    assert created and first.status == DataExport.Status.PENDING
    response = client.post("/cuenta/mis-datos/exportar/")
    assert response.status_code == 302
    assert DataExport.objects.filter(user=citizen).count() == 1
    again, created = actions.do_request_export(citizen)
    assert again.pk == first.pk and not created
    assert ArcoRequest.objects.filter(kind=ArcoKind.ACCESS).count() == 1


@pytest.mark.django_db
def test_a_file_made_minutes_ago_is_handed_out_again(citizen):
    export, _ = actions.do_request_export(citizen)
    actions.run_export(export.pk)
    again, created = actions.do_request_export(citizen)
    assert again.pk == export.pk and not created


@pytest.fixture
def ready_export(citizen):
    export, _ = actions.do_request_export(citizen)
    return actions.run_export(export.pk)


@pytest.mark.django_db
def test_another_persons_link_is_not_found(client, ready_export, make_user):
    client.force_login(make_user(CITIZEN))
    response = client.get(f"/cuenta/mis-datos/exportar/{actions.export_token(ready_export)}/")
    assert response.status_code == 404
    assert b"PK" not in response.content[:2]


@pytest.mark.django_db
def test_an_expired_file_is_not_found_and_purged(client, ready_export, citizen):
    DataExport.objects.filter(pk=ready_export.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(citizen)
    token = actions.export_token(ready_export)
    assert client.get(f"/cuenta/mis-datos/exportar/{token}/").status_code == 404
    assert actions.purge_expired_exports() == 1
    assert not DataExport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    ["nada", "MQ:1xaFpN:firma-falsa", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5:1xaFpN:x", "%00", "a" * 500],
)
def test_a_forged_link_is_not_found(client, citizen, ready_export, token):
    client.force_login(citizen)
    # A NUL byte in the address is refused before routing (400).
    expected = 400 if token == "%00" else 404
    assert client.get(f"/cuenta/mis-datos/exportar/{token}/").status_code == expected


@pytest.mark.django_db
def test_a_link_signed_for_a_huge_id_is_not_found(client, citizen):
    from django.core import signing

    client.force_login(citizen)
    for value in (2**70, "1", [1], None):
        token = signing.dumps(value, salt=actions.EXPORT_LINK_SALT)
        assert client.get(f"/cuenta/mis-datos/exportar/{token}/").status_code == 404


@pytest.mark.django_db
def test_signed_out_the_link_asks_to_sign_in(client, ready_export):
    response = client.get(f"/cuenta/mis-datos/exportar/{actions.export_token(ready_export)}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_notice_on_the_notices_page_leads_to_the_file(client, citizen, ready_export):
    client.force_login(citizen)
    html = client.get("/avisos/").content.decode()
    assert "El archivo con todos tus datos está listo" in html
    assert 'href="/cuenta/mis-datos/#access"' in html
