"""The moderators' bulk action on a copy-paste campaign (the "Copy-paste
campaigns" admin page, search/admin_views.py CampaignView): hide the ticked
comments of a near-duplicate group with one reason, or give them a theme,
for campaigns of 100 and 500 comments (MAX_CAMPAIGN) among 1,000 ordinary
ones. It calls what the view calls, moderation.actions.do_bulk_decide and
do_bulk_add_tags, on the ids of the cluster search.duplicates.clusters finds,
as the page lists them. Each comment is decided in its own transaction and
its side effects (log entry, author's notice and e-mail, search index, live
update) follow. Their tasks run either in the request (the immediate backend
of development and tests) or are queued in the database for a worker (as in
production: the request's own share). Wall time and SQL queries, in total
and per comment; every query is counted, not only the debug log's last
9,000."""

import random
import time
from datetime import timedelta

from django.core import mail
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.roles import CITIZEN, MODERATOR
from comments.models import Comment, CommentStatus, ConsultationActivity
from comments.rules import readable_statuses
from moderation import actions
from moderation.models import FlagReason
from search import duplicates
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    ensure_site,
)

SIZES = (100, 500)
ACTIONS = ("hide", "tag")
# Where the side effects' tasks run: in the request, as in development and
# tests (settings/base.py), or queued in the database for a worker, as in
# production (settings/production.py): the request's own share.
TASKS = (
    ("in request", "django_tasks.backends.immediate.ImmediateBackend"),
    ("queued", "django_tasks_db.DatabaseBackend"),
)
AUTHORS = 150
OTHER_COMMENTS = 1_000
CAMPAIGN_TEXT = (
    "No a la ciclovía de la avenida Juárez: quita carriles a los coches, "
    "afecta a los comercios de la zona y nadie en la colonia la pidió. "
    "Exigimos que se cancele el proyecto y se consulte de verdad a los vecinos."
)
# Small edits, as campaigns make to slip past exact matching.
EDITS = ("", " ¡Ya basta!", " Firmo.", " #NoALaCiclovía", " Saludos.")
# Ordinary comments are each worded their own way: random words from these.
VOCABULARY = [
    word
    for line in (
        "ciclovía avenida plazo presupuesto colonia vecinos comercio sombra árboles",
        "banqueta cruce semáforo escuela mercado transporte camión ruta parada noche",
        "seguridad luz mantenimiento obra ruido polvo lluvia drenaje parque bicicleta",
        "peatón rampa silla ruedas niñas niños personas mayores horario fin semana",
        "propongo creo falta sobra mejor peor claro dudo apoyo rechazo medir avance",
        "mesa seguimiento consulta borrador párrafo texto dinero costo empleo zona centro",
    )
    for word in line.split()
]


class QueryCounter:
    """Counts every query on the connection: the debug log is bounded (9,000
    entries), and a campaign of 500 runs more than that."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(index, authors, size, rng):
    """A consultation with OTHER_COMMENTS ordinary comments and a campaign of
    `size` near-identical ones by many accounts, with near-duplicate keys as
    the search index keeps them."""
    page = ConsultationPageFactory(parent=index, questions=["¿Qué opinas de la ciclovía?"])
    question = page.questions.first()
    now = timezone.now()
    total = OTHER_COMMENTS + size
    campaign = set(rng.sample(range(total), size))
    comments = [
        Comment(
            consultation=page,
            question=question,
            author=rng.choice(authors),
            body=(
                CAMPAIGN_TEXT + rng.choice(EDITS)
                if n in campaign
                else " ".join(rng.choices(VOCABULARY, k=rng.randint(10, 40)))
            ),
            status=CommentStatus.PUBLISHED,
            created=now - timedelta(minutes=total - n),
            seq=n + 1,
        )
        for n in range(total)
    ]
    Comment.objects.bulk_create(comments, batch_size=2_000)
    Comment.objects.filter(consultation=page).update(root_id=F("pk"))
    ConsultationActivity.objects.update_or_create(
        consultation_id=page.pk, defaults={"last_seq": total}
    )
    duplicates.refresh(comments)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return page


def campaign_ids(moderator, page, size):
    """The ids the moderator ticks: the page's largest cluster, all of it."""
    found = duplicates.clusters(readable_statuses(moderator), consultation=page)
    assert found and found[0].size == size, [c.size for c in found]
    return [str(c.pk) for c in found[0].comments]


def act(action, moderator, ids):
    if action == "tag":
        return actions.do_bulk_add_tags(
            moderator, ids, ["campaña ciclovía"], maximum=actions.MAX_CAMPAIGN
        )
    return actions.do_bulk_decide(
        moderator,
        ids,
        action="hide",
        reason=FlagReason.SPAM,
        note="Campaña de copiar y pegar.",
        maximum=actions.MAX_CAMPAIGN,
    )


def measure(action, tasks, moderator, ids):
    size = len(ids)
    mail.outbox = []
    queued = DBTaskResult.objects.count()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        outcome = act(action, moderator, ids)
        elapsed = time.perf_counter() - start
    assert all(why is None for why in outcome.values()), outcome
    if action == "hide":
        hidden = Comment.objects.filter(pk__in=ids, status=CommentStatus.HIDDEN)
        assert hidden.count() == size
    return {
        "comments": size,
        "action": action,
        "tasks": tasks,
        "seconds": round(elapsed, 2),
        "ms per comment": round(elapsed * 1000 / size, 1),
        "queries": counter.count,
        "queries per comment": round(counter.count / size, 1),
        "e-mails sent": len(mail.outbox),
        "tasks queued": DBTaskResult.objects.count() - queued,
    }


def run():
    rng = random.Random(16)
    index = ConsultationIndexPageFactory(parent=ensure_site())
    authors = [UserFactory(roles=[CITIZEN]) for _ in range(AUTHORS)]
    moderator = UserFactory(roles=[MODERATOR])
    rows = []
    for size in SIZES:
        for action in ACTIONS:
            for tasks, backend in TASKS:
                page = build(index, authors, size, rng)
                ids = campaign_ids(moderator, page, size)
                with override_settings(TASKS={"default": {"BACKEND": backend}}):
                    rows.append(measure(action, tasks, moderator, ids))
    return rows
