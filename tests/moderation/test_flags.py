"""Citizens flag comments; enough distinct flags hide one pending review."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from wagtail.models import ModelLogEntry

from accounts.roles import CITIZEN, MODERATOR
from comments import actions
from comments.events import consultation_group
from comments.models import Comment, CommentStatus
from core.errors import Invalid, NotAllowed
from moderation import actions as actions_mod
from moderation.actions import do_decide
from moderation.models import Decision, Flag, ModerationSettings, Review
from notifications.models import Notice
from tests.moderation.conftest import queue_listener

# Measured: a flag that leaves the comment shown, and the one that hides it
# (each with one query for whether the reporter has new terms to accept,
# and one for the queue's change number, moderation/changes.py).
FLAG_QUERIES = 14
FLAG_HIDE_QUERIES = 26  # with the notice's preference and outbox row


@pytest.fixture
def setup(make_consultation, make_user, settings, no_rate_limits):
    page = make_consultation(questions=["¿Qué opinas?"])
    author = make_user("citizen", display_name="Autora")
    comment = actions.do_post_comment(
        author, page, body="Texto reportable", question=page.ordered_questions[0].pk
    )
    return page, author, comment


def flag(client, user, comment, **data):
    client.force_login(user)
    data.setdefault("reason", "spam")
    return client.post(
        f"/api/v1/comments/{comment.pk}/flags/", data, content_type="application/json"
    )


def test_a_flag_is_recorded_once_per_person(client, setup, make_user):
    _, _, comment = setup
    reporter = make_user("citizen")
    assert flag(client, reporter, comment, reason="abusive").status_code == 201
    again = flag(client, reporter, comment, reason="spam")
    assert again.status_code == 400 and "reason" in again.json()["errors"]
    assert Flag.objects.get(comment=comment).reason == "abusive"


def test_own_comment_anonymous_and_bad_input_are_refused(client, setup, make_user):
    _, author, comment = setup
    assert flag(client, author, comment).status_code == 403
    client.logout()
    anonymous = client.post(
        f"/api/v1/comments/{comment.pk}/flags/", {"reason": "spam"}, content_type="application/json"
    )
    assert anonymous.status_code == 403
    reporter = make_user("citizen")
    assert flag(client, reporter, comment, reason="aburrido").status_code == 400
    assert flag(client, reporter, comment, reason="other", note="").status_code == 400
    assert flag(client, reporter, comment, reason="other", note="x" * 5000).status_code == 400
    assert (
        client.post(
            f"/api/v1/comments/{comment.pk}/flags/", "{no json", content_type="application/json"
        ).status_code
        == 400
    )
    assert flag(client, reporter, Comment(pk=999999)).status_code == 404
    assert not Flag.objects.exists()


def test_the_note_is_plain_text(client, setup, make_user):
    _, _, comment = setup
    response = flag(
        client, make_user("citizen"), comment, reason="other", note="<script>x()</script>Insulta"
    )
    assert response.status_code == 201
    assert Flag.objects.get().note == "Insulta"


def test_the_nth_distinct_flag_hides_the_comment(
    client, setup, make_user, django_capture_on_commit_callbacks, monkeypatch
):
    page, _, comment = setup
    sent = []
    # The comment's own events (the moderators' queue hears of every flag).
    monkeypatch.setattr(
        "core.live.publish",
        lambda group, event: group == consultation_group(page.pk) and sent.append((group, event)),
    )
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert flag(client, make_user("citizen"), comment).status_code == 201
    comment.refresh_from_db()
    assert comment.status == "published" and sent == []  # N-1 flags: still shown

    with django_capture_on_commit_callbacks(execute=True):
        assert flag(client, make_user("citizen"), comment).status_code == 201
    comment.refresh_from_db()
    assert comment.status == "hidden"
    [(group, event)] = sent
    assert group == consultation_group(page.pk) and event["type"] == "comment.hidden"
    assert event["comment"]["body"] == "" and event["comment"]["author"] is None
    assert event["cursor"] == comment.seq

    # The public never sees its text or author again, and nobody can flag it more.
    listing = client.get(f"/api/v1/consultations/{page.pk}/comments/").content.decode()
    assert "Texto reportable" not in listing and "Autora" not in listing
    html = client.get(page.url).content.decode()
    # A tombstone in its place (its label's Spanish comes with the catalogs).
    assert "Texto reportable" not in html and f'id="comment-{comment.pk}"' in html
    assert 'data-status="hidden"' in html
    assert flag(client, make_user("citizen"), comment).status_code == 403
    assert Flag.objects.filter(comment=comment).count() == 3


# --- Thresholds and who may flag (through the action) -----------------------------


@pytest.fixture
def comment(setup):
    return setup[2]


def flag_by(make_user, comment, count, reason="spam"):
    for _ in range(count):
        actions_mod.do_flag(make_user(CITIZEN), comment, reason=reason)
    comment.refresh_from_db()
    return comment.status


def configure(page, site=None, consultation=None):
    """Set the site's threshold and/or the consultation's override."""
    if site is not None:
        settings = ModerationSettings.for_site(page.get_site())
        settings.auto_hide_flags = site
        settings.save()
    page.auto_hide_flags = consultation
    page.save(update_fields=["auto_hide_flags"])


@pytest.mark.parametrize(
    ("site", "consultation", "threshold"),
    [
        (None, None, 3),  # the default
        (4, None, 4),  # the site's setting
        (1, None, 1),
        (None, 2, 2),  # the consultation's override
        (None, 5, 5),
        (4, 2, 2),  # the override wins over the site
        (2, 4, 4),
    ],
)
def test_auto_hide_happens_at_the_nth_distinct_flag(
    setup, comment, make_user, site, consultation, threshold
):
    configure(setup[0], site, consultation)
    assert flag_by(make_user, comment, threshold - 1) == CommentStatus.PUBLISHED
    review = Review.objects.filter(comment=comment).first()
    assert review is None or (review.pending, review.action) == (True, "")
    assert flag_by(make_user, comment, 1) == CommentStatus.HIDDEN
    review = Review.objects.get(comment=comment)
    assert (review.pending, review.kind, review.flag_count) == (True, "flagged", threshold)
    assert (review.action, review.reason) == ("hide", "spam")


def test_the_site_setting_is_read_at_each_flag(setup, comment, make_user):
    assert flag_by(make_user, comment, 2) == CommentStatus.PUBLISHED
    configure(setup[0], site=5)
    assert flag_by(make_user, comment, 2) == CommentStatus.PUBLISHED
    configure(setup[0], site=2)
    # Already past the new threshold: the next flag hides it.
    assert flag_by(make_user, comment, 1) == CommentStatus.HIDDEN


def test_the_auto_hide_is_logged_and_told_to_the_author(
    setup, comment, make_user, django_capture_on_commit_callbacks, mailoutbox
):
    _, author, _ = setup
    with django_capture_on_commit_callbacks(execute=True):
        flag_by(make_user, comment, 1, reason="spam")
        flag_by(make_user, comment, 2, reason="abusive")
    decision = Decision.objects.get()
    assert (decision.moderator, decision.action, decision.reason) == (None, "hide", "abusive")
    assert (decision.comment, decision.user) == (comment, author)
    entry = ModelLogEntry.objects.get(action="puente.moderation.hide")
    assert entry.object_id == str(comment.pk) and entry.user is None
    assert entry.data["reason"] == "abusive" and entry.data["decision"] == decision.pk
    notice = Notice.objects.get()
    assert (notice.user, notice.kind, notice.reason) == (author, "flagged", "abusive")
    [mail] = mailoutbox
    assert mail.to == [author.email] and "Texto reportable" in mail.body


def test_a_tie_between_reasons_goes_to_the_first_raised(setup, comment, make_user):
    configure(setup[0], consultation=2)
    actions_mod.do_flag(make_user(CITIZEN), comment, reason="off_topic")
    actions_mod.do_flag(make_user(CITIZEN), comment, reason="spam")
    assert Review.objects.get(comment=comment).reason == "off_topic"


def test_flags_cleared_by_an_approval_no_longer_count(setup, comment, make_user):
    moderator = make_user(MODERATOR)
    first = [make_user(CITIZEN) for _ in range(2)]
    for person in first:
        actions_mod.do_flag(person, comment, reason="spam")
    do_decide(moderator, comment, action="approve")
    assert Flag.objects.filter(comment=comment, cleared=True).count() == 2
    assert Review.objects.get(comment=comment).flag_count == 0
    # Two new flags: three in all, but only two count.
    assert flag_by(make_user, comment, 2) == CommentStatus.PUBLISHED
    assert Review.objects.get(comment=comment).flag_count == 2
    assert flag_by(make_user, comment, 1) == CommentStatus.HIDDEN


def test_flags_judged_by_a_restore_no_longer_count(setup, comment, make_user):
    # A restored comment starts again from zero: one more flag must not hide
    # what a moderator has just let stand.
    assert flag_by(make_user, comment, 3) == CommentStatus.HIDDEN
    do_decide(make_user(MODERATOR), comment, action="restore")
    assert flag_by(make_user, comment, 2) == CommentStatus.PUBLISHED
    assert flag_by(make_user, comment, 1) == CommentStatus.HIDDEN


def test_a_person_cannot_flag_twice_even_after_an_approval(setup, comment, make_user):
    reporter = make_user(CITIZEN)
    actions_mod.do_flag(reporter, comment, reason="spam")
    with pytest.raises(Invalid) as error:
        actions_mod.do_flag(reporter, comment, reason="abusive")
    assert "reason" in error.value.errors
    do_decide(make_user(MODERATOR), comment, action="approve")
    with pytest.raises(Invalid):
        actions_mod.do_flag(reporter, comment, reason="abusive")
    assert list(Flag.objects.values_list("reason", "cleared")) == [("spam", True)]
    assert Review.objects.get(comment=comment).pending is False


def test_the_author_cannot_flag_their_own_comment(setup, comment):
    with pytest.raises(NotAllowed):
        actions_mod.do_flag(setup[1], comment, reason="spam")
    assert not Flag.objects.exists() and not Review.objects.exists()


def test_blocked_and_inactive_people_cannot_flag(setup, comment, make_user):
    blocked = make_user(CITIZEN, blocked=True)
    with translation.override("en"), pytest.raises(NotAllowed) as error:
        actions_mod.do_flag(blocked, comment, reason="spam")
    assert "blocked" in str(error.value.message)
    # Blocked since they signed in: the database decides, not the session's copy.
    stale = make_user(CITIZEN)
    type(stale).objects.filter(pk=stale.pk).update(blocked=True)
    with pytest.raises(NotAllowed):
        actions_mod.do_flag(stale, comment, reason="spam")
    with pytest.raises(NotAllowed):
        actions_mod.do_flag(make_user(CITIZEN, is_active=False), comment, reason="spam")
    with pytest.raises(NotAllowed):
        actions_mod.do_flag(AnonymousUser(), comment, reason="spam")
    assert not Flag.objects.exists()


@pytest.mark.parametrize("status", ["held", "hidden", "removed", "deleted"])
def test_only_published_comments_can_be_flagged(setup, comment, make_user, status):
    Comment.objects.filter(pk=comment.pk).update(status=status)
    with pytest.raises(NotAllowed):
        actions_mod.do_flag(make_user(CITIZEN), comment, reason="spam")
    assert not Flag.objects.exists()


def test_each_flag_updates_the_queue(
    setup, comment, make_user, memory_layer, django_capture_on_commit_callbacks
):
    queue = queue_listener(memory_layer)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            flag_by(make_user, comment, 1)
    events = queue.events()
    assert [(e["pending"], e["kind"], e["flag_count"]) for e in events] == [
        (True, "flagged", 1),
        (True, "flagged", 2),
    ]
    assert {e["comment"] for e in events} == {comment.pk}


def test_a_flag_takes_a_bounded_number_of_queries(
    setup, comment, make_user, django_assert_max_num_queries
):
    ContentType.objects.get_for_model(Comment)  # cached in a running server
    reporters = [make_user(CITIZEN) for _ in range(3)]
    actions_mod.do_flag(reporters[0], comment, reason="spam")
    # A flag that leaves the comment shown ...
    with django_assert_max_num_queries(FLAG_QUERIES):
        actions_mod.do_flag(reporters[1], comment, reason="spam")
    # ... and the one that hides it (status, cursor, decision, log, notice).
    with django_assert_max_num_queries(FLAG_HIDE_QUERIES):
        actions_mod.do_flag(reporters[2], comment, reason="spam")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
