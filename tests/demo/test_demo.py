"""The demo loader: what `make run` loads, and that a second run changes nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone
from wagtail.models import Page, PageLogEntry

from accounts.models import User
from accounts.roles import PLANNER, ROLES
from comments.models import Comment, ConsultationActivity, Reaction, TaggedComment
from consultations.models import ConsultationPage, SectionVersion
from consultations.status import Status
from core.models import OutgoingEmail
from demo.content import (
    CLOSED,
    CLOSED_CAMPS,
    CLOSED_DISCUSSION,
    CLOSED_RESPONSE,
    DEMO_CONSULTATIONS,
    DEMO_EMAIL_DOMAIN,
    RESPONDENT,
)
from demo.loader import create_demo_accounts, load_demo
from notifications.models import Follow, Notice
from responses.models import Commitment, CommitmentStatus, CommitmentUpdate, Response, ResponseItem
from search.models import PendingIndex
from summaries.opinions import stored
from summaries.summary import Scope, summarise


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("pk", "path", "title", "live", "latest_revision")),
        "sections": sorted(SectionVersion.objects.values_list("section_id", "changed_at")),
        "users": sorted(User.objects.values_list("pk", "email", "password")),
        "comments": sorted(Comment.objects.values_list("pk", "seq", "agree_count", "reply_count")),
        "activity": sorted(ConsultationActivity.objects.values_list("pk", "last_seq")),
        "reactions": Reaction.objects.count(),
        "themes": TaggedComment.objects.count(),
        "responses": sorted(Response.objects.values_list("pk", "published_at", "updated")),
        "items": ResponseItem.objects.count(),
        "commitments": sorted(Commitment.objects.values_list("pk", "status", "progress")),
        "updates": CommitmentUpdate.objects.count(),
        "notices": Notice.objects.count(),
        "log": PageLogEntry.objects.count(),
    }


@pytest.fixture
def reported(db, django_capture_on_commit_callbacks):
    """The demo loaded and committed: its indexing and e-mails have run."""
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    return ConsultationPage.objects.get(slug=CLOSED["slug"])


@pytest.mark.django_db
def test_loader_creates_an_open_a_reported_and_an_upcoming_consultation():
    load_demo()
    pages = {page.slug: page for page in ConsultationPage.objects.live()}
    assert set(pages) == {spec["slug"] for spec in DEMO_CONSULTATIONS}
    assert {page.status for page in pages.values()} == {
        Status.OPEN,
        Status.REPORTED,
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


def test_the_closed_consultations_past_discussion_is_consistent(reported):
    comments = list(reported.comments.order_by("created", "pk"))
    assert len(comments) == len(CLOSED_DISCUSSION)
    assert {comment.status for comment in comments} == {"published"}
    # Written while it was open, in the order given, each with its own change number.
    assert all(reported.opens_at <= c.created < reported.closes_at for c in comments)
    assert [c.body for c in comments] == [text for *_rest, text in CLOSED_DISCUSSION]
    seqs = [comment.seq for comment in comments]
    assert len(set(seqs)) == len(seqs)
    assert max(seqs) == ConsultationActivity.objects.get(pk=reported.pk).last_seq
    by_pk = {comment.pk: comment for comment in comments}
    for comment in comments:
        if comment.parent_id is None:
            assert comment.root_id == comment.pk and comment.depth == 0
            assert (comment.question_id is None) != (comment.section_id is None)
        else:
            parent = by_pk[comment.parent_id]
            assert comment.root_id == parent.root_id and comment.depth == parent.depth + 1
            assert (comment.question_id, comment.section_id) == (
                parent.question_id,
                parent.section_id,
            )
        assert comment.reply_count == sum(1 for c in comments if c.parent_id == comment.pk)
    counted = {
        row["comment"]: row
        for row in Reaction.objects.filter(comment__consultation=reported)
        .values("comment")
        .annotate(
            agree=Count("pk", filter=Q(stance="agree")),
            disagree=Count("pk", filter=Q(stance="disagree")),
            passes=Count("pk", filter=Q(stance="pass")),
        )
    }
    assert len(counted) >= 5
    for comment in comments:
        row = counted.get(comment.pk, {"agree": 0, "disagree": 0, "passes": 0})
        assert (comment.agree_count, comment.disagree_count, comment.pass_count) == (
            row["agree"],
            row["disagree"],
            row["passes"],
        )
    assert not Reaction.objects.filter(comment__consultation=reported, user=F("comment__author"))
    # Two or three themes, and every comment sent to the search index.
    themes = set(
        TaggedComment.objects.filter(content_object__consultation=reported).values_list(
            "tag__name", flat=True
        )
    )
    assert themes == {"Viabilidad de proyectos", "Accesibilidad", "Urnas y horarios"}
    assert not PendingIndex.objects.filter(comment_id__in=by_pk).exists()


def test_the_closed_consultations_summary_counts_its_discussion(reported):
    summary = summarise(Scope(reported))
    top_level = sum(1 for _n, (kind, _p), *_rest in CLOSED_DISCUSSION if kind != "reply")
    assert summary.participation.comments == top_level == 8
    assert summary.participation.replies == len(CLOSED_DISCUSSION) - top_level == 5
    assert summary.participation.commenters == 12
    assert (
        summary.participation.reactions
        == Reaction.objects.filter(comment__consultation=reported).count()
    )
    assert summary.stance.broadly_agreed >= 1
    assert {theme.name for theme in summary.themes} == {
        "Viabilidad de proyectos",
        "Accesibilidad",
        "Urnas y horarios",
    }
    # The terms come from the search index: the comments reached it.
    assert summary.terms


def test_the_closed_consultation_is_reported_with_a_dated_response(reported):
    assert reported.status == Status.REPORTED
    response = Response.objects.get(consultation=reported)
    # Published days after closing, as the consultation's page says.
    assert reported.closes_at < response.published_at == reported.reported_at < timezone.now()
    assert response.created < response.published_at <= response.updated
    assert response.introduction.startswith("Gracias")
    assert response.published_by.display_name == RESPONDENT[0]
    items = list(response.items.all())
    assert [item.question_id is not None for item in items] == [True, False, False]
    assert [item.theme.name for item in items[1:]] == ["Accesibilidad", "Urnas y horarios"]
    assert all(item.comments.count() >= 3 and item.themes.exists() for item in items)
    commitments = list(response.commitments.all())
    assert [(c.status, c.progress) for c in commitments] == [
        (CommitmentStatus.IN_PROGRESS, 40),
        (CommitmentStatus.PLANNED, 0),
    ]
    for commitment in commitments:
        updates = list(commitment.updates.order_by("date"))
        assert 1 <= len(updates) <= 2
        assert all(
            response.published_at.date() <= update.date <= timezone.localdate()
            for update in updates
        )
        assert commitment.items.exists()
    # One publication in the admin's history, at the publication's date.
    entry = PageLogEntry.objects.get(page=reported, action="puente.response.publish")
    assert entry.timestamp == response.published_at
    assert entry.user.display_name == RESPONDENT[0]


def test_the_authors_of_linked_comments_are_told_once(reported):
    linked = set(
        Comment.objects.filter(response_items__response__consultation=reported).values_list(
            "author__email", flat=True
        )
    )
    notices = Notice.objects.filter(kind=Notice.Kind.RESPONDED, comment__consultation=reported)
    assert set(notices.values_list("user__email", flat=True)) == linked
    assert notices.count() == len(linked) >= 8
    told = OutgoingEmail.objects.filter(about="notice response")
    assert sorted(told.values_list("to", flat=True)) == sorted(linked)
    assert {m.to[0] for m in mail.outbox} >= linked
    # The consultation's other participants (its followers) heard of the response.
    followers = set(
        Notice.objects.filter(kind=Notice.Kind.REPORTED, consultation=reported).values_list(
            "user__email", flat=True
        )
    )
    assert followers and not followers & linked


@pytest.mark.django_db
def test_the_demo_citizen_has_notifications_to_read(settings, django_capture_on_commit_callbacks):
    settings.PUENTE_DEMO_MODE = True
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
        create_demo_accounts()
    citizen = User.objects.get(email=f"citizen@{DEMO_EMAIL_DOMAIN}")
    kinds = sorted(Notice.objects.filter(user=citizen, read=False).values_list("kind", flat=True))
    assert kinds == ["reply", "reply", "thread"]
    assert Follow.objects.filter(user=citizen, active=True).count() == 3


def test_the_closed_consultations_page_shows_the_response_and_the_timeline(
    reported, client, django_assert_max_num_queries
):
    # Measured: 31 (one for the footer's legal pages, one for the site's
    # identity: the SiteIdentity row with its logo, core/identity.py); the
    # response reads seven of them, whatever its size, the opinion groups two
    # (the stored analysis with its cursor, the comments it names).
    with django_assert_max_num_queries(31):
        page = client.get(reported.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="response"' in html and 'id="commitments"' in html
    assert html.count('class="response-item"') == len(CLOSED_RESPONSE["items"])
    assert html.count('class="commitment"') == 2
    assert html.count('class="timeline__entry"') == 3
    for title, *_rest in CLOSED_RESPONSE["commitments"]:
        assert title in html
    assert "Fichas técnicas y asesoría" in html and 'value="40"' in html
    # The discussion is there too, and the items link to its comments.
    linked = Comment.objects.filter(response_items__response__consultation=reported).first()
    assert f'href="/c/{linked.pk}/"' in html and f'id="comment-{linked.pk}"' in html


def test_the_closed_consultation_shows_its_opinion_groups(reported, client):
    """The demo's camps form two groups, computed at load, that the public
    report describes by their comments, with the comments both agree on."""
    groups = stored(reported)
    assert groups is not None and groups.current
    analysis = groups.analysis
    assert analysis["status"] == "groups" and len(analysis["groups"]) == 2
    sizes = sorted(group["size"] for group in analysis["groups"])
    camps = sorted(size for size, _stances in CLOSED_CAMPS)
    assert all(abs(size - camp) <= 3 for size, camp in zip(sizes, camps, strict=True))
    assert analysis["bridging"] and analysis["divisive"]
    html = client.get(reported.url).content.decode()
    assert 'id="opinion-groups"' in html
    bridging = Comment.objects.get(pk=analysis["bridging"][0]["comment"])
    assert f'href="/c/{bridging.pk}/"' in html


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
    # Only the demo discussions' authors and the office that answers exist,
    # and none of them can sign in.
    assert User.objects.exists()
    assert not any(user.has_usable_password() for user in User.objects.all())
    staff = User.objects.filter(groups__name__in=ROLES)
    assert list(staff.values_list("display_name", "groups__name")) == [(RESPONDENT[0], PLANNER)]
    with pytest.raises(RuntimeError):
        create_demo_accounts()


@pytest.mark.django_db
def test_reset_passwords_prints_new_ones(settings, capsys):
    settings.PUENTE_DEMO_MODE = True
    call_command("load_demo")
    role_accounts = User.objects.filter(email__in=[f"{role}@{DEMO_EMAIL_DOMAIN}" for role in ROLES])
    old = dict(role_accounts.values_list("email", "password"))
    call_command("load_demo", "--reset-passwords")
    assert "citizen@demo.puente.example" in capsys.readouterr().out
    new = dict(role_accounts.values_list("email", "password"))
    assert len(new) == len(ROLES)
    assert all(old[email] != new[email] for email in old)
