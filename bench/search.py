"""Comment search (issue 5) over 100,000 generated comments, Spanish and
English, spread over five consultations: the time of a full index rebuild on
each backend (and of its parts), the Elasticsearch bulk rate against the
batch size, the latency of twenty typical moderator searches on both
backends side by side (backend search plus hydration from the database, as
the API runs them), and the near-duplicate look-ups.

Everything is written in bulk, not through comments/actions.py, so nothing
is scheduled for indexing until the rebuild does it all at once."""

import math
import random
import signal
import statistics
import time
import unicodedata
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from comments.models import Comment, CommentStatus, ConsultationActivity, TaggedComment, Theme
from moderation.models import Flag, FlagReason
from search import duplicates, indexing, results
from search.backends import get_backend
from search.documents import iter_all_docs
from search.query import INDEXED_STATUSES, SearchQuery, parse_text
from tests.factories import ConsultationIndexPageFactory, ConsultationPageFactory, ensure_site

COMMENTS = 100_000
CONSULTATIONS = 5
CONSULTATION_WEIGHTS = (0.35, 0.25, 0.2, 0.12, 0.08)
AUTHORS = 3_000
FLAGGERS = 60
DAYS = 180
REPLY_SHARE = 0.25
ENGLISH_SHARE = 0.15
# People often type without accents; the folding has to bring them together.
UNACCENTED_SHARE = 0.2
ONE_LINER_SHARE = 0.08
LONG_SHARE = 0.1
LONG_LIMIT = 2_000
RARE_SHARE = 0.0004
FLAGGED_SHARE = 0.03
TAGGED_SHARE = 0.05
STATUS_WEIGHTS = {
    CommentStatus.PUBLISHED: 0.89,
    CommentStatus.HIDDEN: 0.04,
    CommentStatus.REMOVED: 0.02,
    CommentStatus.HELD: 0.03,
    CommentStatus.DELETED: 0.02,
}
REASON_WEIGHTS = {
    FlagReason.SPAM: 0.35,
    FlagReason.ABUSIVE: 0.2,
    FlagReason.OFF_TOPIC: 0.2,
    FlagReason.PERSONAL_DATA: 0.1,
    FlagReason.MISINFORMATION: 0.1,
    FlagReason.OTHER: 0.05,
}
THEMES = (
    "Movilidad",
    "Agua",
    "Drenaje",
    "Seguridad",
    "Parques",
    "Vivienda",
    "Presupuesto",
    "Participación",
    "Alumbrado",
    "Basura",
    "Transporte",
    "Accesibilidad",
)
# Comments per copy-paste campaign, each by as many different accounts.
CAMPAIGNS = (150, 80, 40)

SWEEP_SIZES = (250, 500, 1_000, 2_000)
# The sweep indexes a subset: the rate settles well before 20,000 documents.
SWEEP_DOCS = 20_000
WARMUP = 2
REPEATS = 20
TARGET_MS = 150
SLOW_CALL_S = 2
CALL_LIMIT_S = 30

