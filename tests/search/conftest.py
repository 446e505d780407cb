"""Fixtures for the search tests: one hand-made set of comments whose words,
anchors, statuses, flags, themes and dates are known, written once per test
module (each test's own writes roll back to it), and every available backend
holding it: "database" always (PostgreSQL full text or SQLite FTS5, whichever
the database is) and "elasticsearch" when ELASTICSEARCH_URL is set, in an
index of its own that is dropped afterwards."""

import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from accounts.roles import CITIZEN, MODERATOR
from comments.models import Comment, CommentStatus
from moderation.models import Flag, FlagReason
from search.backends import get_backend
from search.documents import load_docs
from search.query import INDEXED_STATUSES, SearchQuery, parse_text
from tests.comments.conftest import (  # noqa: F401 - fixtures for the worker test
    live_consultation,
    live_home,
)
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    home_page,
)

# What a moderator may see, and what a citizen or a planner may see.
MODERATOR_VIEW = tuple(str(status) for status in INDEXED_STATUSES)
PUBLIC_VIEW = (str(CommentStatus.PUBLISHED),)

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

PUBLISHED, HIDDEN, REMOVED, HELD, DELETED = (
    CommentStatus.PUBLISHED,
    CommentStatus.HIDDEN,
    CommentStatus.REMOVED,
    CommentStatus.HELD,
    CommentStatus.DELETED,
)
SPAM, ABUSIVE, OFF_TOPIC, MISINFORMATION = (
    FlagReason.SPAM,
    FlagReason.ABUSIVE,
    FlagReason.OFF_TOPIC,
    FlagReason.MISINFORMATION,
)

FILLER = " ".join(["Relleno sin interés alguno."] * 60)


@dataclass(frozen=True)
class Spec:
    """One comment of the data set. `anchor` is ("q" | "s", position) in its
    consultation; `hours` after T0 is when it was written; `flags` is one
    reason per flagger."""

    key: str
    consultation: str
    anchor: tuple[str, int]
    author: str
    status: str
    hours: int
    body: str
    flags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    parent: str | None = None


SPECS = (
    Spec("acc", "A", ("q", 0), "ana", PUBLISHED, 1,
         "La participación ciudadana es clave para el barrio.", tags=("Movilidad",)),
    Spec("unacc", "A", ("q", 0), "beto", PUBLISHED, 2,
         "Pedimos mas participacion de los vecinos en las decisiones."),
    Spec("plural", "A", ("s", 0), "carla", PUBLISHED, 3,
         "Las participaciones recibidas muestran mucho interés."),
    Spec("upper", "B", ("q", 0), "beto", PUBLISHED, 4, "PARTICIPACIÓN REAL, NO DE PAPEL."),
    Spec("bike", "B", ("q", 0), "ana", PUBLISHED, 5,
         "La movilidad en bicicleta necesita una ciclovía segura.",
         flags=(SPAM, OFF_TOPIC), tags=("movilidad", "Seguridad")),
    Spec("policy", "A", ("q", 1), "beto", PUBLISHED, 6,
         "This policy should protect cyclists.", tags=("Seguridad",)),
    Spec("policies", "B", ("s", 0), "carla", PUBLISHED, 7,
         "We need better policies for buses.", flags=(MISINFORMATION,)),
    Spec("phrase", "A", ("q", 0), "carla", PUBLISHED, 8,
         "Queremos transporte público gratuito para todos."),
    Spec("shuffled", "A", ("q", 1), "ana", PUBLISHED, 9,
         "El transporte gratuito no siempre es público en esta ciudad."),
    Spec("html", "B", ("q", 0), "carla", PUBLISHED, 10,
         "Sobre el aparcamiento: <script>alert(1)</script> fin."),
    Spec("reply", "A", ("q", 0), "beto", PUBLISHED, 11,
         "Estoy de acuerdo con la participación y la movilidad.", parent="acc"),
    Spec("hidden", "A", ("q", 0), "carla", HIDDEN, 12,
         "Participación oculta por moderación.", flags=(ABUSIVE, ABUSIVE),
         tags=("Movilidad",)),
    Spec("removed", "B", ("q", 0), "beto", REMOVED, 13,
         "Otra participación retirada del debate.", flags=(SPAM,)),
    Spec("held", "A", ("s", 0), "ana", HELD, 14, "Participación pendiente de revisión."),
    # Its text is kept on purpose: its status alone must keep it out.
    Spec("deleted", "A", ("q", 0), "ana", DELETED, 15, "Participación borrada por su autora."),
    # Written at the same instant: the higher id comes first.
    Spec("twin_a", "A", ("q", 1), "carla", PUBLISHED, 16, "Comentario gemelo rojo sobre bancos."),
    Spec("twin_b", "A", ("q", 1), "beto", PUBLISHED, 16, "Comentario gemelo azul sobre bancos."),
    Spec("long", "B", ("s", 0), "carla", PUBLISHED, 17,
         f"{FILLER} Un semáforo inteligente en la esquina. {FILLER}"),
)  # fmt: skip


