"""Cancellation: deleting one's account erases the person and, by their
choice, their comments' text, everywhere: the database, both search
backends, the near-duplicate keys, the open-data files. What others wrote
stays readable; nobody can undo it; bad confirmations change nothing."""

import uuid
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from wagtail.models import Site

from accounts.models import Consent, PolicyVersion, User
from comments import actions as comments_actions
from comments.models import Comment, CommentRevision, CommentStatus, Reaction
from consultations.models import ConsultationPage
from core.errors import Conflict, Invalid, NotAllowed
from moderation import actions as moderation
from moderation.models import Appeal, Decision, Flag
from notifications.models import Notice
from privacy import actions
from privacy.models import ArcoKind, ArcoRequest, DataExport
from search import indexing
from search.backends import get_backend
from search.models import NearDuplicateKey
from search.query import INDEXED_STATUSES, SearchQuery, parse_text
from summaries import opendata

PASSWORD = "contraseña-segura-123"  # tests/factories.py
ANA_TRACES = ("Ana Quetzal", "ana.quetzal@example.com")


def delete(user, comments):
    return actions.do_delete_account(user, password=PASSWORD, comments=comments)


def open_data(consultation):
    csv = b"".join(opendata.iter_csv(consultation)).decode("utf-8")
    json = b"".join(
        opendata.iter_json(consultation, url="/", status="closed", generated=timezone.now())
    ).decode("utf-8")
    return csv + json


def close(consultation):
    now = timezone.now()
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_withdrawing_erases_the_person_and_their_words(people, policies):
    ana, c = people["ana"], people["comments"]
    from accounts import consent

    consent.record(ana, consent.current_versions())
    EmailAddress.objects.create(user=ana, email=ana.email, verified=True, primary=True)
    moderation.do_appeal(User.objects.get(pk=people["beto"].pk), c["b2"], note="Beto apela.")
    flag = Flag.objects.get(user=ana)
    outcome = delete(ana, actions.WITHDRAW)
    assert outcome == {"comments": 2, "withdrawn": 2, "reactions": 1}

    ana = User.objects.get(pk=ana.pk)
    assert ana.erased_at is not None and not ana.is_active and not ana.has_usable_password()
    assert ana.display_name == "" and "quetzal" not in ana.email
    assert str(ana) == "Participante eliminado"
    for key in ("a1", "a2"):
        comment = Comment.objects.get(pk=c[key].pk)
        assert (comment.status, comment.body) == (CommentStatus.DELETED, "")
    assert not CommentRevision.objects.filter(comment__author=ana).exists()
    # Reactions: only the counts stay.
    assert not Reaction.objects.filter(user=ana).exists()
    assert Comment.objects.get(pk=c["b1"].pk).agree_count == 1
    # Their report keeps its id and counts, without their note.
    assert Flag.objects.filter(pk=flag.pk, note="").exists()
    # Consents: the anonymous record.
    assert Consent.objects.filter(user=None).count() == PolicyVersion.objects.count()
    assert not Notice.objects.filter(user=ana).exists()
    assert not EmailAddress.objects.filter(user=ana).exists()
    # Beto's words and his appeal are his: untouched.
    assert Comment.objects.get(pk=c["b3"].pk).body == "Beto apoya la idea de Ana."
    assert Appeal.objects.get(comment=c["b2"]).note == "Beto apela."
    audit = ArcoRequest.objects.get(kind=ArcoKind.CANCELLATION)
    assert audit.detail == "withdraw" and audit.completed_at >= audit.requested_at


@pytest.mark.django_db
def test_the_moderation_log_keeps_its_ids_without_the_person(people):
    beto, c = people["beto"], people["comments"]
    decisions = list(Decision.objects.filter(user=beto).values_list("pk", "comment_id"))
    delete(beto, actions.ANONYMISE)
    assert list(Decision.objects.filter(user=beto).values_list("pk", "comment_id")) == decisions
    assert decisions and decisions[0][1] == c["b2"].pk
    assert User.objects.get(pk=beto.pk).email.endswith(".invalid")


@pytest.mark.django_db
def test_keeping_comments_anonymised_keeps_their_text_without_the_name(client, people):
    ana, c, consultation = people["ana"], people["comments"], people["consultation"]
    delete(ana, actions.ANONYMISE)
    a1 = Comment.objects.get(pk=c["a1"].pk)
    assert a1.status == CommentStatus.PUBLISHED and a1.body.startswith("Ana propone")
    page = client.get(consultation.url).content.decode()
    assert "Participante eliminado" in page
    assert "Ana Quetzal" not in page
    api = client.get(f"/api/v1/consultations/{consultation.pk}/comments/").json()
    authors = {row["id"]: row["author"] for row in api["results"]}
    assert authors[c["a1"].pk] == "Participante eliminado"


