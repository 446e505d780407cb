"""comments/actions.py: every rule of post, reply, edit, delete and react, the
change counter, rate limits, broadcasts on commit, concurrent replies."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.utils import timezone

from accounts.roles import CITIZEN
from comments import actions
from comments.models import (
    Comment,
    CommentRevision,
    CommentStatus,
    ConsultationActivity,
    Reaction,
)
from comments.serializers import comment_data
from consultations.models import ConsultationPage
from core.errors import Invalid, NotAllowed, RateLimited


def last_seq(consultation):
    return (
        ConsultationActivity.objects.filter(pk=consultation.pk)
        .values_list("last_seq", flat=True)
        .first()
        or 0
    )


def close(consultation):
    now = timezone.now()
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(seconds=1)
    )


def first_question(consultation):
    return consultation.ordered_questions[0].pk


# --- Who may post, and when ---------------------------------------------------


@pytest.mark.parametrize("phase", ["closed_consultation", "upcoming_consultation"])
def test_post_outside_the_open_phase_is_refused(request, phase, ana, no_rate_limits):
    consultation = request.getfixturevalue(phase)
    with pytest.raises(NotAllowed) as refused:
        actions.do_post_comment(
            ana, consultation, body="Llego tarde o temprano.", question=first_question(consultation)
        )
    assert refused.value.status == 403
    assert not Comment.objects.exists()
    assert last_seq(consultation) == 0


def test_post_after_the_report_is_published_is_refused(consultation, ana, no_rate_limits):
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        reported_at=timezone.now() - timedelta(minutes=1)
    )
    consultation.refresh_from_db()
    with pytest.raises(NotAllowed):
        actions.do_post_comment(
            ana, consultation, body="¿Todavía puedo?", question=first_question(consultation)
        )
    assert not Comment.objects.exists()


def test_post_on_the_closing_instant_is_refused(consultation, ana, no_rate_limits):
    # Open until closes_at, exclusive.
    consultation.closes_at = timezone.now()
    with pytest.raises(NotAllowed):
        actions.do_post_comment(
            ana, consultation, body="Justo a tiempo.", question=first_question(consultation)
        )


def test_anonymous_cannot_post(consultation, no_rate_limits):
    with pytest.raises(NotAllowed) as refused:
        actions.do_post_comment(
            AnonymousUser(), consultation, body="Sin cuenta.", question=first_question(consultation)
        )
    assert refused.value.code == "forbidden"
    assert not Comment.objects.exists()


def test_inactive_user_cannot_post(consultation, make_user, no_rate_limits):
    banned = make_user(CITIZEN, is_active=False)
    with pytest.raises(NotAllowed):
        actions.do_post_comment(
            banned, consultation, body="Sigo aquí.", question=first_question(consultation)
        )
    assert not Comment.objects.exists()


def test_a_citizen_posts_on_an_open_consultation(consultation, ana, no_rate_limits):
    question = first_question(consultation)
    comment = actions.do_post_comment(ana, consultation, body="  Más parques.  ", question=question)
    comment.refresh_from_db()
    assert comment.author == ana
    assert comment.body == "Más parques."
    assert comment.question_id == question and comment.section_id is None
    assert comment.parent_id is None and comment.root_id == comment.pk and comment.depth == 0
    assert comment.status == CommentStatus.PUBLISHED and comment.edited is None
    assert comment.reply_count == 0 and comment.reactions == {"agree": 0, "disagree": 0, "pass": 0}


# --- Bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        " \n\t\r\n ",
        "a",
        "  a  ",
        "<b></b>",
        "<p> </p>",
        "x" * 5001,
        "x" * 20_000,
        None,
        123,
        ["una", "lista"],
        {"body": "anidado"},
    ],
    ids=[
        "empty",
        "spaces",
        "whitespace",
        "one-char",
        "one-char-padded",
        "empty-tag",
        "blank-paragraph",
        "5001",
        "20000",
        "none",
        "int",
        "list",
        "dict",
    ],
)
def test_bad_bodies_are_invalid(consultation, ana, body, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(ana, consultation, body=body, question=first_question(consultation))
    assert invalid.value.status == 400
    assert set(invalid.value.errors) == {"body"}
    assert not Comment.objects.exists()
    assert last_seq(consultation) == 0


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<script>alert(1)</script>   <style>p{}</style>",
        '<img src="x" onerror="alert(1)">',
        "<svg onload=alert(1)>",
        "<iframe src='javascript:alert(1)'></iframe>",
    ],
)
def test_a_body_that_is_only_markup_is_invalid(consultation, ana, body, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(ana, consultation, body=body, question=first_question(consultation))
    assert "body" in invalid.value.errors
    assert not Comment.objects.exists()


def test_scripts_are_stripped_and_text_kept(consultation, post, ana):
    comment = post(
        ana,
        consultation,
        body='Hola <script>alert(1)</script><b>mundo</b> <a href="javascript:x()">enlace</a>',
    )
    comment.refresh_from_db()
    assert "<" not in comment.body
    assert "alert" not in comment.body and "javascript" not in comment.body
    assert comment.body.split() == ["Hola", "mundo", "enlace"]


def test_entity_encoded_script_is_not_stored_as_markup(consultation, post, ana):
    comment = post(ana, consultation, body="&lt;script&gt;alert(1)&lt;/script&gt;")
    comment.refresh_from_db()
    assert "<script" not in comment.body


def test_a_body_that_is_not_valid_unicode_is_invalid(consultation, ana, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(
            ana, consultation, body="hola \ud800 mundo", question=first_question(consultation)
        )
    assert "body" in invalid.value.errors
    assert not Comment.objects.exists()


@pytest.mark.parametrize("length", [2, 5000])
def test_bodies_at_the_length_limits_are_accepted(consultation, post, ana, length):
    comment = post(ana, consultation, body="x" * length)
    assert len(Comment.objects.get(pk=comment.pk).body) == length


def test_the_length_is_counted_after_cleaning(consultation, post, ana):
    comment = post(ana, consultation, body="<b>" + "x" * 5000 + "</b>")
    assert Comment.objects.get(pk=comment.pk).body == "x" * 5000


def test_body_and_anchor_errors_are_reported_together(consultation, ana, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(ana, consultation, body="")
    assert set(invalid.value.errors) == {"body", "question"}


# --- Anchors and parents --------------------------------------------------------


def test_both_anchors_are_invalid(consultation, ana, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(
            ana,
            consultation,
            body="Las dos cosas.",
            question=consultation.ordered_questions[0].pk,
            section=consultation.ordered_sections[0].pk,
        )
    assert "question" in invalid.value.errors
    assert not Comment.objects.exists()


def test_no_anchor_is_invalid(consultation, ana, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(ana, consultation, body="¿Sobre qué?")
    assert "question" in invalid.value.errors


@pytest.mark.parametrize("value", [0, -1, "abc", 10**9])
def test_unknown_question_is_invalid(consultation, ana, value, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(ana, consultation, body="Pregunta rara.", question=value)
    assert "question" in invalid.value.errors


def test_question_of_another_consultation_is_invalid(
    consultation, other_consultation, ana, no_rate_limits
):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(
            ana, consultation, body="Me equivoqué.", question=first_question(other_consultation)
        )
    assert "question" in invalid.value.errors
    assert not Comment.objects.exists()


def test_section_of_another_consultation_is_invalid(
    consultation, other_consultation, ana, no_rate_limits
):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(
            ana,
            consultation,
            body="Me equivoqué.",
            section=other_consultation.ordered_sections[0].pk,
        )
    assert "section" in invalid.value.errors


def test_comment_on_a_section(consultation, post, ana):
    section = consultation.ordered_sections[1].pk
    comment = post(ana, consultation, section=section)
    comment.refresh_from_db()
    assert comment.section_id == section and comment.question_id is None


def test_parent_in_another_consultation_is_invalid(
    consultation, other_consultation, post, ana, beto
):
    elsewhere = post(ana, other_consultation)
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(beto, consultation, body="Respuesta perdida.", parent=elsewhere.pk)
    assert "parent" in invalid.value.errors
    assert Comment.objects.get(pk=elsewhere.pk).reply_count == 0
    assert not Comment.objects.filter(consultation=consultation).exists()


@pytest.mark.parametrize("parent", [0, -5, 10**9, "abc"])
def test_unknown_parent_is_invalid(consultation, ana, parent, no_rate_limits):
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(ana, consultation, body="¿A quién respondo?", parent=parent)
    assert "parent" in invalid.value.errors


def test_reply_to_a_deleted_comment_is_invalid(consultation, post, ana, beto):
    parent = post(ana, consultation)
    actions.do_delete_comment(ana, parent)
    with pytest.raises(Invalid) as invalid:
        actions.do_post_comment(beto, consultation, body="Respondo tarde.", parent=parent.pk)
    assert "parent" in invalid.value.errors
    assert Comment.objects.get(pk=parent.pk).reply_count == 0


def test_reply_inherits_anchor_depth_and_root(consultation, post, ana, beto):
    section = consultation.ordered_sections[0].pk
    top = post(ana, consultation, section=section)
    reply = post(beto, consultation, body="Respuesta uno.", parent=top.pk)
    deeper = post(ana, consultation, body="Respuesta dos.", parent=reply.pk)
    reply.refresh_from_db()
    deeper.refresh_from_db()
    assert (reply.parent_id, reply.root_id, reply.depth) == (top.pk, top.pk, 1)
    assert (deeper.parent_id, deeper.root_id, deeper.depth) == (reply.pk, top.pk, 2)
    for comment in (reply, deeper):
        assert comment.section_id == section and comment.question_id is None


def test_a_reply_ignores_an_anchor_given_with_it(consultation, post, ana, beto):
    top = post(ana, consultation, question=consultation.ordered_questions[0].pk)
    reply = post(beto, consultation, parent=top.pk, question=consultation.ordered_questions[1].pk)
    reply.refresh_from_db()
    assert reply.question_id == top.question_id


def test_reply_count_counts_direct_replies_only(consultation, post, ana, beto):
    top = post(ana, consultation)
    first = post(beto, consultation, parent=top.pk)
    post(ana, consultation, parent=top.pk)
    post(ana, consultation, parent=first.pk)
    top.refresh_from_db()
    first.refresh_from_db()
    assert top.reply_count == 2
    assert first.reply_count == 1


# --- Edit -----------------------------------------------------------------------


def test_edit_keeps_the_old_text_and_marks_edited(consultation, post, ana):
    comment = post(ana, consultation, body="Primera versión.")
    before = last_seq(consultation)
    edited = actions.do_edit_comment(ana, comment, body="Segunda <b>versión</b>.")
    comment.refresh_from_db()
    assert comment.body == "Segunda versión." == edited.body
    assert comment.edited is not None and comment.edited >= comment.created
    assert list(comment.revisions.values_list("body", flat=True)) == ["Primera versión."]
    assert comment.seq == before + 1 == last_seq(consultation)
    actions.do_edit_comment(ana, comment, body="Tercera versión.")
    assert list(comment.revisions.values_list("body", flat=True)) == [
        "Primera versión.",
        "Segunda versión.",
    ]


def test_edit_with_the_same_text_changes_nothing(consultation, post, ana):
    comment = post(ana, consultation, body="Igual que antes.")
    seq = last_seq(consultation)
    actions.do_edit_comment(ana, comment, body="  Igual que antes.  ")
    comment.refresh_from_db()
    assert comment.edited is None
    assert not comment.revisions.exists()
    assert comment.seq == seq == last_seq(consultation)


def test_editing_another_users_comment_is_refused(consultation, post, ana, beto):
    comment = post(ana, consultation, body="Mío.")
    with pytest.raises(NotAllowed):
        actions.do_edit_comment(beto, comment, body="Ahora es mío.")
    comment.refresh_from_db()
    assert comment.body == "Mío." and comment.edited is None
    assert not CommentRevision.objects.exists()


def test_anonymous_cannot_edit(consultation, post, ana):
    comment = post(ana, consultation)
    with pytest.raises(NotAllowed):
        actions.do_edit_comment(AnonymousUser(), comment, body="Anónimo.")


def test_editing_a_deleted_comment_is_refused(consultation, post, ana):
    comment = post(ana, consultation)
    actions.do_delete_comment(ana, comment)
    with pytest.raises(NotAllowed):
        actions.do_edit_comment(ana, comment, body="Resucitado.")
    comment.refresh_from_db()
    assert comment.body == "" and comment.status == CommentStatus.DELETED


def test_editing_after_the_consultation_closed_is_refused(consultation, post, ana):
    comment = post(ana, consultation, body="Antes del cierre.")
    close(consultation)
    with pytest.raises(NotAllowed):
        actions.do_edit_comment(ana, comment, body="Después del cierre.")
    assert Comment.objects.get(pk=comment.pk).body == "Antes del cierre."


@pytest.mark.parametrize("body", ["", "a", "<script>alert(1)</script>", "x" * 5001])
def test_editing_to_a_bad_body_is_invalid(consultation, post, ana, body):
    comment = post(ana, consultation, body="Texto válido.")
    seq = last_seq(consultation)
    with pytest.raises(Invalid):
        actions.do_edit_comment(ana, comment, body=body)
    comment.refresh_from_db()
    assert comment.body == "Texto válido." and comment.edited is None
    assert last_seq(consultation) == seq


# --- Delete ---------------------------------------------------------------------


def test_delete_blanks_the_body_keeps_replies_and_drops_revisions(consultation, post, ana, beto):
    comment = post(ana, consultation, body="Lo que pensé.")
    actions.do_edit_comment(ana, comment, body="Lo que pienso.")
    reply = post(beto, consultation, body="Te respondo.", parent=comment.pk)
    seq = last_seq(consultation)
    actions.do_delete_comment(ana, comment)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.DELETED and comment.is_deleted
    assert comment.body == ""
    assert not CommentRevision.objects.filter(comment=comment).exists()
    assert comment.seq == seq + 1 == last_seq(consultation)
    reply.refresh_from_db()
    assert reply.parent_id == comment.pk and reply.status == CommentStatus.PUBLISHED
    assert reply.body == "Te respondo."
    assert comment.reply_count == 1


def test_deleting_twice_changes_nothing_more(consultation, post, ana):
    comment = post(ana, consultation)
    actions.do_delete_comment(ana, comment)
    seq = last_seq(consultation)
    actions.do_delete_comment(ana, comment)
    assert last_seq(consultation) == seq
    assert Comment.objects.get(pk=comment.pk).seq == seq


def test_deleting_another_users_comment_is_refused(consultation, post, ana, beto):
    comment = post(ana, consultation, body="No lo borres.")
    with pytest.raises(NotAllowed):
        actions.do_delete_comment(beto, comment)
    with pytest.raises(NotAllowed):
        actions.do_delete_comment(AnonymousUser(), comment)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED and comment.body == "No lo borres."


def test_authors_may_delete_after_the_consultation_closed(consultation, post, ana):
    comment = post(ana, consultation)
    close(consultation)
    actions.do_delete_comment(ana, comment)
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.DELETED


# --- Reactions ----------------------------------------------------------------


def test_reaction_set_change_and_withdraw(consultation, post, ana, beto):
    comment = post(ana, consultation)
    seq = last_seq(consultation)

    comment, mine = actions.do_react(beto, comment, "agree")
    assert mine == "agree"
    assert Comment.objects.get(pk=comment.pk).reactions == {"agree": 1, "disagree": 0, "pass": 0}
    assert Reaction.objects.get(comment=comment, user=beto).stance == "agree"

    comment, mine = actions.do_react(beto, comment, "disagree")
    assert mine == "disagree"
    assert Comment.objects.get(pk=comment.pk).reactions == {"agree": 0, "disagree": 1, "pass": 0}
    assert Reaction.objects.filter(comment=comment).count() == 1

    comment, mine = actions.do_react(beto, comment, "disagree")
    assert mine is None
    assert Comment.objects.get(pk=comment.pk).reactions == {"agree": 0, "disagree": 0, "pass": 0}
    assert not Reaction.objects.exists()
    # Every reaction write is one change.
    assert last_seq(consultation) == seq + 3 == Comment.objects.get(pk=comment.pk).seq


def test_reactions_of_several_people_add_up(consultation, post, ana, beto, make_user):
    comment = post(ana, consultation)
    carla = make_user(CITIZEN)
    actions.do_react(beto, comment, "pass")
    actions.do_react(carla, comment, "pass")
    comment.refresh_from_db()
    assert comment.reactions == {"agree": 0, "disagree": 0, "pass": 2}


def test_reacting_to_your_own_comment_is_refused(consultation, post, ana):
    comment = post(ana, consultation)
    seq = last_seq(consultation)
    with pytest.raises(NotAllowed):
        actions.do_react(ana, comment, "agree")
    assert not Reaction.objects.exists()
    assert last_seq(consultation) == seq


@pytest.mark.parametrize("stance", ["love", "", "AGREE", None, 1, ["agree"]])
def test_invalid_stance_is_refused(consultation, post, ana, beto, stance):
    comment = post(ana, consultation)
    with pytest.raises(Invalid) as invalid:
        actions.do_react(beto, comment, stance)
    assert set(invalid.value.errors) == {"stance"}
    assert not Reaction.objects.exists()


def test_anonymous_and_inactive_cannot_react(consultation, post, ana, make_user):
    comment = post(ana, consultation)
    for user in (AnonymousUser(), make_user(CITIZEN, is_active=False)):
        with pytest.raises(NotAllowed):
            actions.do_react(user, comment, "agree")
    assert not Reaction.objects.exists()


def test_reacting_to_a_deleted_comment_is_refused(consultation, post, ana, beto):
    comment = post(ana, consultation)
    actions.do_delete_comment(ana, comment)
    with pytest.raises(NotAllowed):
        actions.do_react(beto, comment, "agree")
    assert not Reaction.objects.exists()


def test_reacting_after_the_consultation_closed_is_refused(consultation, post, ana, beto):
    comment = post(ana, consultation)
    close(consultation)
    with pytest.raises(NotAllowed):
        actions.do_react(beto, comment, "agree")
    assert Comment.objects.get(pk=comment.pk).agree_count == 0


# --- The change counter -------------------------------------------------------


def test_seq_grows_by_one_per_write_and_per_consultation(
    consultation, other_consultation, post, ana, beto
):
    a1 = post(ana, consultation)
    b1 = post(ana, other_consultation)
    a2 = post(beto, consultation, parent=a1.pk)
    assert (a1.seq, a2.seq, b1.seq) == (1, 2, 1)
    actions.do_edit_comment(ana, a1, body="Editado.")
    actions.do_react(beto, a1, "agree")
    actions.do_delete_comment(beto, a2)
    assert last_seq(consultation) == 5
    assert last_seq(other_consultation) == 1
    assert dict(Comment.objects.filter(consultation=consultation).values_list("pk", "seq")) == {
        a1.pk: 4,
        a2.pk: 5,
    }


def test_refused_writes_do_not_advance_seq(consultation, post, ana, beto):
    comment = post(ana, consultation)
    attempts = [
        lambda: actions.do_post_comment(beto, consultation, body="", question=comment.question_id),
        lambda: actions.do_edit_comment(beto, comment, body="Ajeno."),
        lambda: actions.do_react(ana, comment, "agree"),
        lambda: actions.do_react(beto, comment, "nope"),
        lambda: actions.do_delete_comment(beto, comment),
    ]
    for attempt in attempts:
        with pytest.raises((Invalid, NotAllowed)):
            attempt()
    assert last_seq(consultation) == 1


# --- Rate limits --------------------------------------------------------------


LIMITS = {"interval": 15, "new_account_interval": 60, "new_account_days": 3}


@pytest.fixture
def limits(settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = dict(LIMITS)


@pytest.fixture
def veteran(make_user):
    return make_user(CITIZEN, date_joined=timezone.now() - timedelta(days=30))


@pytest.fixture
def newcomer(make_user):
    return make_user(CITIZEN, date_joined=timezone.now() - timedelta(hours=1))


def say(user, consultation, body="Opino algo más."):
    return actions.do_post_comment(
        user, consultation, body=body, question=first_question(consultation)
    )


def age(comment, seconds):
    Comment.objects.filter(pk=comment.pk).update(
        created=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_second_post_at_once_is_rate_limited_with_the_full_interval(
    consultation, veteran, limits
):
    say(veteran, consultation)
    with pytest.raises(RateLimited) as limited:
        say(veteran, consultation)
    assert limited.value.status == 429
    assert limited.value.retry_after == 15
    assert Comment.objects.count() == 1
    assert last_seq(consultation) == 1


def test_rate_limit_boundaries_for_established_accounts(consultation, veteran, limits):
    first = say(veteran, consultation)
    age(first, 14)
    with pytest.raises(RateLimited) as limited:
        say(veteran, consultation)
    assert limited.value.retry_after == 1
    age(first, 15)
    say(veteran, consultation)
    assert Comment.objects.filter(author=veteran).count() == 2


def test_new_accounts_wait_longer(consultation, newcomer, limits):
    first = say(newcomer, consultation)
    with pytest.raises(RateLimited) as limited:
        say(newcomer, consultation)
    assert limited.value.retry_after == 60
    age(first, 30)
    with pytest.raises(RateLimited) as limited:
        say(newcomer, consultation)
    assert 29 <= limited.value.retry_after <= 30
    age(first, 59)
    with pytest.raises(RateLimited) as limited:
        say(newcomer, consultation)
    assert limited.value.retry_after == 1
    age(first, 60)
    say(newcomer, consultation)
    assert Comment.objects.filter(author=newcomer).count() == 2


@pytest.mark.parametrize(
    ("joined_days_ago", "expected_wait"),
    [(3 - 1 / 24, 60), (3 + 1 / 24, 15)],
    ids=["just-under-3-days", "just-over-3-days"],
)
def test_new_account_age_boundary(consultation, make_user, limits, joined_days_ago, expected_wait):
    user = make_user(CITIZEN, date_joined=timezone.now() - timedelta(days=joined_days_ago))
    say(user, consultation)
    with pytest.raises(RateLimited) as limited:
        say(user, consultation)
    assert limited.value.retry_after == expected_wait


def test_replies_count_towards_the_rate_limit(consultation, veteran, ana, limits):
    top = say(ana, consultation)
    actions.do_post_comment(veteran, consultation, body="Respondo.", parent=top.pk)
    with pytest.raises(RateLimited):
        actions.do_post_comment(veteran, consultation, body="Otra vez.", parent=top.pk)
    assert Comment.objects.get(pk=top.pk).reply_count == 1


def test_the_rate_limit_spans_consultations(consultation, other_consultation, veteran, limits):
    say(veteran, consultation)
    with pytest.raises(RateLimited):
        say(veteran, other_consultation)
    assert not Comment.objects.filter(consultation=other_consultation).exists()


def test_the_rate_limit_is_per_person(consultation, veteran, make_user, limits):
    say(veteran, consultation)
    other = make_user(CITIZEN, date_joined=timezone.now() - timedelta(days=30))
    say(other, consultation)
    assert Comment.objects.count() == 2


def test_edits_and_reactions_are_not_rate_limited(consultation, veteran, ana, limits):
    mine = say(veteran, consultation)
    age(mine, 100)
    theirs = say(ana, consultation)
    say(veteran, consultation)  # now rate limited for posting
    actions.do_edit_comment(veteran, mine, body="Corrijo mi comentario.")
    actions.do_react(veteran, theirs, "agree")
    assert Comment.objects.get(pk=theirs.pk).agree_count == 1


def test_zero_interval_disables_the_limit(consultation, newcomer, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 0,
        "new_account_interval": 0,
        "new_account_days": 3,
    }
    for n in range(3):
        say(newcomer, consultation, body=f"Comentario {n}.")
    assert Comment.objects.count() == 3


# --- Broadcasts on commit -----------------------------------------------------


def test_post_is_broadcast_only_on_commit(
    consultation, ana, listen, django_capture_on_commit_callbacks, no_rate_limits
):
    listener = listen(consultation)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = say(ana, consultation, body="En vivo.")
        assert listener.events() == []
    # The comment's indexing, the broadcast, and its followers' notices.
    assert len(callbacks) == 3
    assert listener.events() == []  # still not committed
    for callback in callbacks:
        callback()
    events = listener.events()
    assert len(events) == 1
    assert events[0]["type"] == "comment.created"
    assert events[0]["cursor"] == comment.seq == 1
    assert events[0]["comment"] == dict(comment_data(Comment.objects.get(pk=comment.pk)))


@pytest.mark.parametrize(
    ("write", "kind"),
    [
        (
            lambda c, author, other: actions.do_edit_comment(author, c, body="Nuevo."),
            "comment.updated",
        ),
        (lambda c, author, other: actions.do_delete_comment(author, c), "comment.removed"),
        (lambda c, author, other: actions.do_react(other, c, "agree"), "reactions.updated"),
    ],
    ids=["edit", "delete", "react"],
)
def test_each_write_broadcasts_its_event_with_its_cursor(
    consultation, post, ana, beto, listen, django_capture_on_commit_callbacks, write, kind
):
    comment = post(ana, consultation)
    listener = listen(consultation)
    with django_capture_on_commit_callbacks(execute=True):
        write(comment, ana, beto)
    events = listener.events()
    assert [e["type"] for e in events] == [kind]
    fresh = Comment.objects.get(pk=comment.pk)
    assert events[0]["cursor"] == fresh.seq == 2
    assert events[0]["comment"] == dict(comment_data(fresh))


def test_reply_event_carries_the_thread_fields(
    consultation, post, ana, beto, listen, django_capture_on_commit_callbacks
):
    top = post(ana, consultation)
    listener = listen(consultation)
    with django_capture_on_commit_callbacks(execute=True):
        reply = post(beto, consultation, parent=top.pk)
    (event,) = listener.events()
    assert event["comment"]["id"] == reply.pk
    assert (event["comment"]["parent"], event["comment"]["root"], event["comment"]["depth"]) == (
        top.pk,
        top.pk,
        1,
    )


def test_failed_actions_broadcast_nothing(
    consultation, closed_consultation, post, ana, beto, listen, django_capture_on_commit_callbacks
):
    comment = post(ana, consultation)
    listener = listen(consultation)
    closed_listener = listen(closed_consultation)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for attempt in (
            lambda: say(AnonymousUser(), consultation),
            lambda: say(ana, closed_consultation),
            lambda: actions.do_post_comment(ana, consultation, body="", question=1),
            lambda: actions.do_edit_comment(beto, comment, body="Ajeno."),
            lambda: actions.do_delete_comment(beto, comment),
            lambda: actions.do_react(ana, comment, "agree"),
            lambda: actions.do_react(beto, comment, "mal"),
        ):
            with pytest.raises((Invalid, NotAllowed)):
                attempt()
    assert callbacks == []
    assert listener.events() == []
    assert closed_listener.events() == []


def test_a_no_op_edit_broadcasts_nothing(
    consultation, post, ana, listen, django_capture_on_commit_callbacks
):
    comment = post(ana, consultation, body="Sin cambios.")
    listener = listen(consultation)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.do_edit_comment(ana, comment, body="Sin cambios.")
    assert callbacks == []
    assert listener.events() == []


def test_a_write_rolled_back_by_its_caller_broadcasts_nothing(
    consultation, ana, listen, django_capture_on_commit_callbacks, no_rate_limits
):
    listener = listen(consultation)

    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        say(ana, consultation)
        raise Abort
    assert callbacks == []
    assert listener.events() == []
    assert not Comment.objects.exists()


def test_broadcasts_go_to_the_comments_consultation_only(
    consultation,
    other_consultation,
    ana,
    listen,
    django_capture_on_commit_callbacks,
    no_rate_limits,
):
    here, elsewhere = listen(consultation), listen(other_consultation)
    with django_capture_on_commit_callbacks(execute=True):
        say(ana, consultation)
    assert [e["type"] for e in here.events()] == ["comment.created"]
    assert elsewhere.events() == []


def test_a_channel_layer_that_fails_costs_the_event_not_the_write(
    consultation, ana, settings, django_capture_on_commit_callbacks, no_rate_limits
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": "redis://127.0.0.1:1/0", "socket_connect_timeout": 1}]
            },
        }
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        comment = say(ana, consultation)
    # The broadcast (which failed), the indexing and the followers' notices.
    assert len(callbacks) == 3
    assert Comment.objects.filter(pk=comment.pk).exists()


# --- Concurrency (real transactions, several connections) ---------------------


def run_in_threads(count, work):
    """Run work(i) in `count` threads started together; return (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results, errors


def waiting_on_locks():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def hold_counter_until_all_wait(consultation_id, count, start):
    """Hold the consultation's change counter locked while `start()` launches
    `count` writers, until all of them wait for it (or 10 s pass); return how
    many were seen waiting."""
    seen = 0
    with transaction.atomic():
        ConsultationActivity.objects.select_for_update().get(pk=consultation_id)
        threads = start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            seen = waiting_on_locks()
            if seen >= count:
                break
            time.sleep(0.02)
    for thread in threads:
        thread.join(timeout=30)
    return seen


@pytest.mark.postgres_only
def test_concurrent_replies_to_one_parent_all_succeed(
    live_consultation, make_user, settings, memory_layer
):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 0,
        "new_account_interval": 0,
        "new_account_days": 0,
    }
    count = 8
    author = make_user(CITIZEN)
    repliers = [make_user(CITIZEN) for _ in range(count)]
    parent = say(author, live_consultation, body="¿Qué opinan?")
    holder = {}

    def start():
        threads, results, errors = run_in_threads(
            count,
            lambda i: (
                actions.do_post_comment(
                    repliers[i], live_consultation, body=f"Respuesta {i}.", parent=parent.pk
                ).pk
            ),
        )
        holder.update(results=results, errors=errors)
        return threads

    waiting = hold_counter_until_all_wait(live_consultation.pk, count, start)
    assert holder["errors"] == [None] * count
    assert waiting == count  # they really ran at the same time
    replies = Comment.objects.filter(parent=parent)
    assert sorted(replies.values_list("pk", flat=True)) == sorted(holder["results"])
    seqs = sorted(replies.values_list("seq", flat=True))
    assert seqs == list(range(2, 2 + count))
    assert last_seq(live_consultation) == 1 + count
    parent.refresh_from_db()
    assert parent.reply_count == count
    assert all(r.root_id == parent.pk and r.depth == 1 for r in replies)


