"""The demo loader: what `make run` loads, and that a second run changes nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from wagtail.models import Page

from accounts.models import User
from accounts.roles import ROLES
from consultations.demo import DEMO_CONSULTATIONS, create_demo_accounts, load_demo
from consultations.models import ConsultationPage, SectionVersion
from consultations.status import Status


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("pk", "path", "title", "live", "latest_revision")),
        "sections": sorted(SectionVersion.objects.values_list("section_id", "changed_at")),
        "users": sorted(User.objects.values_list("pk", "email", "password")),
    }


@pytest.mark.django_db
def test_loader_creates_an_open_a_closed_and_an_upcoming_consultation():
    load_demo()
    pages = {page.slug: page for page in ConsultationPage.objects.live()}
    assert set(pages) == {spec["slug"] for spec in DEMO_CONSULTATIONS}
    assert {page.status for page in pages.values()} == {
        Status.OPEN,
        Status.CLOSED,
        Status.UPCOMING,
    }
    main = pages["puentes-digitales"]
    assert main.comments.filter(parent__isnull=False).exists()
    assert main.comments.filter(agree_count__gt=0).exists()
    assert len(main.ordered_questions) == 3
    assert len(main.ordered_sections) >= 3
    assert main.ordered_sections[0].heading == "Por qué este programa"
    # The moderation queue has something to show: two flags, one held comment.
    assert set(main.comments.values_list("status", flat=True)) == {"published", "held"}
    held = main.comments.get(status="held")
    assert held.review.pending and held.review.hold_reason == "word"
    assert held.review.hold_detail == "idiota"
    assert main.comments.filter(review__pending=True, review__flag_count=2).count() == 1


@pytest.mark.django_db
def test_loading_twice_changes_nothing(settings, capsys):
    settings.PUENTE_DEMO_MODE = True
    call_command("load_demo")
    first_output = capsys.readouterr().out
    before = snapshot()
    call_command("load_demo")
    second_output = capsys.readouterr().out
    assert snapshot() == before
    assert "nothing changed" in second_output
    # Credentials are printed once, when the accounts are created.
    assert "citizen@demo.puente.example" in first_output
    assert "citizen@demo.puente.example" not in second_output


@pytest.mark.django_db
def test_demo_accounts_have_their_role_and_a_verified_address(settings, client):
    settings.PUENTE_DEMO_MODE = True
    load_demo()
    credentials = create_demo_accounts()
    assert {role for _, _, role in credentials} == set(ROLES)
    for email, password, role in credentials:
        user = User.objects.get(email=email)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert EmailAddress.objects.get(user=user).verified
        assert client.login(email=email, password=password)
        client.logout()


@pytest.mark.django_db
def test_no_demo_accounts_outside_demo_mode(settings, capsys):
    settings.PUENTE_DEMO_MODE = False
    call_command("load_demo")
    # Only the demo discussion's authors exist, and none of them can sign in.
    assert User.objects.exists()
    assert not any(user.has_usable_password() for user in User.objects.all())
    assert not User.objects.filter(groups__name__in=ROLES).exists()
    with pytest.raises(RuntimeError):
        create_demo_accounts()


@pytest.mark.django_db
def test_reset_passwords_prints_new_ones(settings, capsys):
    settings.PUENTE_DEMO_MODE = True
    call_command("load_demo")
    role_accounts = User.objects.filter(groups__name__in=ROLES)
    old = dict(role_accounts.values_list("email", "password"))
    call_command("load_demo", "--reset-passwords")
    assert "citizen@demo.puente.example" in capsys.readouterr().out
    new = dict(role_accounts.values_list("email", "password"))
    assert len(new) == len(ROLES)
    assert all(old[email] != new[email] for email in old)