COLONIAS = (
    "Centro",
    "San Rafael",
    "Las Águilas",
    "Santa Fe",
    "El Mirador",
    "Lomas del Río",
    "La Joya",
    "Jardines del Sur",
    "Nueva Esperanza",
    "Valle Verde",
    "San Ángel",
    "Tlacopac",
)
AVENIDAS = ("Insurgentes", "Revolución", "Juárez", "Hidalgo", "Morelos", "Constitución")
TEMAS = (
    "la ciclovía",
    "las ciclovías",
    "el transporte público",
    "los camiones",
    "el agua potable",
    "el drenaje",
    "los drenajes",
    "la seguridad",
    "el alumbrado público",
    "los parques",
    "el parque",
    "la participación ciudadana",
    "el presupuesto participativo",
    "los presupuestos",
    "la vivienda",
    "las viviendas",
    "las banquetas",
    "los baches",
    "la movilidad",
    "las inundaciones",
    "la recolección de basura",
    "los espacios públicos",
    "las áreas verdes",
    "la iluminación",
)
PROBLEMAS = (
    "se inunda cada temporada de lluvias",
    "no hay suficiente iluminación",
    "los camiones pasan cada cuarenta minutos",
    "no llega el agua por las mañanas",
    "hay baches por todos lados",
    "los asaltos han aumentado",
    "no hay banquetas accesibles",
    "la basura se acumula en las esquinas",
    "el drenaje se tapa cada semana",
)
# Whole sentences, at most one per comment: independent people do not write
# the same sentence twice over, and the near-duplicate clusters must come
# from the campaigns, not from the generator.
SPANISH_FIXED = (
    "La ciclovía de la avenida {avenida} es peligrosa porque los autos se estacionan encima.",
    "El transporte público debería llegar hasta {colonia}.",
    "Cada vez que llueve el drenaje colapsa y las calles de {colonia} se inundan.",
    "Las inundaciones en {colonia} afectan a cientos de familias.",
    "Pedimos parques seguros para nuestros hijos, con juegos y vigilancia.",
    "La participación ciudadana no puede limitarse a una consulta en línea.",
    "El presupuesto debería publicarse con detalle por colonia.",
    "Se necesitan más viviendas asequibles cerca de los centros de trabajo.",
    "La seguridad en el transporte es urgente, sobre todo para las mujeres.",
    "Hay que priorizar a peatones y ciclistas sobre los automóviles.",
    "El agua potable llega turbia a {colonia} desde hace meses.",
    "Las banquetas están rotas y una persona en silla de ruedas no puede pasar.",
    "Que se reparen los baches antes de pintar nuevas ciclovías.",
    "Faltan contenedores de basura y la recolección es irregular.",
    "Las luminarias de la avenida {avenida} llevan semanas apagadas.",
    "Agradezco que se abra este espacio de participación.",
    "Propongo mesas de trabajo con los comités vecinales para revisar {tema}.",
)
SPANISH_OPENERS = (
    "Creo que",
    "Me parece que",
    "Como vecina de {colonia}, considero que",
    "Como vecino de {colonia}, pienso que",
    "Desde mi punto de vista",
    "Sinceramente",
    "La verdad es que",
    "Opino que",
    "En mi experiencia",
    "Hay que reconocer que",
    "Me preocupa que",
    "Es evidente que",
    "Según lo que vemos a diario,",
    "No entiendo por qué",
)
SPANISH_PREDICATES = (
    "necesita más mantenimiento",
    "debería ser la prioridad del próximo año",
    "está abandonado en muchas zonas",
    "no funciona como se prometió",
    "requiere más presupuesto",
    "mejoró bastante este año",
    "es insuficiente para la zona",
    "debe pensarse también para las personas mayores",
    "no aparece en el capítulo de {tema2}",
    "tendría que conectarse con {tema2}",
    "se discute sin escuchar a los vecinos",
    "depende de que haya vigilancia",
    "cuesta demasiado para lo que ofrece",
    "quedó fuera de las metas del plan",
    "merece indicadores claros de avance",
    "se ha deteriorado desde la última administración",
    "solo llega a las colonias del centro",
    "podría mejorar con poca inversión",
    "tiene que revisarse con los comités vecinales",
    "es lo que más nos afecta",
    "no se financia con claridad",
    "genera problemas de tránsito",
)
SPANISH_COMPLEMENTS = (
    "en la colonia {colonia}",
    "sobre la avenida {avenida}",
    "cerca de la escuela primaria",
    "los fines de semana",
    "por las noches",
    "desde hace {n} meses",
    "en temporada de lluvias",
    "frente al mercado de {colonia}",
    "en el cruce de {avenida} y {avenida2}",
    "en las horas pico",
    "para quienes trabajamos lejos",
    "en todo el municipio",
)
SPANISH_REASONS = (
    "porque {problema}",
    "ya que {problema}",
    "y además {problema}",
    "aunque {problema}",
)
ENGLISH_FIXED = (
    "I support the plan for more bike lanes on {avenida} Avenue.",
    "The drainage system floods every rainy season.",
    "We need safer parks and better street lighting.",
    "Housing policies must protect tenants from eviction.",
    "Sidewalks are broken and not accessible for wheelchairs.",
    "Please fix the potholes before painting new bike lanes.",
    "Citizen participation should not end with an online survey.",
    "These policies ignore the neighborhoods on the edge of the city.",
)
ENGLISH_OPENERS = (
    "I think",
    "In my opinion",
    "Honestly,",
    "As a resident of {colonia},",
    "It seems to me that",
    "Frankly,",
    "I am worried that",
    "Everyone knows that",
)
ENGLISH_SUBJECTS = (
    "the bike lanes",
    "public transport",
    "the drainage system",
    "street lighting",
    "the parks",
    "housing policy",
    "the budget",
    "the sidewalks",
    "water service",
    "citizen participation",
    "public safety",
    "garbage collection",
)
ENGLISH_PREDICATES = (
    "needs more funding",
    "is not working as promised",
    "should be the first priority",
    "has improved a lot this year",
    "is unsafe at night",
    "ignores the outer neighborhoods",
    "deserves clear targets",
    "costs too much for what it offers",
    "must include older people",
    "was left out of the plan",
)
ENGLISH_COMPLEMENTS = (
    "in {colonia}",
    "on {avenida} Avenue",
    "near the school",
    "during the rainy season",
    "at rush hour",
    "for people who work far away",
    "across the city",
)

