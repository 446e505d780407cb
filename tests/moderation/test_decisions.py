"""Moderators' decisions on comments: approve, hide, remove, restore; from
which states each applies, who may take them, what is logged, who is told,
what goes out live."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import translation
from wagtail.models import ModelLogEntry

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from core.errors import Conflict, Invalid, NotAllowed
from core.models import OutgoingEmail
from moderation import actions
from moderation.actions import MAX_BULK, MAX_NOTE_LENGTH, do_bulk_decide, do_decide
from moderation.models import Appeal, Decision, Flag, Review
from notifications.models import Notice
from tests.moderation import conftest as moderation_fixtures

BODY = "Un comentario para moderar"
# Measured: a hide of a flagged comment; the approval of a held reply (each
# with the author's preference for moderation notices and the outbox row,
# and the queue's change number, moderation/changes.py).
DECIDE_QUERIES = 21
APPROVE_HELD_REPLY_QUERIES = 24


def post(user, page, body=BODY, **anchor):
    return moderation_fixtures.post(user, page, body=body, **anchor)


def post_held(user, page, **kwargs):
    """Post as if the consultation were pre-moderated (this once)."""
    page.moderation_mode = "pre"
    try:
        return post(user, page, **kwargs)
    finally:
        page.moderation_mode = ""


def flag(make_user, comment, times=1):
    for _ in range(times):
        actions.do_flag(make_user(CITIZEN), comment, reason="spam")


def snapshot(comment):
    """Everything a refused decision must leave as it was."""
    comment.refresh_from_db()
    review = Review.objects.filter(comment=comment).values().first()
    return (
        comment.status,
        comment.seq,
        review,
        list(Decision.objects.values_list("pk", flat=True)),
        list(Notice.objects.values_list("pk", flat=True)),
        list(Flag.objects.values_list("pk", "cleared")),
        list(ModelLogEntry.objects.values_list("pk", flat=True)),
    )


# --- Every decision from every state ----------------------------------------------

# How each starting state is reached, through the actions people take.
STATES = {
    "published": lambda c, m, mk: None,
    "flagged": lambda c, m, mk: flag(mk, c),
    "held": None,  # posted held
    "auto-hidden": lambda c, m, mk: flag(mk, c, 3),
    "hidden": lambda c, m, mk: do_decide(m, c, action="hide", reason="spam"),
    "removed": lambda c, m, mk: do_decide(m, c, action="remove", reason="personal_data"),
    "appealed-hidden": lambda c, m, mk: (
        do_decide(m, c, action="hide", reason="spam"),
        actions.do_appeal(c.author, c, note="No era spam."),
    ),
    "appealed-removed": lambda c, m, mk: (
        do_decide(m, c, action="remove", reason="spam"),
        actions.do_appeal(c.author, c, note="No era spam."),
    ),
    "deleted": lambda c, m, mk: comment_actions.do_delete_comment(c.author, c),
    "deleted-flagged": lambda c, m, mk: (
        flag(mk, c),
        comment_actions.do_delete_comment(c.author, c),
    ),
}
P, HI, R, D, C = "published", "hidden", "removed", "deleted", Conflict
# state -> {action: resulting status, or Conflict}
TRANSITIONS = {
    "published": {"approve": C, "hide": HI, "remove": R, "restore": C},
    "flagged": {"approve": P, "hide": HI, "remove": R, "restore": C},
    "held": {"approve": P, "hide": HI, "remove": R, "restore": C},
    "auto-hidden": {"approve": P, "hide": HI, "remove": R, "restore": P},
    "hidden": {"approve": C, "hide": C, "remove": R, "restore": P},
    "removed": {"approve": C, "hide": C, "remove": C, "restore": P},
    "appealed-hidden": {"approve": P, "hide": HI, "remove": R, "restore": P},
    "appealed-removed": {"approve": P, "hide": C, "remove": R, "restore": P},
    "deleted": {"approve": C, "hide": C, "remove": C, "restore": C},
    # The author's deletion already took the flagged comment out of the queue.
    "deleted-flagged": {"approve": C, "hide": C, "remove": C, "restore": C},
}
CASES = [(s, a, r) for s, row in TRANSITIONS.items() for a, r in row.items()]


@pytest.mark.parametrize(
    ("state", "action", "result"), CASES, ids=[f"{s}-{a}" for s, a, _ in CASES]
)
def test_each_decision_from_each_state(page, author, moderator, make_user, state, action, result):
    comment = post_held(author, page) if state == "held" else post(author, page)
    if STATES[state]:
        STATES[state](comment, moderator, make_user)
    before = snapshot(comment)
    reason = "abusive" if action in ("hide", "remove") else ""
    if result is Conflict:
        with pytest.raises(Conflict) as refused:
            do_decide(moderator, comment, action=action, reason=reason)
        assert refused.value.status == 409
        assert snapshot(comment) == before
        return
    decision = do_decide(moderator, comment, action=action, reason=reason)
    comment.refresh_from_db()
    assert comment.status == result
    review = Review.objects.get(comment=comment)
    assert (review.pending, review.action, review.reason) == (False, action, reason)
    assert (decision.moderator, decision.action, decision.comment) == (moderator, action, comment)
    # Whatever was appealed is answered.
    assert not Appeal.objects.filter(resolved__isnull=True).exists()
    if result != before[0]:
        assert comment.seq > before[1]


def test_decisions_on_decided_items_change_nothing(page, author, moderator, make_user):
    comment = post(author, page)
    flag(make_user, comment)
    do_decide(moderator, comment, action="approve")
    steps = [
        ("approve", ""),  # approve after approve
        ("restore", ""),  # restore a published comment
    ]
    for action, reason in steps:
        before = snapshot(comment)
        with pytest.raises(Conflict):
            do_decide(moderator, comment, action=action, reason=reason)
        assert snapshot(comment) == before
    do_decide(moderator, comment, action="hide", reason="spam")
    before = snapshot(comment)
    with pytest.raises(Conflict):
        do_decide(moderator, comment, action="hide", reason="abusive")  # hide twice
    assert snapshot(comment) == before
    do_decide(moderator, comment, action="remove", reason="personal_data")
    before = snapshot(comment)
    with pytest.raises(Conflict):
        do_decide(moderator, comment, action="remove", reason="personal_data")
    assert snapshot(comment) == before
    assert list(Decision.objects.order_by("pk").values_list("action", flat=True)) == [
        "approve",
        "hide",
        "remove",
    ]


def test_a_stale_copy_of_the_comment_does_not_decide_twice(page, author, moderator):
    # Two moderators open the same item; the second decision finds it taken.
    comment = post(author, page)
    stale = Comment.objects.get(pk=comment.pk)
    do_decide(moderator, comment, action="hide", reason="spam")
    with pytest.raises(Conflict):
        do_decide(moderator, stale, action="hide", reason="spam")
    assert Decision.objects.count() == 1


# --- Bad input ----------------------------------------------------------------------


@pytest.mark.parametrize("action", ["hide", "remove"])
@pytest.mark.parametrize("reason", ["", "aburrido", None, ["spam"]])
def test_hide_and_remove_need_a_reason(page, author, moderator, action, reason):
    comment = post(author, page)
    before = snapshot(comment)
    with pytest.raises(Invalid) as error:
        do_decide(moderator, comment, action=action, reason=reason)
    assert set(error.value.errors) == {"reason"}
    assert snapshot(comment) == before


@pytest.mark.parametrize("action", ["", "block", "unblock", "delete", "APPROVE", None, 3])
def test_an_unknown_action_is_refused(page, author, moderator, make_user, action):
    comment = post(author, page)
    flag(make_user, comment)
    before = snapshot(comment)
    with pytest.raises(Invalid) as error:
        do_decide(moderator, comment, action=action)
    assert "action" in error.value.errors
    assert snapshot(comment) == before


def test_approve_and_restore_take_an_optional_valid_reason(page, author, moderator, make_user):
    comment = post(author, page)
    flag(make_user, comment)
    with pytest.raises(Invalid) as error:
        do_decide(moderator, comment, action="approve", reason="aburrido")
    assert set(error.value.errors) == {"reason"}
    do_decide(moderator, comment, action="approve", reason="off_topic")
    assert Review.objects.get(comment=comment).reason == "off_topic"


def test_the_note_has_a_length_limit_and_is_plain_text(page, author, moderator):
    first, second = post(author, page, body="Uno largo"), post(author, page, body="Dos largo")
    before = snapshot(first)
    with pytest.raises(Invalid) as error:
        do_decide(moderator, first, action="hide", reason="spam", note="x" * (MAX_NOTE_LENGTH + 1))
    assert set(error.value.errors) == {"note"}
    assert snapshot(first) == before
    do_decide(moderator, first, action="hide", reason="spam", note="x" * MAX_NOTE_LENGTH)
    decision = do_decide(
        moderator, second, action="hide", reason="spam", note="<b>Insultos</b><script>x</script>"
    )
    assert decision.note == "Insultos"
    assert Notice.objects.get(comment=second).note == "Insultos"


# --- Who may decide -----------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["anonymous", "citizen", "author", "planner", "editor", "blocked", "inactive"]
)
@pytest.mark.parametrize("action", ["approve", "hide", "remove", "restore"])
def test_only_moderators_decide(page, author, make_user, who, action):
    people = {
        "anonymous": lambda: AnonymousUser(),
        "citizen": lambda: make_user(CITIZEN),
        "author": lambda: author,
        "planner": lambda: make_user(PLANNER),
        "editor": lambda: make_user(EDITOR),
        "blocked": lambda: make_user(MODERATOR, blocked=True),
        "inactive": lambda: make_user(MODERATOR, is_active=False),
    }
    comment = post(author, page)
    # A state in which the action would otherwise be allowed.
    flag(make_user, comment, 3 if action == "restore" else 1)
    before = snapshot(comment)
    with pytest.raises(NotAllowed) as refused:
        do_decide(people[who](), comment, action=action, reason="spam")
    assert refused.value.status == 403
    assert snapshot(comment) == before


def test_a_moderator_blocked_since_signing_in_cannot_decide(page, author, moderator):
    comment = post(author, page)
    type(moderator).objects.filter(pk=moderator.pk).update(blocked=True)
    with pytest.raises(NotAllowed):
        do_decide(moderator, comment, action="hide", reason="spam")
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PUBLISHED


def test_a_superuser_decides(page, author, make_user):
    comment = post(author, page)
    do_decide(make_user(is_superuser=True), comment, action="hide", reason="spam")
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.HIDDEN


# --- Live events ----------------------------------------------------------------------


def one_event(listener):
    [event] = listener.events()
    return event


def test_each_decision_goes_out_live_with_the_cursor_advanced(
    page, author, moderator, listen, django_capture_on_commit_callbacks
):
    readers = listen(page)
    comment = post_held(author, page)
    assert readers.events() == []  # held: nothing went out

    steps = [
        ("approve", "", "comment.created", BODY, "Ana Autora"),
        ("hide", "spam", "comment.hidden", "", None),
        ("restore", "", "comment.updated", BODY, "Ana Autora"),
        ("remove", "personal_data", "comment.removed", "", None),
    ]
    cursor = comment.seq
    for action, reason, kind, body, name in steps:
        with django_capture_on_commit_callbacks(execute=True):
            do_decide(moderator, comment, action=action, reason=reason)
        comment.refresh_from_db()
        event = one_event(readers)
        assert event["type"] == kind
        assert event["comment"]["id"] == comment.pk
        assert (event["comment"]["body"], event["comment"]["author"]) == (body, name)
        assert event["cursor"] == comment.seq > cursor
        cursor = comment.seq


def test_a_decision_that_changes_no_status_sends_no_comment_event(
    page, author, moderator, make_user, listen, django_capture_on_commit_callbacks
):
    comment = post(author, page)
    flag(make_user, comment)
    seq = Comment.objects.get(pk=comment.pk).seq
    readers = listen(page)
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="approve")
    assert readers.events() == []
    assert Comment.objects.get(pk=comment.pk).seq == seq


def test_nothing_goes_out_when_the_decision_is_refused(
    page, author, moderator, listen, django_capture_on_commit_callbacks
):
    comment = post(author, page)
    readers = listen(page)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Conflict):
        do_decide(moderator, comment, action="restore")
    assert callbacks == [] and readers.events() == []


# --- The log ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["hide", "remove"])
def test_a_decision_is_logged_and_shows_in_wagtails_history(page, author, moderator, action):
    comment = post(author, page)
    decision = do_decide(moderator, comment, action=action, reason="spam", note="Publicidad")
    row = Decision.objects.get()
    assert row == decision
    assert (row.moderator, row.action, row.comment, row.user) == (
        moderator,
        action,
        comment,
        author,
    )
    assert (row.reason, row.note) == ("spam", "Publicidad") and row.created is not None
    entry = ModelLogEntry.objects.get()
    assert entry.action == f"puente.moderation.{action}"
    assert (entry.object_id, entry.content_type.model) == (str(comment.pk), "comment")
    assert entry.user_id == moderator.pk
    assert entry.data == {"reason": "spam", "note": "Publicidad", "decision": decision.pk}
    # The label registered in wagtail_hooks.py, as the admin's history shows it.
    with translation.override("en"):
        assert entry.message == {"hide": "Comment hidden", "remove": "Comment removed"}[action]


def test_approve_and_restore_are_logged_too(page, author, moderator, make_user):
    comment = post(author, page)
    flag(make_user, comment, 3)
    do_decide(moderator, comment, action="restore")
    flag(make_user, comment)
    do_decide(moderator, comment, action="approve")
    assert list(ModelLogEntry.objects.order_by("pk").values_list("action", "user_id")) == [
        ("puente.moderation.hide", None),  # the auto-hide, by the site
        ("puente.moderation.restore", moderator.pk),
        ("puente.moderation.approve", moderator.pk),
    ]


def test_the_log_is_append_only(page, author, moderator):
    comment = post(author, page)
    decision = do_decide(moderator, comment, action="hide", reason="spam", note="Nota")
    decision.note = "Otra nota"
    with pytest.raises(PermissionDenied):
        decision.save()
    with pytest.raises(PermissionDenied):
        Decision.objects.get().delete()
    row = Decision.objects.get()
    assert (row.pk, row.note, row.action) == (decision.pk, "Nota", "hide")


# --- The author is told ----------------------------------------------------------------


def told(mailoutbox):
    return [(n.kind, n.reason) for n in Notice.objects.order_by("pk")], [m.to for m in mailoutbox]


def test_the_author_is_told_of_each_decision_that_changes_what_others_see(
    page, author, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = post_held(author, page)
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="approve")
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="hide", reason="abusive", note="Insultos")
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="restore")
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="remove", reason="personal_data")
    notices, mails = told(mailoutbox)
    assert notices == [
        ("held", ""),
        ("approve", ""),
        ("hide", "abusive"),
        ("restore", ""),
        ("remove", "personal_data"),
    ]
    assert mails == [[author.email]] * 5
    assert all(n.user == author and n.comment == comment for n in Notice.objects.all())
    hide_mail = mailoutbox[2]
    # The author reads it in Spanish, with the moderator's note and their words.
    assert "Insultos" in hide_mail.body and BODY in hide_mail.body
    assert "/avisos/" in hide_mail.body and "/moderacion/avisos/" not in hide_mail.body


def test_approving_a_flagged_published_comment_tells_nobody(
    page, author, moderator, make_user, django_capture_on_commit_callbacks, mailoutbox
):
    comment = post(author, page)
    flag(make_user, comment)
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="approve")
    assert told(mailoutbox) == ([], [])


def test_confirming_an_auto_hide_tells_the_author_the_outcome(
    page, author, moderator, make_user, django_capture_on_commit_callbacks, mailoutbox
):
    comment = post(author, page)
    with django_capture_on_commit_callbacks(execute=True):
        flag(make_user, comment, 3)
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="hide", reason="abusive")
    assert told(mailoutbox) == (
        [("flagged", "spam"), ("hide", "abusive")],
        [[author.email], [author.email]],
    )


def test_a_mail_server_down_does_not_undo_the_decision(
    page, author, moderator, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(**kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("core.mail.get_connection", broken)
    comment = post(author, page)
    with django_capture_on_commit_callbacks(execute=True):
        do_decide(moderator, comment, action="hide", reason="spam")
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.HIDDEN
    assert Notice.objects.get().kind == "hide"
    # The e-mail waits in the outbox for its next attempt.
    waiting = OutgoingEmail.objects.get(to=author.email)
    assert (waiting.state, waiting.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in waiting.last_error


# --- Flags and the queue -----------------------------------------------------------------


def test_approving_clears_the_flags_and_resolves_the_item(page, author, moderator, make_user):
    comment = post(author, page)
    flag(make_user, comment, 2)
    do_decide(moderator, comment, action="approve")
    assert set(Flag.objects.values_list("cleared", flat=True)) == {True}
    review = Review.objects.get(comment=comment)
    assert (review.pending, review.flag_count, review.action) == (False, 0, "approve")


def test_hiding_keeps_the_flags_as_evidence(page, author, moderator, make_user):
    comment = post(author, page)
    flag(make_user, comment, 2)
    do_decide(moderator, comment, action="hide", reason="spam")
    assert set(Flag.objects.values_list("cleared", flat=True)) == {False}
    assert Review.objects.get(comment=comment).flag_count == 2


def test_a_decision_on_an_unflagged_comment_opens_a_resolved_item(page, author, moderator):
    comment = post(author, page)
    do_decide(moderator, comment, action="hide", reason="spam")
    review = Review.objects.get(comment=comment)
    assert (review.pending, review.kind, review.action, review.consultation_id) == (
        False,
        "flagged",
        "hide",
        page.pk,
    )


# --- Bulk ----------------------------------------------------------------------------------


def test_a_mixed_batch_returns_an_outcome_per_comment(page, author, moderator, make_user):
    flagged = post(author, page, body="Uno marcado")
    flag(make_user, flagged)
    held = post_held(author, page, body="Dos retenido")
    unflagged = post(author, page, body="Tres sin marcar")
    with translation.override("en"):
        outcome = do_bulk_decide(
            moderator,
            [flagged.pk, str(held.pk), unflagged.pk, 999_999, flagged.pk],
            action="approve",
        )
    # In the order given, each once.
    assert outcome == {
        flagged.pk: None,
        held.pk: None,
        unflagged.pk: "This comment is not waiting for review.",
        999_999: "That comment does not exist.",
    }
    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses[held.pk] == CommentStatus.PUBLISHED
    assert Decision.objects.count() == 2


def test_a_batch_hide_hides_each(page, author, moderator):
    comments = [post(author, page, body=f"Comentario {n}") for n in range(3)]
    do_decide(moderator, comments[1], action="hide", reason="spam")
    outcome = do_bulk_decide(moderator, [c.pk for c in comments], action="hide", reason="spam")
    assert [v is None for v in outcome.values()] == [True, False, True]
    assert set(Comment.objects.values_list("status", flat=True)) == {CommentStatus.HIDDEN}


@pytest.mark.parametrize(
    ("ids", "fields"),
    [
        ([], {"action": "approve"}),
        (["uno"], {"action": "approve"}),
        ([None], {"action": "approve"}),
        (list(range(1, MAX_BULK + 2)), {"action": "approve"}),
        ("FIRST", {"action": "hide"}),  # no reason
        ("FIRST", {"action": "block", "reason": "spam"}),
        ("FIRST", {"action": "hide", "reason": "spam", "note": "x" * (MAX_NOTE_LENGTH + 1)}),
    ],
    ids=["empty", "not-a-number", "null", "too-many", "no-reason", "bad-action", "long-note"],
)
def test_a_bad_batch_is_refused_before_any_comment_is_touched(
    page, author, moderator, make_user, ids, fields
):
    comment = post(author, page)
    flag(make_user, comment)
    before = snapshot(comment)
    with pytest.raises(Invalid):
        do_bulk_decide(moderator, [comment.pk] if ids == "FIRST" else ids, **fields)
    assert snapshot(comment) == before


def test_exactly_the_maximum_batch_is_accepted(page, author, moderator):
    comment = post(author, page)
    outcome = do_bulk_decide(
        moderator, [comment.pk, *range(10**6, 10**6 + MAX_BULK - 1)], action="hide", reason="spam"
    )
    assert len(outcome) == MAX_BULK and outcome[comment.pk] is None


@pytest.mark.parametrize("role", [None, CITIZEN, PLANNER, EDITOR])
def test_only_moderators_decide_in_bulk(page, author, make_user, role):
    comment = post(author, page)
    person = AnonymousUser() if role is None else make_user(role)
    with pytest.raises(NotAllowed):
        do_bulk_decide(person, [comment.pk], action="hide", reason="spam")
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.PUBLISHED


# --- Queries -------------------------------------------------------------------------------


def test_a_decision_takes_a_bounded_number_of_queries(
    page, author, moderator, make_user, django_assert_max_num_queries
):
    ContentType.objects.get_for_model(Comment)  # cached in a running server
    comment = post(author, page)
    flag(make_user, comment, 2)
    with django_assert_max_num_queries(DECIDE_QUERIES):
        do_decide(moderator, comment, action="hide", reason="spam")
    parent = post(make_user(CITIZEN), page, body="Padre")
    reply = post_held(author, page, body="Respuesta retenida", parent=parent.pk)
    with django_assert_max_num_queries(APPROVE_HELD_REPLY_QUERIES):
        do_decide(moderator, reply, action="approve")
    assert Comment.objects.get(pk=parent.pk).reply_count == 1