@pytest.mark.django_db
def test_the_thread_still_reads_around_a_withdrawn_comment(client, people):
    c, consultation = people["comments"], people["consultation"]
    delete(people["ana"], actions.WITHDRAW)
    response = client.get(consultation.url)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="comment-{c["a1"].pk}"' in page and "Beto apoya la idea de Ana." in page
    assert "Ana propone" not in page and "Ana Quetzal" not in page


@pytest.fixture(params=("database", "elasticsearch"))
def search_backend(request):
    if request.param == "elasticsearch" and not settings.ELASTICSEARCH_URL:
        pytest.skip("ELASTICSEARCH_URL is not set (run under tools/services.py)")
    name = f"puente-erasure-{uuid.uuid4().hex[:12]}"
    with override_settings(
        PUENTE_SEARCH_BACKEND=request.param, PUENTE_SEARCH_INDEX=name, PUENTE_SEARCH_REFRESH=True
    ):
        backend = get_backend(request.param)
        backend.clear()
        try:
            yield backend
        finally:
            drop = getattr(backend, "drop", None)
            drop() if drop else backend.clear()


def found(backend, text):
    query = SearchQuery(visible_statuses=tuple(INDEXED_STATUSES), text=parse_text(text))
    return {hit.id for hit in backend.search(query).hits}


def stored_text(backend):
    """Every indexed document as text (the database backend's bodies with
    their documents; Elasticsearch's sources)."""
    if hasattr(backend, "dump"):
        return repr(backend.dump())
    response = backend.client.search(index=backend.alias, query={"match_all": {}}, size=1000)
    return repr([hit["_source"] for hit in response["hits"]["hits"]])


@pytest.mark.django_db
@pytest.mark.parametrize("choice", [actions.WITHDRAW, actions.ANONYMISE])
def test_after_deletion_search_finds_nothing_of_the_person(people, search_backend, choice):
    ids = list(Comment.objects.values_list("pk", flat=True))
    indexing.sync(ids, backend=search_backend)
    assert found(search_backend, "ciclovías") == {people["comments"]["a1"].pk}
    assert "Ana Quetzal" in stored_text(search_backend)

    delete(people["ana"], choice)
    indexing.sync(ids, backend=search_backend)

    stored = stored_text(search_backend)
    for trace in ANA_TRACES:
        assert trace not in stored
        assert not found(search_backend, trace)
    if choice == actions.WITHDRAW:
        assert not found(search_backend, "ciclovías")
        assert "ciclovías" not in stored and "Ana responde" not in stored
        withdrawn = [people["comments"][k].pk for k in ("a1", "a2")]
        assert not NearDuplicateKey.objects.filter(comment_id__in=withdrawn).exists()
    else:
        assert found(search_backend, "ciclovías") == {people["comments"]["a1"].pk}
    # Beto is still found.
    assert found(search_backend, "autobuses")


@pytest.mark.django_db
@pytest.mark.parametrize("choice", [actions.WITHDRAW, actions.ANONYMISE])
def test_open_data_holds_neither_the_person_nor_a_link_between_their_comments(people, choice):
    consultation, c = people["consultation"], people["comments"]
    close(consultation)
    before = open_data(consultation)
    ana_pseudonym = opendata.pseudonym(consultation.pk, people["ana"].pk)
    assert ana_pseudonym in before
    delete(people["ana"], choice)
    after = open_data(consultation)
    for trace in (*ANA_TRACES, ana_pseudonym):
        assert trace not in after
    rows = {row["id"]: row for chunk in opendata.iter_chunks(consultation) for row in chunk}
    if choice == actions.WITHDRAW:
        assert "ciclovías" not in after and c["a1"].pk not in rows
    else:
        assert rows[c["a1"].pk]["author_pseudonym"] == rows[c["a2"].pk]["author_pseudonym"] == ""
    assert rows[c["b3"].pk]["author_pseudonym"] == opendata.pseudonym(
        consultation.pk, people["beto"].pk
    )


