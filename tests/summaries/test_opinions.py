"""Opinion groups on the database side (summaries/opinions.py): the reactions
the analysis reads, the analysis stored per consultation and question at the
consultation's cursor, and its refresh in the background. The data is made
through the comment and moderation actions, as people would make it."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks.backends.dummy import DummyBackend
from django_tasks.signals import task_enqueued

from accounts.roles import CITIZEN, MODERATOR
from comments.actions import do_post_comment, do_react
from comments.models import ConsultationActivity, Reaction
from consultations.models import ConsultationPage, ConsultationQuestion
from moderation.actions import do_decide
from summaries import opinions
from summaries.models import WHOLE_CONSULTATION, OpinionGroups, OpinionGroupsRefresh
from summaries.opinions import (
    StoredGroups,
    reaction_arrays,
    refresh,
    request_refresh,
    stale_consultation_ids,
    stored,
)
from summaries.tasks import refresh_opinion_groups
from tests.factories import ensure_site

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
VOTE = {"agree": 1, "disagree": -1, "pass": 0}
# Six people in each camp; each camp agrees with its own three comments and
# disagrees with (or passes on) the other camp's: six reactions a person, all
# there are in the consultation.
CAMP_SIZE = 6


@pytest.fixture(autouse=True)
def _no_limits(no_rate_limits):
    pass


def cursor_of(consultation):
    found = ConsultationActivity.objects.filter(pk=consultation.pk)
    return found.values_list("last_seq", flat=True).first() or 0


def fresh(consultation):
    """The page as a new request loads it (no cached questions)."""
    return ConsultationPage.objects.get(pk=consultation.pk)


def close(consultation):
    now = timezone.now()
    ConsultationPage.objects.filter(pk=consultation.pk).update(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(seconds=1)
    )
    return fresh(consultation)


def triples(arrays):
    return sorted(zip(*(array.tolist() for array in arrays), strict=True))


class World:
    """Two authors' comments on two questions and a section, a reply, and two
    camps of reactors who vote alike within the camp and oppositely across."""

    def __init__(self, make_consultation, make_user):
        self.consultation = make_consultation(
            questions=["¿Qué cambiarías?", "¿Qué falta?"], sections=[("Plazos", "Seis meses.")]
        )
        self.q1, self.q2 = (q.pk for q in self.consultation.ordered_questions)
        section = self.consultation.ordered_sections[0].pk
        self.authors = [make_user(CITIZEN), make_user(CITIZEN)]
        self.moderator = make_user(MODERATOR)
        self.camps = [[make_user(CITIZEN) for _ in range(CAMP_SIZE)] for _ in range(2)]
        post = self.post
        # Camp 0 agrees with a*, camp 1 with b*.
        self.a = [post(0, question=self.q1), post(0, question=self.q2)]
        self.b = [post(1, question=self.q1), post(1, question=self.q2)]
        self.reply = post(1, parent=self.a[0].pk)  # on q1, through its parent
        self.b.append(self.reply)
        self.a.append(post(0, section=section))
        for camp, mine, theirs in ((0, self.a, self.b), (1, self.b, self.a)):
            for j, person in enumerate(self.camps[camp]):
                for comment in mine:
                    do_react(person, comment, "agree")
                for i, comment in enumerate(theirs):
                    # A few pass on one of the other camp's comments: people
                    # alike, not identical.
                    do_react(person, comment, "pass" if i == j < 3 else "disagree")
        # One pass, so that all three stances are read.
        do_react(self.authors[1], self.a[1], "pass")

    def post(self, author, **anchor):
        return do_post_comment(self.authors[author], self.consultation, body="Una idea.", **anchor)

    def expected(self, comments=None):
        wanted = {c.pk for c in comments} if comments is not None else None
        return sorted(
            (reaction.user_id, reaction.comment_id, VOTE[reaction.stance])
            for reaction in Reaction.objects.filter(comment__consultation=self.consultation)
            if wanted is None or reaction.comment_id in wanted
        )


@pytest.fixture
def world(make_consultation, make_user):
    return World(make_consultation, make_user)


@pytest.fixture
def small(make_consultation, make_user):
    """One comment, one reaction."""
    consultation = make_consultation(questions=["¿Qué cambiarías?"])
    comment = do_post_comment(
        make_user(CITIZEN),
        consultation,
        body="Una idea.",
        question=consultation.ordered_questions[0].pk,
    )
    reactor = make_user(CITIZEN)
    do_react(reactor, comment, "agree")
    return consultation, comment, reactor


@pytest.fixture
def dummy_tasks(settings):
    """Tasks are queued and nothing runs them (as with a worker that is
    busy): what was queued is in default_task_backend.results."""
    settings.TASKS = DUMMY_TASKS
    return default_task_backend


def queued(backend):
    """The refreshes queued (comment writes queue their indexing too)."""
    return [r.args for r in backend.results if r.task.name == refresh_opinion_groups.name]


# --- The reactions the analysis reads -----------------------------------------


@pytest.mark.django_db
def test_arrays_are_the_reactions_on_published_comments_with_their_votes(world):
    arrays = reaction_arrays(world.consultation.pk)
    assert [array.dtype.kind for array in arrays] == ["i", "i", "i"]
    assert triples(arrays) == world.expected()
    assert len(arrays[0]) == 2 * CAMP_SIZE * 6 + 1
    assert sorted(set(arrays[2].tolist())) == [-1, 0, 1]
    # Sorted by person, then comment: the same reactions, the same arrays.
    pairs = list(zip(arrays[0].tolist(), arrays[1].tolist(), strict=True))
    assert pairs == [t[:2] for t in triples(arrays)]


@pytest.mark.django_db
def test_hidden_and_removed_comments_and_other_consultations_are_left_out(
    world, make_consultation, make_user
):
    do_decide(world.moderator, world.a[1], action="hide", reason="abusive")
    do_decide(world.moderator, world.b[0], action="remove", reason="spam")
    other = make_consultation(questions=["¿Otra?"])
    elsewhere = do_post_comment(
        world.authors[0], other, body="Otra idea.", question=other.ordered_questions[0].pk
    )
    do_react(world.camps[0][0], elsewhere, "agree")

    kept = [world.a[0], world.a[2], world.b[1], world.reply]
    assert triples(reaction_arrays(world.consultation.pk)) == world.expected(kept)
    assert triples(reaction_arrays(other.pk)) == [(world.camps[0][0].pk, elsewhere.pk, 1)]
    # ...and counted as comments moderation took out, per scope, as Pol.is does.
    assert opinions.moderated_out(world.consultation.pk) == {
        WHOLE_CONSULTATION: 2,
        world.q2: 1,
        world.q1: 1,
    }
    assert opinions.moderated_out(other.pk) == {WHOLE_CONSULTATION: 0}


@pytest.mark.django_db
def test_a_question_holds_its_comments_and_their_replies(world):
    q1 = reaction_arrays(world.consultation.pk, world.q1)
    assert triples(q1) == world.expected([world.a[0], world.b[0], world.reply])
    q2 = reaction_arrays(world.consultation.pk, world.q2)
    assert triples(q2) == world.expected([world.a[1], world.b[1]])


@pytest.mark.django_db
def test_a_consultation_without_reactions_gives_empty_arrays(make_consultation):
    arrays = reaction_arrays(make_consultation().pk)
    assert [len(array) for array in arrays] == [0, 0, 0]


@pytest.mark.django_db
def test_the_arrays_are_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        reaction_arrays(world.consultation.pk)


# --- Refresh: computed and stored at the cursor --------------------------------


@pytest.mark.django_db
def test_refresh_stores_the_whole_consultation_and_each_question_at_the_cursor(world):
    cursor = cursor_of(world.consultation)
    before = timezone.now()
    rows = refresh(world.consultation.pk)

    assert [row.question for row in rows] == [WHOLE_CONSULTATION, world.q1, world.q2]
    saved = {row.question: row for row in OpinionGroups.objects.all()}
    assert sorted(saved) == sorted([WHOLE_CONSULTATION, world.q1, world.q2])
    for row in saved.values():
        assert row.cursor == cursor
        assert row.computed_at >= before and row.seconds >= 0
        assert "membership" not in row.analysis
    # Everything: twelve people and a pass; the first question: three comments.
    whole, q1 = saved[WHOLE_CONSULTATION].analysis, saved[world.q1].analysis
    assert (whole["participants"], whole["reactions"], whole["comments"]) == (13, 73, 6)
    assert (q1["participants"], q1["reactions"], q1["comments"]) == (12, 36, 3)
    assert whole["status"] == "groups"


@pytest.mark.django_db
def test_refresh_keeps_the_cursor_read_before_the_reactions(world, monkeypatch):
    """A reaction landing while refresh reads leaves the stored analysis
    behind the cursor (recomputed next time), never ahead of it."""
    cursor = cursor_of(world.consultation)
    read = opinions._read

    def read_after_a_reaction(*args, **kwargs):
        do_react(world.authors[0], world.b[1], "agree")
        return read(*args, **kwargs)

    monkeypatch.setattr(opinions, "_read", read_after_a_reaction)
    refresh(world.consultation.pk)
    assert set(OpinionGroups.objects.values_list("cursor", flat=True)) == {cursor}
    assert cursor_of(world.consultation) == cursor + 1
    assert stored(world.consultation).current is False


@pytest.mark.django_db
def test_refresh_does_nothing_when_every_scope_is_current(world, django_assert_num_queries):
    first = refresh(world.consultation.pk)
    # The page, its questions, the stored rows with the cursor.
    with django_assert_num_queries(3):
        again = refresh(world.consultation.pk)
    assert [(r.question, r.cursor, r.computed_at) for r in again] == [
        (r.question, r.cursor, r.computed_at) for r in first
    ]


@pytest.mark.django_db
def test_refresh_recomputes_after_a_reaction(world):
    refresh(world.consultation.pk)
    do_react(world.camps[0][0], world.a[0], "pass")  # from agree
    rows = refresh(world.consultation.pk)
    assert {row.cursor for row in rows} == {cursor_of(world.consultation)}
    assert OpinionGroups.objects.filter(cursor=cursor_of(world.consultation)).count() == 3


@pytest.mark.django_db
def test_refresh_follows_the_questions_on_the_page(world):
    refresh(world.consultation.pk)
    world.consultation.questions.get(pk=world.q2).delete()
    rows = refresh(world.consultation.pk)
    assert [row.question for row in rows] == [WHOLE_CONSULTATION, world.q1]
    assert sorted(OpinionGroups.objects.values_list("question", flat=True)) == sorted(
        [WHOLE_CONSULTATION, world.q1]
    )


@pytest.mark.django_db
def test_refresh_of_a_consultation_without_reactions_or_gone(make_consultation):
    consultation = make_consultation(questions=["¿Qué cambiarías?"])
    rows = refresh(consultation.pk)
    assert [(row.cursor, row.analysis["status"]) for row in rows] == [(0, "no_reactions")] * 2
    assert refresh(consultation.pk + 1000) == []


@pytest.mark.django_db
def test_one_participant_is_too_few_people(small):
    consultation, _, _ = small
    (whole, _question) = refresh(consultation.pk)
    assert whole.analysis["status"] == "too_few_people"
    assert whole.analysis["participants"] == 1


# --- Reading what is stored ---------------------------------------------------


@pytest.mark.django_db
def test_stored_is_one_query_and_says_whether_it_is_current(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert stored(world.consultation) is None
    refresh(world.consultation.pk)
    with django_assert_num_queries(1):
        whole = stored(world.consultation)
    with django_assert_num_queries(1):
        q2 = stored(world.consultation, world.q2)
    row = OpinionGroups.objects.get(question=WHOLE_CONSULTATION)
    assert whole == StoredGroups(row.analysis, row.computed_at, row.cursor, current=True)
    assert q2.analysis["comments"] == 2 and q2.current

    # Any reaction moves the cursor: what is stored is no longer current.
    do_react(world.camps[1][0], world.a[0], "agree")
    assert stored(world.consultation).current is False
    assert stored(world.consultation, world.q2).current is False
    assert stored(world.consultation).analysis == row.analysis


# --- Asking for a refresh -----------------------------------------------------


@pytest.mark.django_db
def test_a_request_queues_the_task_and_computes_nothing_itself(
    small, dummy_tasks, django_capture_on_commit_callbacks
):
    consultation, _, _ = small
    with django_capture_on_commit_callbacks(execute=True):
        assert request_refresh(consultation) is True
    assert queued(dummy_tasks) == [[consultation.pk]]
    assert not OpinionGroups.objects.exists()
    refresh_row = OpinionGroupsRefresh.objects.get()
    assert refresh_row.cursor == cursor_of(consultation)

    # What the worker then does.
    refresh_opinion_groups.call(*queued(dummy_tasks)[0])
    assert stored(consultation).current


@pytest.mark.django_db
def test_an_open_consultation_is_refreshed_at_most_once_per_interval(
    small, make_user, dummy_tasks, settings, django_capture_on_commit_callbacks
):
    settings.PUENTE_OPINION_GROUPS = {**settings.PUENTE_OPINION_GROUPS, "interval": 300}
    consultation, comment, _ = small
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert request_refresh(consultation, now=now) is True
        # Within the interval, even after the cursor moved: no second task.
        do_react(make_user(CITIZEN), comment, "disagree")
        assert request_refresh(consultation, now=now + timedelta(seconds=299)) is False
        assert request_refresh(consultation, now=now + timedelta(seconds=301)) is True
        assert request_refresh(consultation, now=now + timedelta(seconds=302)) is False
    assert queued(dummy_tasks) == [[consultation.pk]] * 2


@pytest.mark.django_db
def test_nothing_is_queued_when_the_stored_analysis_is_current(
    small, dummy_tasks, django_capture_on_commit_callbacks, django_assert_num_queries
):
    consultation, _, _ = small
    refresh(consultation.pk)
    consultation = fresh(consultation)
    consultation.ordered_questions  # noqa: B018 - loaded, as a page has them
    with django_capture_on_commit_callbacks(execute=True):
        with django_assert_num_queries(1):
            assert request_refresh(consultation, now=timezone.now() + timedelta(days=1)) is False
        closed = close(consultation)
        assert request_refresh(closed) is False
    assert queued(dummy_tasks) == []
    assert not OpinionGroupsRefresh.objects.exists()


@pytest.mark.django_db
def test_a_closed_consultation_is_refreshed_at_once_when_its_cursor_moved(
    world, dummy_tasks, django_capture_on_commit_callbacks
):
    consultation = close(world.consultation)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert request_refresh(consultation, now=now) is True
        assert request_refresh(consultation, now=now) is False  # same cursor
    refresh(consultation.pk)
    # Moderation still moves the cursor once the consultation has closed.
    do_decide(world.moderator, world.a[0], action="hide", reason="abusive")
    assert stored(consultation).current is False
    with django_capture_on_commit_callbacks(execute=True):
        # A second later, well within the interval: closed, so at once.
        assert request_refresh(consultation, now=now + timedelta(seconds=1)) is True
        assert request_refresh(consultation, now=now + timedelta(seconds=2)) is False
    assert queued(dummy_tasks) == [[consultation.pk]] * 2


@pytest.mark.django_db
def test_a_new_question_makes_the_stored_analysis_stale(small, dummy_tasks):
    consultation, _, _ = small
    refresh(consultation.pk)
    ConsultationQuestion.objects.create(page=consultation, text="¿Y otra cosa?", sort_order=5)
    assert request_refresh(fresh(consultation)) is True


@pytest.mark.django_db
def test_with_the_immediate_backend_the_task_runs_after_the_commit(
    world, django_capture_on_commit_callbacks
):
    # Development and tests: the ImmediateBackend.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert request_refresh(world.consultation) is True
    assert not OpinionGroups.objects.exists()
    for callback in callbacks:
        callback()
    assert stored(world.consultation).current
    assert stored(world.consultation, world.q1).current


class RefusingBackend(DummyBackend):
    """A task queue that is down."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionError("the task database is down")


