"""Commitments that follow up a response: their dated updates set their
status and progress, bad input is refused, and the public page shows them as
a timeline once the response is published."""

# The fixtures shared with test_response.py are imported, then named as
# parameters: pytest's way, which ruff reads as redefinitions.
# ruff: noqa: F811

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import Invalid
from responses import actions as responses
from responses.models import (
    MAX_COMMITMENT_TITLE,
    MAX_UPDATE_TEXT,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
)
from tests.responses.test_response import (  # noqa: F401 - shared fixtures
    close,
    english,
    public_html,
    scene,
)

IN_PROGRESS, DONE, DROPPED = (
    CommitmentStatus.IN_PROGRESS,
    CommitmentStatus.DONE,
    CommitmentStatus.DROPPED,
)


def today():
    return timezone.localdate()


@pytest.fixture
def commitment(scene):
    item = scene.item()
    return responses.do_save_commitment(
        scene.planner,
        scene.page,
        title="Cuarenta luminarias nuevas",
        description="En los cinco parques del centro.",
        items=[item.pk],
    )


def update(scene, commitment, *, days_ago=0, status=IN_PROGRESS, progress=40, text="Avance."):
    return responses.do_add_update(
        scene.planner,
        commitment,
        date=today() - timedelta(days=days_ago),
        text=text,
        status=status,
        progress=progress,
    )


def test_a_new_commitment_is_planned_at_zero(commitment, scene):
    assert (commitment.status, commitment.progress) == (CommitmentStatus.PLANNED, 0)
    assert list(commitment.items.values_list("heading", flat=True)) == ["Alumbrado"]
    assert commitment.response.consultation_id == scene.page.pk


def test_the_latest_dated_update_sets_status_and_progress(scene, commitment):
    update(scene, commitment, days_ago=0, status=IN_PROGRESS, progress=60)
    # An update about an earlier day goes into the timeline, not on top.
    update(scene, commitment, days_ago=1, status=IN_PROGRESS, progress=20)
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == (IN_PROGRESS, 60)
    latest = update(scene, commitment, days_ago=0, status=DONE, progress=100)
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == (DONE, 100)
    responses.do_delete_update(scene.planner, latest)
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == (IN_PROGRESS, 60)
    for each in list(commitment.updates.all()):
        responses.do_delete_update(scene.planner, each)
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == (CommitmentStatus.PLANNED, 0)


def test_a_dropped_commitment_keeps_its_progress(scene, commitment):
    update(scene, commitment, status=DROPPED, progress=30, text="Sin presupuesto este año.")
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == (DROPPED, 30)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"progress": -1}, "progress", "from 0 to 100"),
        ({"progress": 101}, "progress", "from 0 to 100"),
        ({"progress": "40.5"}, "progress", "from 0 to 100"),
        ({"progress": "cuarenta"}, "progress", "from 0 to 100"),
        ({"progress": ""}, "progress", "from 0 to 100"),
        ({"status": DONE, "progress": 90}, "progress", "reached 100 percent"),
        ({"status": "finished"}, "status", "Choose a status."),
        ({"text": "  "}, "text", "This field is required."),
        ({"text": "x" * (MAX_UPDATE_TEXT + 1)}, "text", "At most 2000"),
        ({"date": None}, "date", "Enter a valid date."),
        ({"days_ahead": 1}, "date", "cannot be in the future"),
        ({"days_ago": 3}, "date", "before the consultation opened"),
    ],
)
def test_bad_updates_are_refused(scene, commitment, fields, field, message):
    # The scene's consultation opened a day ago.
    given = {"date": today(), "text": "Avance.", "status": IN_PROGRESS, "progress": 40}
    if "days_ahead" in fields:
        given["date"] = today() + timedelta(days=fields.pop("days_ahead"))
    if "days_ago" in fields:
        given["date"] = today() - timedelta(days=fields.pop("days_ago"))
    given.update(fields)
    with pytest.raises(Invalid) as raised:
        responses.do_add_update(scene.planner, commitment, **given)
    assert message in " ".join(raised.value.errors[field])
    assert not CommitmentUpdate.objects.exists()
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == (CommitmentStatus.PLANNED, 0)


def test_progress_typed_with_a_percent_sign_is_accepted(scene, commitment):
    made = update(scene, commitment, progress="45 %")
    assert made.progress == 45


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": " "}, "title", "This field is required."),
        ({"title": "t" * (MAX_COMMITMENT_TITLE + 1)}, "title", "At most 200"),
        ({"description": "d" * 3001}, "description", "At most 3000"),
        ({"items": ["uno"]}, "items", "Choose items of this response."),
        ({"items": ["999999"]}, "items", "Choose items of this response."),
    ],
)
def test_bad_commitments_are_refused(scene, fields, field, message):
    given = {"title": "Un compromiso", "description": "", "items": []}
    given.update(fields)
    with pytest.raises(Invalid) as raised:
        responses.do_save_commitment(scene.planner, scene.page, **given)
    assert message in " ".join(raised.value.errors[field])
    assert not Commitment.objects.exists()