@dataclass
class Dataset:
    consultations: dict  # "A" / "B" -> ConsultationPage
    users: dict  # name -> User
    comments: dict  # key -> Comment
    specs: dict = field(default_factory=lambda: {spec.key: spec for spec in SPECS})

    def id(self, key):
        return self.comments[key].pk

    def ids(self, *keys):
        return {self.comments[key].pk for key in keys}

    def key(self, comment_id):
        """The key of a comment id, for readable failures; the id itself for
        anything that is not in the data set."""
        for key, comment in self.comments.items():
            if comment.pk == comment_id:
                return key
        return f"<unknown id {comment_id}>"

    def keys(self, result):
        """The keys of a result's hits, in order."""
        return [self.key(hit.id) for hit in result.hits]

    def key_set(self, result):
        return set(self.keys(result))

    def question(self, consultation, position):
        return self.consultations[consultation].ordered_questions[position].pk

    def section(self, consultation, position):
        return self.consultations[consultation].ordered_sections[position].pk

    def visible(self, statuses=MODERATOR_VIEW):
        """Comments a search with these visible statuses may return."""
        return [c for c in self.comments.values() if c.status in statuses]

    def ordered_keys(self, comments):
        """Keys in the no-text order: newest first, then the higher id."""
        ordered = sorted(comments, key=lambda c: (c.created, c.pk), reverse=True)
        return [self.key(c.pk) for c in ordered]


def build_dataset():
    index = ConsultationIndexPageFactory(parent=home_page())
    consultations = {
        "A": ConsultationPageFactory(
            parent=index,
            title="Movilidad urbana",
            questions=["¿Qué cambiarías?", "¿Qué falta?"],
            sections=[("Objeto", "Qué regula."), ("Plazos", "Cuándo aplica.")],
        ),
        "B": ConsultationPageFactory(
            parent=index,
            title="Presupuesto participativo",
            questions=["¿Qué opinas?"],
            sections=[("Alcance", "A quién aplica.")],
        ),
    }
    users = {
        name: UserFactory(roles=[CITIZEN], display_name=display)
        for name, display in [("ana", "Ana Uno"), ("beto", "Beto Dos"), ("carla", "Carla Tres")]
    }
    flaggers = [UserFactory(roles=[CITIZEN]) for _ in range(3)]
    users["moderator"] = UserFactory(roles=[MODERATOR])
    comments = {}
    for spec in SPECS:
        page = consultations[spec.consultation]
        kind, position = spec.anchor
        parent = comments[spec.parent] if spec.parent else None
        comment = Comment.objects.create(
            consultation=page,
            question=page.ordered_questions[position] if kind == "q" else None,
            section=page.ordered_sections[position] if kind == "s" else None,
            parent=parent,
            depth=1 if parent else 0,
            author=users[spec.author],
            body=spec.body,
            status=spec.status,
            created=T0 + timedelta(hours=spec.hours),
            seq=0,
        )
        comment.root = parent or comment
        comment.save(update_fields=["root"])
        Flag.objects.bulk_create(
            Flag(comment=comment, user=flagger, reason=reason)
            for flagger, reason in zip(flaggers, spec.flags, strict=False)
        )
        if spec.tags:
            comment.tags.add(*spec.tags)
        comments[spec.key] = comment
    return Dataset(consultations, users, comments)


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """The data set, written once for the module in a transaction rolled back
    at its end; each test's own transaction is a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        data = build_dataset()
        yield data
        transaction.set_rollback(True)


BACKENDS = ("database", "elasticsearch")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, dataset, django_db_blocker):
    """Each backend with the data set indexed (every comment is offered,
    load_docs leaves out the deleted one)."""
    name = request.param
    if name == "elasticsearch" and not settings.ELASTICSEARCH_URL:
        pytest.skip("ELASTICSEARCH_URL is not set (run under tools/services.py)")
    with ExitStack() as stack:
        if name == "elasticsearch":
            # An index of this run's own, never the one a developer uses.
            index_name = f"puente-conformance-{uuid.uuid4().hex[:12]}"
            # Every write visible to the next search, as the assertions need.
            stack.enter_context(
                override_settings(PUENTE_SEARCH_INDEX=index_name, PUENTE_SEARCH_REFRESH=True)
            )
        chosen = get_backend(name)
        with django_db_blocker.unblock():
            chosen.clear()
            index_ids(chosen, [comment.pk for comment in dataset.comments.values()])
        try:
            yield chosen
        finally:
            with django_db_blocker.unblock():
                drop_index(chosen)


def index_ids(backend, ids):
    """What the indexing task does for these comments: index those that
    belong in the index, remove the others."""
    docs = load_docs(ids)
    if docs:
        backend.index(docs)
    gone = sorted(set(ids) - {doc.id for doc in docs})
    if gone:
        backend.remove(gone)


def drop_index(backend):
    """Remove what the test index left behind: the whole index where the
    backend can drop it, else its documents."""
    drop = getattr(backend, "drop", None) or getattr(backend, "delete_index", None)
    if drop is not None:
        drop()
    else:
        backend.clear()


def query(text="", visible=MODERATOR_VIEW, **criteria):
    """A SearchQuery as the search page builds it: the text parsed, every
    result on one page unless asked otherwise."""
    criteria.setdefault("per_page", 100)
    return SearchQuery(visible_statuses=tuple(visible), text=parse_text(text), **criteria)
