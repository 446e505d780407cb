"""An installed database upgrades with `migrate` and loses nothing: the
response and commitments moved from consultations to responses, notices
from moderation to notifications, their tables and rows untouched, their
content types (permissions, Wagtail's log) carried along."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.roles import CITIZEN
from comments import actions as comment_actions
from notifications.models import Notice
from responses.models import Commitment, CommitmentUpdate, Response, ResponseItem

BEFORE = [
    ("consultations", "0004_response_and_commitments"),
    ("moderation", "0004_notice_for_responses"),
    ("comments", "0005_themes"),
    ("responses", None),
    ("notifications", None),
]
MOVED = {
    ("consultations", "responses"): ["response", "responseitem", "commitment", "commitmentupdate"],
    ("moderation", "notifications"): ["notice"],
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    applied = [target for target in targets if target[1] is not None]
    return MigrationExecutor(connection).loader.project_state(applied).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


# serialized_rollback: the page tree migrations made, whatever test ran before.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrate_keeps_every_row_of_the_moved_models(make_consultation, make_user, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 0,
        "new_account_interval": 0,
        "new_account_days": 0,
    }
    now = timezone.now()
    page = make_consultation(questions=["¿Qué cambiarías?"])
    question = page.ordered_questions[0]
    author, planner = make_user(CITIZEN), make_user()
    comment = comment_actions.do_post_comment(
        author, page, body="Más ciclovías en el centro, por favor.", question=question.pk
    )

    # The database as it was before the move, written with its own models.
    old = migrate(BEFORE)
    for (was, now_in), models in MOVED.items():
        ContentType.objects.filter(app_label=now_in, model__in=models).update(app_label=was)
    permission = Permission.objects.get(
        content_type__app_label="consultations", codename="change_response"
    )
    response = old.get_model("consultations", "Response").objects.create(
        consultation_id=page.pk,
        introduction="Esto escuchamos.",
        created=now - timedelta(days=2),
        updated=now,
        published_at=now,
        published_by_id=planner.pk,
    )
    item = old.get_model("consultations", "ResponseItem").objects.create(
        response=response,
        question_id=question.pk,
        what_you_said="Más ciclovías.",
        what_we_will_do="Diez kilómetros nuevos.",
    )
    item.comments.add(comment.pk)
    commitment = old.get_model("consultations", "Commitment").objects.create(
        response=response, title="Ciclovías", created=now
    )
    commitment.items.add(item)
    old.get_model("consultations", "CommitmentUpdate").objects.create(
        commitment=commitment,
        date=date(2026, 12, 1),
        text="Licitación publicada.",
        status="in_progress",
        progress=20,
        created=now,
        author_id=planner.pk,
    )
    old.get_model("moderation", "Notice").objects.create(
        user_id=author.pk, comment_id=comment.pk, kind="response", created=now
    )

    migrate(latest())

    moved = Response.objects.get()
    assert (moved.pk, moved.consultation_id, moved.published_by_id) == (
        response.pk,
        page.pk,
        planner.pk,
    )
    assert moved.is_published and moved.introduction == "Esto escuchamos."
    moved_item = ResponseItem.objects.get()
    assert list(moved_item.comments.values_list("pk", flat=True)) == [comment.pk]
    assert moved_item.question_id == question.pk
    moved_commitment = Commitment.objects.get()
    assert list(moved_commitment.items.all()) == [moved_item]
    update = CommitmentUpdate.objects.get()
    assert (update.commitment_id, update.progress, update.author_id) == (
        moved_commitment.pk,
        20,
        planner.pk,
    )
    notice = Notice.objects.get()
    assert (notice.user_id, notice.comment_id, notice.kind) == (author.pk, comment.pk, "response")
    # The content types moved with them, and with them their permissions.
    for (was, now_in), models in MOVED.items():
        assert not ContentType.objects.filter(app_label=was, model__in=models).exists()
        assert ContentType.objects.filter(app_label=now_in, model__in=models).count() == len(models)
    permission.refresh_from_db()
    assert permission.content_type.app_label == "responses"