@pytest.mark.django_db
def test_nobody_can_undo_it(people, client):
    ana, moderator, c = people["ana"], people["moderator"], people["comments"]
    delete(ana, actions.WITHDRAW)
    # The moderators cannot bring the words back: there are none, and no action applies.
    with pytest.raises((NotAllowed, Conflict)):
        moderation.do_decide(moderator, Comment.objects.get(pk=c["a1"].pk), action="restore")
    assert Comment.objects.get(pk=c["a1"].pk).body == ""
    # The account cannot sign in again, with any password.
    response = client.post(
        "/accounts/login/", {"login": "ana.quetzal@example.com", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    # A second deletion of the shell is refused.
    with pytest.raises(NotAllowed):
        delete(User.objects.get(pk=ana.pk), actions.WITHDRAW)


@pytest.mark.django_db
def test_the_form_signs_out_everywhere(client, people):
    from django.test import Client

    other_device = Client()
    other_device.force_login(people["ana"])
    client.force_login(people["ana"])
    response = client.post("/cuenta/eliminar/", {"comments": "withdraw", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/cuenta/eliminada/"
    assert "_auth_user_id" not in client.session
    assert other_device.get("/cuenta/mis-datos/").status_code == 302  # to sign-in
    assert client.get("/cuenta/eliminada/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"comments": "withdraw"}, "password"),
        ({"comments": "withdraw", "password": "no-es-la-contraseña"}, "password"),
        ({"password": PASSWORD}, "comments"),
        ({"comments": "todo", "password": PASSWORD}, "comments"),
        ({"comments": "withdraw\x00", "password": PASSWORD}, None),
    ],
)
def test_a_bad_confirmation_changes_nothing(client, people, form, field):
    ana = people["ana"]
    client.force_login(ana)
    response = client.post("/cuenta/eliminar/", form)
    assert response.status_code == 400
    if field is None:  # a NUL byte: refused before the view (core/middleware.py)
        assert b"NUL" in response.content
    else:
        assert field in response.context["errors"]
        assert 'role="alert"' in response.content.decode()
    ana = User.objects.get(pk=ana.pk)
    assert ana.erased_at is None and ana.is_active and ana.display_name == "Ana Quetzal"
    assert Comment.objects.filter(author=ana, status=CommentStatus.PUBLISHED).count() == 2
    assert not ArcoRequest.objects.exists()


@pytest.mark.django_db
def test_a_stale_session_changes_nothing(client, people):
    ana = people["ana"]
    client.force_login(ana)
    # The password was changed on another device: this session is no longer valid.
    ana.set_password("otra-contraseña-nueva-77")
    ana.save()
    response = client.post("/cuenta/eliminar/", {"comments": "withdraw", "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(
        "/cuenta/eliminar/", {"comments": "withdraw", "password": "otra-contraseña-nueva-77"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert User.objects.get(pk=ana.pk).erased_at is None


@pytest.mark.django_db
def test_signed_out_nobody_can_delete(client):
    response = client.post("/cuenta/eliminar/", {"comments": "withdraw", "password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_an_administrator_cannot_delete_their_own_account_here(client, make_user):
    admin = make_user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post("/cuenta/eliminar/", {"comments": "withdraw", "password": PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=admin.pk).erased_at is None
    with pytest.raises(NotAllowed):
        delete(admin, actions.WITHDRAW)


@pytest.mark.django_db
def test_deleting_removes_their_export_files(people):
    export, _ = actions.do_request_export(people["ana"])
    actions.run_export(export.pk)
    delete(people["ana"], actions.ANONYMISE)
    assert not DataExport.objects.exists()


@pytest.mark.django_db
def test_invalid_input_raises_before_anything_is_written(people):
    with pytest.raises(Invalid):
        actions.do_delete_account(people["ana"], password="", comments="")
    assert User.objects.get(pk=people["ana"].pk).erased_at is None


@pytest.mark.django_db
def test_withdrawing_everything_closes_queue_items_and_numbers_each_change(
    people, django_capture_on_commit_callbacks
):
    from comments.actions import do_withdraw_all
    from comments.models import ConsultationActivity
    from moderation.models import ModerationSettings, Review

    ana, consultation = people["ana"], people["consultation"]
    settings_row = ModerationSettings.for_site(Site.objects.get(is_default_site=True))
    settings_row.premoderation = True
    settings_row.save()
    held = comments_actions.do_post_comment(
        ana,
        consultation,
        body="Ana espera revisión.",
        question=consultation.ordered_questions[0].pk,
    )
    assert held.status == CommentStatus.HELD and Review.objects.filter(comment=held, pending=True)
    before = ConsultationActivity.objects.get(pk=consultation.pk).last_seq
    with django_capture_on_commit_callbacks() as callbacks:
        assert do_withdraw_all(ana) == 3
    assert not Comment.objects.filter(pk=held.pk).exists()
    assert not Review.objects.filter(comment_id=held.pk).exists()
    # Beto's report of Ana's reply had put it in the queue: closed now.
    assert not Review.objects.filter(comment__author=ana, pending=True).exists()
    assert Review.objects.filter(comment=people["comments"]["a2"]).exists()
    withdrawn = Comment.objects.filter(author=ana).order_by("pk")
    seqs = [c.seq for c in withdrawn]
    assert {c.status for c in withdrawn} == {CommentStatus.DELETED} and len(set(seqs)) == 2
    assert all(seq > before for seq in seqs)
    assert ConsultationActivity.objects.get(pk=consultation.pk).last_seq == before + 2
    assert len(callbacks) >= 2  # a live event per withdrawn comment (and the index)
    assert do_withdraw_all(ana) == 0
