"""A hand-built consultation whose every figure is known (the expected values
are written out in test_summary.py), and each comment search backend holding
it, since the summary's significant terms come from the backend."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.roles import CITIZEN
from comments.models import Comment, CommentStatus, Reaction, Stance
from moderation.models import Flag, FlagReason
from search.backends import get_backend
from tests.factories import UserFactory
from tests.search.conftest import drop_index, index_ids

SITE_ZONE = ZoneInfo("America/Mexico_City")
P, HIDDEN, REMOVED, HELD, DELETED = (
    CommentStatus.PUBLISHED,
    CommentStatus.HIDDEN,
    CommentStatus.REMOVED,
    CommentStatus.HELD,
    CommentStatus.DELETED,
)


def local(day, hour, minute=0):
    return datetime(2024, 3, day, hour, minute, tzinfo=SITE_ZONE)


@dataclass(frozen=True)
class Spec:
    """`anchor` is q1, q2 or s1; `agree`/`disagree`/`passes` name reactors."""

    key: str
    anchor: str
    author: str
    status: str
    created: datetime
    body: str
    parent: str | None = None
    agree: tuple = ()
    disagree: tuple = ()
    passes: tuple = ()
    tags: tuple = ()
    flags: tuple = ()  # (flagger, reason)


R = tuple(f"r{n}" for n in range(1, 9))
SPECS = (
    Spec("c1", "q1", "ana", P, local(1, 10), "Una ciclovía segura en la avenida central.",
         agree=R[:6], disagree=R[6:7], tags=("Movilidad",)),
    Spec("c2", "q1", "beto", P, local(1, 11), "La ciclovía quita lugares de estacionamiento.",
         agree=R[:3], disagree=R[3:6], tags=("Movilidad", "Agua")),
    Spec("c3", "q1", "caro", P, local(2, 9), "Sí, una ciclovía con árboles y sombra.",
         parent="c1", agree=R[:1], passes=R[1:2]),
    Spec("c4", "q2", "dani", P, local(2, 12), "Más transporte público por la noche.",
         agree=R[:4], disagree=(R[4], "ana")),
    Spec("c5", "q2", "ana", HIDDEN, local(3, 8), "Compra seguidores baratos aquí.",
         agree=R[:1], tags=("Agua",), flags=(("eva", FlagReason.SPAM), ("fer", FlagReason.SPAM))),
    Spec("c6", "s1", "eva", P, local(3, 9), "El plazo del artículo dos es muy corto.",
         tags=("Agua",), flags=(("gil", FlagReason.OFF_TOPIC),)),
    Spec("c7", "s1", "fer", REMOVED, local(3, 10), "Un insulto que se retiró.",
         flags=(("ana", FlagReason.ABUSIVE),)),
    Spec("c8", "q1", "gil", HELD, local(4, 8), "Espera a un moderador todavía."),
    Spec("c9", "q2", "beto", DELETED, local(4, 9), ""),
    Spec("c10", "s1", "ana", P, local(4, 23, 30), "De acuerdo: que el plazo sea de un año.",
         parent="c6", agree=R[7:8]),
)  # fmt: skip


@dataclass
class Dataset:
    consultation: object
    other: object
    users: dict
    comments: dict
    anchors: dict

    def id(self, key):
        return self.comments[key].pk

    def ids(self, *keys):
        return [self.id(key) for key in keys]


def build(make_consultation):
    consultation = make_consultation(
        title="Ciclovías y plazos",
        opens_at=local(1, 0),
        closes_at=local(5, 0),
        questions=["¿Dónde hacen falta ciclovías?", "¿Qué transporte falta?"],
        sections=[("Plazos", "El plazo es de seis meses.")],
    )
    other = make_consultation(title="Otra consulta", questions=["¿Algo más?"])
    names = ("ana", "beto", "caro", "dani", "eva", "fer", "gil", *R)
    users = {
        name: UserFactory(roles=[CITIZEN], display_name=name.title(), email=f"{name}@example.org")
        for name in names
    }
    anchors = {
        "q1": {"question": consultation.ordered_questions[0]},
        "q2": {"question": consultation.ordered_questions[1]},
        "s1": {"section": consultation.ordered_sections[0]},
    }
    comments = {}
    for seq, spec in enumerate(SPECS, start=1):
        parent = comments.get(spec.parent)
        comment = Comment.objects.create(
            consultation=consultation,
            parent=parent,
            depth=1 if parent else 0,
            author=users[spec.author],
            body=spec.body,
            status=spec.status,
            created=spec.created,
            seq=seq,
            agree_count=len(spec.agree),
            disagree_count=len(spec.disagree),
            pass_count=len(spec.passes),
            **anchors[spec.anchor],
        )
        comment.root = parent.root if parent else comment
        comment.save(update_fields=["root"])
        if parent:
            parent.reply_count += 1
            parent.save(update_fields=["reply_count"])
        Reaction.objects.bulk_create(
            Reaction(comment=comment, user=users[name], stance=stance)
            for stance, names_ in (
                (Stance.AGREE, spec.agree),
                (Stance.DISAGREE, spec.disagree),
                (Stance.PASS, spec.passes),
            )
            for name in names_
        )
        Flag.objects.bulk_create(
            Flag(comment=comment, user=users[name], reason=reason) for name, reason in spec.flags
        )
        if spec.tags:
            comment.tags.add(*spec.tags)
        comments[spec.key] = comment
    # Another consultation's comment and reactions, which no figure may count.
    elsewhere = Comment.objects.create(
        consultation=other,
        question=other.ordered_questions[0],
        author=users["ana"],
        body="Una ciclovía en otra consulta.",
        created=local(2, 10),
        seq=1,
        agree_count=2,
    )
    elsewhere.root = elsewhere
    elsewhere.save(update_fields=["root"])
    Reaction.objects.bulk_create(
        Reaction(comment=elsewhere, user=users[name], stance=Stance.AGREE) for name in ("gil", "r1")
    )
    elsewhere.tags.add("Movilidad")
    comments["elsewhere"] = elsewhere
    return Dataset(consultation, other, users, comments, anchors)


@pytest.fixture
def data(make_consultation):
    return build(make_consultation)


@pytest.fixture(params=("database", "elasticsearch"))
def terms_backend(request, data):
    """Each comment search backend with the data set indexed."""
    name = request.param
    if name == "elasticsearch" and not settings.ELASTICSEARCH_URL:
        pytest.skip("ELASTICSEARCH_URL is not set (run under tools/services.py)")
    index_name = f"puente-summary-{uuid.uuid4().hex[:12]}"
    with override_settings(PUENTE_SEARCH_INDEX=index_name, PUENTE_SEARCH_REFRESH=True):
        backend = get_backend(name)
        backend.clear()
        index_ids(backend, [comment.pk for comment in data.comments.values()])
        try:
            yield backend
        finally:
            drop_index(backend)