ONE_LINERS = (
    "De acuerdo.",
    "Totalmente en contra.",
    "Muy buena propuesta.",
    "+1",
    "Agree.",
    "No estoy de acuerdo.",
    "¿Y el presupuesto?",
    "Excelente iniciativa",
    "Great idea!",
    "Me sumo.",
)
RARE = "Hay un socavón enorme en la calle {avenida} desde hace semanas."
CAMPAIGN_TEXTS = (
    "Exigimos que el presupuesto participativo de este año se destine a la rehabilitación "
    "del parque central y a más alumbrado público en nuestra colonia, y no a obras "
    "innecesarias que nadie pidió. Los vecinos merecemos ser escuchados.",
    "No a la ciclovía en la avenida principal: quita carriles a los autos, perjudica a los "
    "comercios y nadie la va a usar. Pedimos que se cancele el proyecto y que el dinero se "
    "use para reparar los baches y el drenaje.",
    "We demand safe bike lanes and reliable public transport for every neighborhood. The "
    "city must stop delaying the mobility plan and publish the budget for it now.",
)


@dataclass
class World:
    pages: list
    sections: dict  # consultation id -> [section ids]
    questions: dict  # consultation id -> [question ids]
    prolific_author: int
    campaign_comment: int
    plain_comment: int
    start: object
    now: object
    indexed: int