@pytest.mark.postgres_only
def test_concurrent_first_comments_on_a_fresh_consultation_all_succeed(
    live_consultation, make_user, settings, memory_layer
):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 0,
        "new_account_interval": 0,
        "new_account_days": 0,
    }
    count = 8
    users = [make_user(CITIZEN) for _ in range(count)]
    assert last_seq(live_consultation) == 0
    threads, results, errors = run_in_threads(
        count, lambda i: say(users[i], live_consultation, body=f"Primero {i}.").seq
    )
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [None] * count
    assert sorted(results) == list(range(1, count + 1))
    assert last_seq(live_consultation) == count


@pytest.mark.postgres_only
def test_concurrent_posts_by_one_person_respect_the_rate_limit(
    live_consultation, make_user, settings, memory_layer
):
    settings.PUENTE_COMMENT_RATE_LIMITS = dict(LIMITS)
    count = 8
    author = make_user(CITIZEN, date_joined=timezone.now() - timedelta(days=30))
    other = make_user(CITIZEN)
    say(other, live_consultation)  # the counter row exists
    holder = {}

    def start():
        threads, results, errors = run_in_threads(
            count, lambda i: say(author, live_consultation, body=f"Ráfaga {i}.").pk
        )
        holder.update(results=results, errors=errors)
        return threads

    hold_counter_until_all_wait(live_consultation.pk, count, start)
    assert Comment.objects.filter(author=author).count() == 1
    assert sum(isinstance(e, RateLimited) for e in holder["errors"]) == count - 1
