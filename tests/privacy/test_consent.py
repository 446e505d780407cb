"""Consent at sign-up, versioned: the terms and the privacy notice are
accepted (never pre-ticked), the version and time recorded per person; a new
version that requires acceptance stops people taking part until they accept
it, while they can still read and manage their data."""

import re
from urllib.parse import quote

import pytest
from django.core import mail

from accounts import consent
from accounts.models import Consent, PolicyKind, PolicyVersion, User
from accounts.roles import CITIZEN
from comments import actions as comments
from comments.models import Comment, Stance
from core.errors import NotAllowed
from moderation import actions as moderation
from moderation.models import FlagReason
from tests.privacy.conftest import publish_policy

SIGNUP = {
    "email": "lucia@example.com",
    "display_name": "Lucía Robles",
    "password1": "una-contraseña-larga-9",
    "password2": "una-contraseña-larga-9",
}


def current_generation():
    return str(consent.generation_of(consent.current_versions()))


@pytest.mark.django_db
def test_publishing_the_linked_pages_makes_numbered_versions(policies, home):
    versions = PolicyVersion.objects.order_by("pk")
    assert [(v.kind, v.number, v.requires_acceptance) for v in versions] == [
        (PolicyKind.TERMS, 1, True),
        (PolicyKind.PRIVACY, 1, True),
    ]
    assert versions[0].url.endswith("/terms/")
    publish_policy(home, "terms", title="Términos de uso (2)", requires_acceptance=False)
    latest = PolicyVersion.objects.filter(kind=PolicyKind.TERMS).first()
    assert (latest.number, latest.title, latest.requires_acceptance) == (
        2,
        "Términos de uso (2)",
        False,
    )


@pytest.mark.django_db
def test_a_page_that_is_not_linked_as_terms_or_notice_makes_no_version(home):
    from pages.models import ContentPage

    page = ContentPage(title="Ayuda", slug="ayuda")
    home.add_child(instance=page)
    page.save_revision().publish()
    assert not PolicyVersion.objects.exists()