@pytest.mark.django_db
def test_a_task_that_cannot_be_queued_lets_the_next_view_ask_again(
    small, settings, django_capture_on_commit_callbacks
):
    consultation, _, _ = small
    settings.TASKS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        assert request_refresh(consultation) is True
    # The claim is given back: not requested at any cursor.
    assert OpinionGroupsRefresh.objects.get().cursor == -1
    settings.TASKS = DUMMY_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        assert request_refresh(consultation) is True
    assert queued(default_task_backend) == [[consultation.pk]]


@pytest.mark.django_db
def test_stale_consultations_are_those_behind_their_cursor(small, make_consultation, world):
    consultation, comment, reactor = small
    quiet = make_consultation()
    assert stale_consultation_ids() == sorted([consultation.pk, world.consultation.pk])
    refresh(consultation.pk)
    refresh(quiet.pk)
    assert stale_consultation_ids() == [world.consultation.pk]
    do_react(reactor, comment, "agree")  # withdrawn
    assert stale_consultation_ids() == sorted([consultation.pk, world.consultation.pk])

    # The scheduler's safety net recomputes exactly those.
    out = StringIO()
    call_command("opinion_groups", "--stale", stdout=out)
    assert out.getvalue().startswith("2 consultations")
    assert stale_consultation_ids() == []
    with pytest.raises(CommandError, match="not both"):
        call_command("opinion_groups", str(consultation.pk), "--stale")