def strip_accents(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def fill_slots(rng, template):
    tema, tema2 = rng.sample(TEMAS, 2)
    avenida, avenida2 = rng.sample(AVENIDAS, 2)
    return template.format(
        tema=tema,
        tema2=tema2,
        colonia=rng.choice(COLONIAS),
        avenida=avenida,
        avenida2=avenida2,
        problema=rng.choice(PROBLEMAS),
        n=rng.randint(2, 11),
    )


def composed(rng, english):
    """A sentence put together from independent parts, so that two people's
    sentences rarely coincide for more than a few words."""
    if english:
        parts = [rng.choice(ENGLISH_SUBJECTS), rng.choice(ENGLISH_PREDICATES)]
        openers, complements, reasons = ENGLISH_OPENERS, ENGLISH_COMPLEMENTS, ()
    else:
        parts = [rng.choice(TEMAS), rng.choice(SPANISH_PREDICATES)]
        openers, complements, reasons = SPANISH_OPENERS, SPANISH_COMPLEMENTS, SPANISH_REASONS
    if rng.random() < 0.4:
        parts.insert(0, rng.choice(openers))
    if rng.random() < 0.5:
        parts.append(rng.choice(complements))
    if reasons and rng.random() < 0.35:
        parts.append(rng.choice(reasons))
    text = fill_slots(rng, " ".join(parts))
    return text[0].upper() + text[1:] + "."


def body(rng):
    """One comment's text: mostly one to four sentences, some long
    paragraphs, a few one-liners."""
    roll = rng.random()
    if roll < ONE_LINER_SHARE:
        return rng.choice(ONE_LINERS)
    english = rng.random() < ENGLISH_SHARE
    if roll < ONE_LINER_SHARE + LONG_SHARE:
        parts, length, limit = [], 0, rng.randint(600, LONG_LIMIT)
        while length < limit:
            parts.append(composed(rng, english))
            length += len(parts[-1]) + 1
        while length > LONG_LIMIT:
            length -= len(parts.pop()) + 1
    else:
        parts = [composed(rng, english) for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
    if len(parts) > 1 and rng.random() < 0.5:
        fixed = ENGLISH_FIXED if english else SPANISH_FIXED
        parts[rng.randrange(len(parts))] = fill_slots(rng, rng.choice(fixed))
    if rng.random() < RARE_SHARE:
        parts.insert(rng.randrange(len(parts) + 1), RARE.format(avenida=rng.choice(AVENIDAS)))
    text = " ".join(parts)
    if not english and rng.random() < UNACCENTED_SHARE:
        text = strip_accents(text)
    return text


def campaign_copy(rng, text):
    """A copy as people paste it: mostly verbatim, sometimes a greeting or
    a signature added, now and then one word dropped."""
    words = text.split()
    if rng.random() < 0.3:
        del words[rng.randrange(len(words))]
    text = " ".join(words)
    if rng.random() < 0.3:
        text = "Buenas tardes. " + text
    if rng.random() < 0.3:
        text += f" Atentamente, vecinos de {rng.choice(COLONIAS)}."
    return text


def make_users(count, prefix):
    User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{n}@example.com",
                display_name=f"{prefix.capitalize()} {n}",
                password=make_password(None),  # unusable: nobody logs in
            )
            for n in range(count)
        ],
        batch_size=2_000,
    )
    return list(
        User.objects.filter(email__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    )


def fill(rng):
    """The 100,000 comments with their replies, statuses, flags and themes."""
    index = ConsultationIndexPageFactory(parent=ensure_site())
    pages = [
        ConsultationPageFactory(
            parent=index,
            title=title,
            sections=[(f"Sección {n}", "Texto del borrador.") for n in range(4)],
            questions=[f"¿Pregunta {n}?" for n in range(3)],
        )
        for title in (
            "Plan de movilidad",
            "Agua y drenaje",
            "Seguridad y espacios públicos",
            "Presupuesto participativo",
            "Vivienda asequible",
        )[:CONSULTATIONS]
    ]
    questions = {p.pk: list(p.questions.values_list("pk", flat=True)) for p in pages}
    sections = {p.pk: list(p.sections.values_list("pk", flat=True)) for p in pages}
    authors = make_users(AUTHORS, "vecina")
    flaggers = make_users(FLAGGERS, "revisora")
    # A few people write a lot (as in any consultation): a Zipf-like spread.
    author_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(authors))]
    now = timezone.now()
    start = now - timedelta(days=DAYS)
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())

    campaign_total = sum(CAMPAIGNS)
    replies = int((COMMENTS - campaign_total) * REPLY_SHARE)
    top_count = COMMENTS - campaign_total - replies
    texts = [body(rng) for _ in range(top_count)]
    campaign_of = {}
    for number, (size, text) in enumerate(zip(CAMPAIGNS, CAMPAIGN_TEXTS, strict=True)):
        who = rng.sample(authors, size)
        for person in who:
            campaign_of[len(texts)] = (number, person)
            texts.append(campaign_copy(rng, text))

    seq = dict.fromkeys(questions, 0)
    top = []
    for position, text in enumerate(texts):
        page = pages[0] if position in campaign_of else rng.choices(pages, CONSULTATION_WEIGHTS)[0]
        if position in campaign_of:
            # A campaign posts within a few days.
            number, author = campaign_of[position]
            created = start + timedelta(days=40 * (number + 1), seconds=rng.uniform(0, 3 * 86400))
        else:
            author = rng.choices(authors, author_weights)[0]
            created = start + timedelta(seconds=rng.uniform(0, DAYS * 86400))
        seq[page.pk] += 1
        anchor = rng.random() < 0.6
        top.append(
            Comment(
                consultation=page,
                question_id=rng.choice(questions[page.pk]) if anchor else None,
                section_id=None if anchor else rng.choice(sections[page.pk]),
                author_id=author,
                body=text,
                status=rng.choices(statuses, status_weights)[0],
                created=created,
                seq=seq[page.pk],
            )
        )
    Comment.objects.bulk_create(top, batch_size=2_000)
    for comment in top:
        comment.root_id = comment.pk
    Comment.objects.bulk_update(top, ["root"], batch_size=2_000)

    children = []
    for _ in range(replies):
        parent = rng.choice(top)
        seq[parent.consultation_id] += 1
        children.append(
            Comment(
                consultation_id=parent.consultation_id,
                question_id=parent.question_id,
                section_id=parent.section_id,
                parent=parent,
                root_id=parent.pk,
                depth=1,
                author_id=rng.choices(authors, author_weights)[0],
                body=body(rng),
                status=rng.choices(statuses, status_weights)[0],
                created=min(now, parent.created + timedelta(seconds=rng.uniform(60, 5 * 86400))),
                seq=seq[parent.consultation_id],
            )
        )
        parent.reply_count += 1
    Comment.objects.bulk_create(children, batch_size=2_000)
    Comment.objects.bulk_update(
        [c for c in top if c.reply_count], ["reply_count"], batch_size=2_000
    )
    everyone = top + children
    for comment in everyone:
        # An author's deletion blanks the text.
        if comment.status == CommentStatus.DELETED:
            comment.body = ""
    Comment.objects.bulk_update(
        [c for c in everyone if c.status == CommentStatus.DELETED], ["body"], batch_size=2_000
    )
    for page in pages:
        ConsultationActivity.objects.update_or_create(
            consultation=page, defaults={"last_seq": seq[page.pk]}
        )

    reasons, reason_weights = list(REASON_WEIGHTS), list(REASON_WEIGHTS.values())
    flags = []
    campaign_ids = {top[position].pk for position in campaign_of}
    for comment in everyone:
        in_campaign = comment.pk in campaign_ids
        if rng.random() < (0.3 if in_campaign else FLAGGED_SHARE):
            for person in rng.sample(flaggers, rng.randint(1, 3)):
                reason = FlagReason.SPAM if in_campaign else rng.choices(reasons, reason_weights)[0]
                flags.append(Flag(comment=comment, user_id=person, reason=reason))
    Flag.objects.bulk_create(flags, batch_size=5_000)

    Theme.objects.bulk_create([Theme(name=name, slug=slugify(name)) for name in THEMES])
    themes = list(
        Theme.objects.filter(name__in=THEMES).order_by("name").values_list("pk", flat=True)
    )
    tagged = []
    for comment in everyone:
        if rng.random() < TAGGED_SHARE:
            for theme in rng.sample(themes, rng.choice((1, 1, 2))):
                tagged.append(TaggedComment(content_object=comment, tag_id=theme))
    TaggedComment.objects.bulk_create(tagged, batch_size=5_000)

    if connection.vendor == "postgresql":
        # As autovacuum would after a bulk load: plans follow the new sizes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    plain = next(c for c in top if c.status == CommentStatus.PUBLISHED and len(c.body) > 200)
    return World(
        pages=pages,
        sections=sections,
        questions=questions,
        prolific_author=authors[0],
        campaign_comment=top[next(iter(campaign_of))].pk,
        plain_comment=plain.pk,
        start=start,
        now=now,
        indexed=Comment.objects.filter(status__in=INDEXED_STATUSES).count(),
    )