@pytest.mark.django_db
def test_signup_shows_unticked_consent_boxes_that_link_the_pages(client, policies):
    html = client.get("/accounts/signup/").content.decode()
    for name in ("accept_terms", "acknowledge_privacy"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="checkbox"' in box and "checked" not in box and "required" in box
    assert 'href="/terms/"' in html and 'href="/privacy/"' in html
    assert re.search(r'name="policies" value="\d+"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["accept_terms", "acknowledge_privacy"])
def test_signup_without_consent_creates_nobody(client, policies, missing):
    data = {
        **SIGNUP,
        "accept_terms": "on",
        "acknowledge_privacy": "on",
        "policies": current_generation(),
    }
    del data[missing]
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert missing in response.context["form"].errors
    assert not User.objects.exists() and not Consent.objects.exists() and mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize("seen", ["0", "1", "999999999999999999999", "abc", ""])
def test_a_tampered_or_stale_version_is_refused(client, policies, seen):
    data = {**SIGNUP, "accept_terms": "on", "acknowledge_privacy": "on", "policies": seen}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert (
        "policies" in response.context["form"].errors
        or "__all__" in response.context["form"].errors
    )
    assert not User.objects.exists() and not Consent.objects.exists()


@pytest.mark.django_db
def test_signup_records_each_version_and_when(client, policies):
    data = {
        **SIGNUP,
        "accept_terms": "on",
        "acknowledge_privacy": "on",
        "policies": current_generation(),
    }
    assert client.post("/accounts/signup/", data).status_code == 302
    user = User.objects.get(email="lucia@example.com")
    recorded = {(c.version.kind, c.version.number) for c in user.consents.select_related("version")}
    assert recorded == {(PolicyKind.TERMS, 1), (PolicyKind.PRIVACY, 1)}
    assert all(c.given_at for c in user.consents.all())
    assert not consent.is_pending(User.objects.get(pk=user.pk))


@pytest.mark.django_db
def test_without_published_terms_signup_asks_nothing_more(client):
    html = client.get("/accounts/signup/").content.decode()
    assert "accept_terms" not in html
    assert client.post("/accounts/signup/", SIGNUP).status_code == 302
    assert User.objects.filter(email="lucia@example.com").exists()


@pytest.fixture
def accepted_citizen(policies, make_user):
    user = make_user(CITIZEN)
    consent.record(user, consent.current_versions())
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_new_version_requiring_acceptance_stops_taking_part(
    home, accepted_citizen, make_consultation, make_user, no_rate_limits
):
    consultation = make_consultation(questions=["¿Qué opinas?"])
    question = consultation.ordered_questions[0].pk
    other = make_user(CITIZEN)
    consent.record(other, consent.current_versions())
    theirs = comments.do_post_comment(
        other, consultation, body="Un comentario ajeno.", question=question
    )
    # Up to date: may post.
    comments.do_post_comment(
        accepted_citizen, consultation, body="Antes del cambio.", question=question
    )

    publish_policy(home, "terms", title="Términos de uso (2)")
    user = User.objects.get(pk=accepted_citizen.pk)
    assert consent.is_pending(user)
    with pytest.raises(NotAllowed) as refused:
        comments.do_post_comment(user, consultation, body="Después del cambio.", question=question)
    assert "acéptalos" in str(refused.value.message)
    with pytest.raises(NotAllowed):
        comments.do_react(User.objects.get(pk=user.pk), theirs, Stance.AGREE)
    with pytest.raises(NotAllowed):
        moderation.do_flag(User.objects.get(pk=user.pk), theirs, reason=FlagReason.SPAM)
    assert Comment.objects.filter(author=user).count() == 1


@pytest.mark.django_db
def test_a_new_version_without_acceptance_changes_nothing(home, accepted_citizen):
    publish_policy(home, "terms", title="Términos de uso (corrección)", requires_acceptance=False)
    assert not consent.is_pending(User.objects.get(pk=accepted_citizen.pk))


@pytest.mark.django_db
def test_the_person_is_asked_once_and_accepting_restores_taking_part(
    client, home, accepted_citizen, make_consultation, no_rate_limits
):
    consultation = make_consultation(questions=["¿Qué opinas?"])
    publish_policy(home, "privacy", title="Aviso de privacidad (2)")
    client.force_login(accepted_citizen)

    page = client.get(consultation.url).content.decode()
    # The banner and the refusal next to the form, each leading back here.
    assert page.count(f'href="/cuenta/terminos/?next={quote(consultation.url, safe="")}"') == 2
    assert 'name="body"' not in page
    # Reading and managing one's data still works.
    assert client.get("/cuenta/mis-datos/").status_code == 200
    # The plain form is refused too, nothing stored.
    question = consultation.ordered_questions[0].pk
    client.post(
        f"/comentarios/consultas/{consultation.pk}/comentar/",
        {"body": "No debería.", "question": question},
    )
    assert not Comment.objects.exists()

    form = client.get("/cuenta/terminos/")
    assert form.status_code == 200 and "acknowledge_privacy" in form.content.decode()
    response = client.post(
        "/cuenta/terminos/",
        {
            "accept_terms": "on",
            "acknowledge_privacy": "on",
            "policies": current_generation(),
            "next": consultation.url,
        },
    )
    assert response.status_code == 302 and response["Location"] == consultation.url
    user = User.objects.get(pk=accepted_citizen.pk)
    assert not consent.is_pending(user)
    assert user.consents.filter(version__kind=PolicyKind.PRIVACY, version__number=2).exists()
    page = client.get(consultation.url).content.decode()
    assert 'href="/cuenta/terminos/' not in page and 'name="body"' in page


@pytest.mark.django_db
def test_accepting_with_a_stale_version_accepts_nothing(client, home, accepted_citizen):
    stale = current_generation()
    publish_policy(home, "terms", title="Términos de uso (2)")
    seen_then = stale  # the form was opened before version 2 appeared
    publish_policy(home, "terms", title="Términos de uso (3)")
    client.force_login(accepted_citizen)
    response = client.post(
        "/cuenta/terminos/",
        {"accept_terms": "on", "acknowledge_privacy": "on", "policies": seen_then},
    )
    assert response.status_code == 400
    assert consent.is_pending(User.objects.get(pk=accepted_citizen.pk))


@pytest.mark.django_db
def test_accept_redirects_only_to_this_site(client, home, accepted_citizen):
    publish_policy(home, "terms", title="Términos de uso (2)")
    client.force_login(accepted_citizen)
    response = client.post(
        "/cuenta/terminos/",
        {
            "accept_terms": "on",
            "acknowledge_privacy": "on",
            "policies": current_generation(),
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_the_pending_check_costs_one_query_per_request(
    client, accepted_citizen, django_assert_num_queries
):
    user = User.objects.get(pk=accepted_citizen.pk)
    with django_assert_num_queries(1):
        for _ in range(5):
            consent.is_pending(user)


@pytest.mark.django_db
def test_english_signup_links_the_pages_under_en(client, policies):
    html = client.get("/en/accounts/signup/").content.decode()
    assert 'href="/en/terms/"' in html and 'href="/en/privacy/"' in html


@pytest.mark.django_db
def test_the_api_refuses_writes_until_the_new_version_is_accepted(
    client, home, accepted_citizen, make_consultation, no_rate_limits
):
    consultation = make_consultation(questions=["¿Qué opinas?"])
    publish_policy(home, "terms", title="Términos de uso (2)")
    client.force_login(accepted_citizen)
    response = client.post(
        f"/api/v1/consultations/{consultation.pk}/comments/",
        {"body": "Por la API.", "question": consultation.ordered_questions[0].pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "acéptalos" in response.json()["detail"]
    assert not Comment.objects.exists()
    # Reading still works.
    assert client.get(f"/api/v1/consultations/{consultation.pk}/comments/").status_code == 200


@pytest.mark.django_db
def test_a_moderator_with_new_terms_to_accept_still_moderates_but_does_not_post(
    home, policies, make_user, make_consultation, no_rate_limits
):
    from accounts.roles import MODERATOR
    from accounts.rules import is_moderator, is_participant

    moderator = make_user(MODERATOR)
    consent.record(moderator, consent.current_versions())
    publish_policy(home, "terms", title="Términos de uso (2)")
    moderator = User.objects.get(pk=moderator.pk)
    assert is_moderator(moderator) and not is_participant(moderator)


@pytest.mark.django_db
def test_the_consent_boxes_come_last_before_the_button(client, policies):
    html = client.get("/accounts/signup/").content.decode()
    order = [
        html.index(f'name="{name}"')
        for name in ("email", "display_name", "password2", "accept_terms", "acknowledge_privacy")
    ]
    assert order == sorted(order)