def test_a_commitment_cannot_come_from_another_consultations_item(
    scene, make_consultation, commitment
):
    other = make_consultation()
    foreign = responses.do_save_item(
        scene.planner,
        other,
        subject="",
        heading="Ajeno",
        what_you_said="Algo.",
        what_we_will_do="Algo más.",
        comments="",
        themes=[],
    )
    with pytest.raises(Invalid):
        responses.do_save_commitment(
            scene.planner,
            scene.page,
            commitment,
            title="Cambio",
            description="",
            items=[foreign.pk],
        )
    assert list(commitment.items.values_list("heading", flat=True)) == ["Alumbrado"]


# The public timeline ----------------------------------------------------------


def test_commitments_show_only_once_the_response_is_published(
    scene, commitment, client, django_capture_on_commit_callbacks
):
    update(scene, commitment, progress=40)
    close(scene.page)
    assert 'id="commitments"' not in public_html(client, scene.page)
    scene.publish(django_capture_on_commit_callbacks)
    assert f'id="commitment-{commitment.pk}"' in public_html(client, scene.page)


def test_the_timeline_shows_dates_status_as_text_and_progress(
    scene, commitment, client, django_capture_on_commit_callbacks
):
    update(scene, commitment, days_ago=1, status=IN_PROGRESS, progress=40, text="Licitación.")
    update(scene, commitment, days_ago=0, status=DONE, progress=100, text="<i>Instaladas</i>.")
    scene.publish(django_capture_on_commit_callbacks)
    html = public_html(client, scene.page)
    section = html[html.index('id="commitments"') :]
    assert "Cuarenta luminarias nuevas" in section
    assert "En los cinco parques del centro." in section
    # The current status in words, and its progress as text and as a bar.
    assert '<span class="commitment-status commitment-status--done">Done</span>' in section
    assert "<span>100 %</span>" in section
    assert '<progress max="100" value="100" aria-hidden="true">' in section
    # The updates, oldest first, each with a machine-readable date.
    entries = re.findall(r'<li class="timeline__entry">(.*?)</li>', section, re.S)
    assert len(entries) == 2
    yesterday = (today() - timedelta(days=1)).isoformat()
    assert f'<time datetime="{yesterday}">' in entries[0] and "Licitación." in entries[0]
    assert "In progress" in entries[0] and "40 %" in entries[0]
    assert f'<time datetime="{today().isoformat()}">' in entries[1]
    assert "&lt;i&gt;Instaladas&lt;/i&gt;." in entries[1] and "<i>" not in entries[1]
    # Where it comes from: a link to the item.
    item = commitment.items.get()
    assert f'href="#response-item-{item.pk}"' in section


def test_a_commitment_without_updates_says_so(
    scene, commitment, client, django_capture_on_commit_callbacks
):
    scene.publish(django_capture_on_commit_callbacks)
    section = public_html(client, scene.page).split('id="commitments"', 1)[1]
    assert "No updates yet." in section
    assert "<span>0 %</span>" in section
    assert "Planned" in section


# The admin pages ----------------------------------------------------------------


def test_a_planner_adds_a_commitment_and_updates_in_the_admin(scene, client):
    item = scene.item()
    client.force_login(scene.planner)
    add = reverse("responses_admin:add_commitment", args=[scene.page.pk])
    form = client.get(add).content.decode()
    assert f'value="{item.pk}"' in form
    saved = client.post(add, {"title": "Más luces", "description": "", "items": [str(item.pk)]})
    assert saved.status_code == 302
    commitment = Commitment.objects.get()
    assert list(commitment.items.all()) == [item]
    add_update = reverse("responses_admin:add_update", args=[scene.page.pk, commitment.pk])
    page = client.get(add_update).content.decode()
    assert 'type="date"' in page and f'value="{today().isoformat()}"' in page
    bad = client.post(
        add_update,
        {"date": today().isoformat(), "text": "Avance.", "status": IN_PROGRESS, "progress": "150"},
    )
    assert bad.status_code == 200
    assert "Progress is a whole number from 0 to 100." in bad.content.decode()
    malformed_date = client.post(
        add_update,
        {"date": "mañana", "text": "Avance.", "status": IN_PROGRESS, "progress": "10"},
    )
    assert malformed_date.status_code == 200
    assert not CommitmentUpdate.objects.exists()
    good = client.post(
        add_update,
        {"date": today().isoformat(), "text": "Avance.", "status": IN_PROGRESS, "progress": "35"},
    )
    assert good.status_code == 302
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == (IN_PROGRESS, 35)
    overview = client.get(reverse("responses_admin:response", args=[scene.page.pk]))
    assert "35 %" in overview.content.decode()
    made = CommitmentUpdate.objects.get()
    assert made.author == scene.planner
    delete = reverse("responses_admin:delete_update", args=[scene.page.pk, made.pk])
    assert client.post(delete).status_code == 302
    commitment.refresh_from_db()
    assert commitment.progress == 0
    delete = reverse("responses_admin:delete_commitment", args=[scene.page.pk, commitment.pk])
    assert client.post(delete).status_code == 302
    assert not Commitment.objects.exists()