def moderator_queries(world):
    """Twenty typical moderator searches: (label, SearchQuery)."""
    every = tuple(str(status) for status in INDEXED_STATUSES)
    first, second = world.pages[0].pk, world.pages[1].pk
    week = (world.now - timedelta(days=60), world.now - timedelta(days=53))
    month = (world.now - timedelta(days=30), world.now)

    def ask(text="", **filters):
        return SearchQuery(visible_statuses=every, text=parse_text(text), **filters)

    return [
        ("common word: agua", ask("agua")),
        ("rare word: socavón", ask("socavón")),
        ("accent folded: ciclovia", ask("ciclovia")),
        ("plural: inundaciones", ask("inundaciones")),
        ('phrase: "transporte público"', ask('"transporte público"')),
        ("two words: drenaje colonia", ask("drenaje colonia")),
        ("word + consultation", ask("seguridad", consultation=second)),
        ("word + status hidden", ask("basura", statuses=("hidden",))),
        ("word + reason spam", ask("presupuesto", reason="spam")),
        ("tag only: Movilidad", ask(tag="Movilidad")),
        ("no text + consultation", ask(consultation=first)),
        ("no text + one week", ask(created_from=week[0], created_to=week[1])),
        ("word + last 30 days", ask("parques", created_from=month[0], created_to=month[1])),
        ("author (prolific)", ask(author=world.prolific_author)),
        ("English: sidewalks", ask("sidewalks")),
        ("deep page 20: movilidad", ask("movilidad", page=20)),
        ("many matches: participación", ask("participación")),
        ("no match: xilófono", ask("xilófono")),
        ("three words: agua potable colonia", ask("agua potable colonia")),
        (
            'phrase + consultation: "participación ciudadana"',
            ask('"participación ciudadana"', consultation=first),
        ),
    ]