@pytest.fixture
def live_small(transactional_db, make_user):
    ensure_site()
    from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, home_page

    index = ConsultationIndexPageFactory(parent=home_page())
    consultation = ConsultationPageFactory(parent=index, questions=["¿Qué cambiarías?"])
    comment = do_post_comment(
        make_user(CITIZEN),
        consultation,
        body="Una idea.",
        question=consultation.ordered_questions[0].pk,
    )
    do_react(make_user(CITIZEN), comment, "agree")
    return fresh(consultation)


def test_concurrent_page_views_queue_one_refresh(live_small, settings):
    """Eight views at once (threads, each its own connection and
    transaction): one queues the task."""
    settings.TASKS = DUMMY_TASKS
    count, now = 8, timezone.now()
    live_small.ordered_questions  # noqa: B018 - loaded before the threads
    barrier = threading.Barrier(count)
    results, errors, enqueued = [None] * count, [], []

    def count_enqueued(sender, task_result, **kwargs):
        enqueued.append(task_result.args)

    def view(i):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                results[i] = request_refresh(live_small, now=now)
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    task_enqueued.connect(count_enqueued)
    try:
        threads = [threading.Thread(target=view, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        task_enqueued.disconnect(count_enqueued)
    assert errors == []
    assert sorted(results) == [False] * (count - 1) + [True]
    assert enqueued == [[live_small.pk]]