def percentiles(timings):
    ordered = sorted(timings)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    return statistics.median(ordered), p95


class TooSlow(Exception):
    pass


@contextmanager
def deadline(seconds):
    """Stop a call that runs past `seconds` (a pure Python loop included):
    one look-up that never ends must not stop the whole benchmark."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def stop(signum, frame):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def time_calls(function, repeats=REPEATS, warmup=WARMUP):
    """(p50 ms, p95 ms, last answer) of `repeats` calls after `warmup`; a
    first call slower than SLOW_CALL_S is the only one timed, and one past
    CALL_LIMIT_S is stopped: (None, None, None)."""
    started = time.perf_counter()
    try:
        with deadline(CALL_LIMIT_S):
            answer = function()
    except TooSlow:
        return None, None, None
    first = time.perf_counter() - started
    if first > SLOW_CALL_S:
        return first * 1000, first * 1000, answer
    for _ in range(warmup - 1):
        answer = function()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        answer = function()
        timings.append((time.perf_counter() - started) * 1000)
    return (*percentiles(timings), answer)


def latency(p50, p95):
    if p50 is None:
        return f"stopped after {CALL_LIMIT_S} s"
    return f"{p50:.1f} / {p95:.1f}" + (" MISS" if p95 > TARGET_MS else "")


@contextmanager
def timed(owner, name, spent):
    """Time every call of owner.<name> into spent[name] while inside: the
    parts of one indexing.rebuild() without running them a second time."""
    original = getattr(owner, name)
    own = name in vars(owner)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        if own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)  # uncovers the class's method again


def sweep(backend):
    """Elasticsearch bulk rate against the batch size over the first
    SWEEP_DOCS documents: loading from the database alone, then loading and
    indexing (backend.rebuild over iter_all_docs(size))."""
    rows = []
    for size in SWEEP_SIZES:
        batches = SWEEP_DOCS // size
        started = time.perf_counter()
        loaded = sum(len(batch) for batch in islice(iter_all_docs(size), batches))
        load = time.perf_counter() - started
        started = time.perf_counter()
        backend.rebuild(islice(iter_all_docs(size), batches), lambda count: None)
        total = time.perf_counter() - started
        rows.append(
            {
                "part": f"ES bulk sweep ({loaded:,} docs)",
                "measure": f"batch {size}: load+index s / docs/s (index only docs/s)",
                "database": "",
                "elasticsearch": (
                    f"{total:.1f} / {loaded / total:,.0f} ({loaded / max(total - load, 1e-9):,.0f})"
                ),
                "matches": f"load {load:.1f}s",
            }
        )
    return rows


def rebuild(name, world):
    backend = get_backend(name)
    spent = {}
    with timed(backend, "rebuild", spent), timed(duplicates, "rebuild_all", spent):
        started = time.perf_counter()
        indexing.rebuild(backend=backend)
        total = time.perf_counter() - started
    docs = world.indexed
    return {
        "rebuild total, s": f"{total:.1f}",
        "backend.rebuild, s": f"{spent['rebuild']:.1f}",
        "backend.rebuild, docs/s": f"{docs / spent['rebuild']:,.0f}",
        "duplicates.rebuild_all, s": f"{spent['rebuild_all']:.1f}",
        "total, docs/s": f"{docs / total:,.0f}",
    }


def progress(what, started):
    print(f"[{time.perf_counter() - started:4.0f} s] {what}", flush=True)


def run():
    rng = random.Random(5)
    started = time.perf_counter()
    world = fill(rng)
    progress(f"filled {COMMENTS:,} comments ({world.indexed:,} indexable)", started)
    names = ["database"]
    if settings.ELASTICSEARCH_URL:
        names.append("elasticsearch")
    rows = []
    # An alias of its own: the run leaves nothing behind in a shared server.
    with override_settings(PUENTE_SEARCH_INDEX=f"bench-search-{uuid.uuid4().hex[:8]}"):
        try:
            if "elasticsearch" in names:
                rows += sweep(get_backend("elasticsearch"))
                progress("batch size sweep", started)
            indexing_rows = {}
            for name in names:
                indexing_rows[name] = rebuild(name, world)
                progress(f"rebuilt {name}", started)
            for measure in indexing_rows["database"]:
                rows.append(
                    {
                        "part": f"index ({world.indexed:,} docs, batch "
                        f"{settings.PUENTE_SEARCH_BATCH_SIZE})",
                        "measure": measure,
                        **{
                            name: indexing_rows.get(name, {}).get(measure, "")
                            for name in ("database", "elasticsearch")
                        },
                        "matches": "",
                    }
                )
            rows += query_rows(names, world)
            progress("queries", started)
            rows += duplicate_rows(world)
            progress("near-duplicates", started)
        finally:
            if "elasticsearch" in names:
                get_backend("elasticsearch").clear()
    return rows


def query_rows(names, world):
    rows = []
    for label, query in moderator_queries(world):
        row = {"part": "query p50 / p95 ms", "measure": label}
        totals = []
        for name in ("database", "elasticsearch"):
            if name not in names:
                row[name] = ""
                continue
            with override_settings(PUENTE_SEARCH_BACKEND=name):
                p50, p95, page = time_calls(lambda query=query: results.run(query))
            row[name] = latency(p50, p95)
            totals.append(f"{page.total:,}" if page else "?")
        row["matches"] = " / ".join(totals)
        rows.append(row)
    return rows


def duplicate_rows(world):
    every = tuple(str(status) for status in INDEXED_STATUSES)
    campaign = Comment.objects.get(pk=world.campaign_comment)
    plain = Comment.objects.get(pk=world.plain_comment)
    calls = (
        ("clusters(), all consultations", lambda: duplicates.clusters(every)),
        (
            "clusters(), smallest consultation",
            lambda: duplicates.clusters(every, consultation=world.pages[-1].pk),
        ),
        ("similar_to(campaign comment)", lambda: duplicates.similar_to(campaign, every)),
        ("similar_to(ordinary comment)", lambda: duplicates.similar_to(plain, every)),
    )
    rows = []
    for label, call in calls:
        p50, p95, answer = time_calls(call, repeats=10, warmup=1)
        found = "?" if answer is None else len(answer)
        rows.append(
            {
                "part": "near-duplicates p50 / p95 ms (database)",
                "measure": label,
                "database": latency(p50, p95),
                "elasticsearch": "",
                "matches": f"{found} found",
            }
        )
    return rows
