"""The demo consultations loaded by `manage.py load_demo` (make run).

Written for Puente in Spanish: a municipality asks how digital tools can
bring its government and its residents closer.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.roles import ROLES
from consultations.models import (
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationQuestion,
    ConsultationSection,
    HomePage,
)

INDEX_SLUG = "consultas"

OPEN = {
    "slug": "puentes-digitales",
    "title": "Puentes digitales: cómo el municipio escucha y responde",
    "summary": (
        "El Ayuntamiento prepara su Programa Municipal de Gobierno Abierto 2027–2030. "
        "Antes de aprobarlo queremos saber cómo te gustaría participar, qué información "
        "pública te es útil y cómo podemos rendir cuentas de lo que hacemos con tus "
        "propuestas. Lee el borrador, comenta cada apartado y responde las preguntas."
    ),
    "office": "Dirección de Innovación y Gobierno Abierto",
    "email": "gobiernoabierto@municipio.example",
    "phone": "+52 55 5555 0100",
    "tags": ["gobierno abierto", "participación", "datos abiertos"],
    "opens": timedelta(days=-10),
    "closes": timedelta(days=35),
    "sections": [
        (
            "Por qué este programa",
            "<p>Hoy la mayoría de los trámites y avisos del municipio siguen llegando "
            "por ventanilla o en papel. Quien trabaja en horario de oficina o vive lejos "
            "del centro casi nunca puede opinar sobre las decisiones que le afectan.</p>"
            "<p>Este programa propone usar herramientas digitales sencillas para que "
            "cualquier persona pueda informarse, proponer y dar seguimiento, sin dejar "
            "fuera a quien no tiene conexión.</p>",
        ),
        (
            "Participación en línea y presencial",
            "<p>Cada consulta pública se publicará en esta plataforma y, al mismo "
            "tiempo, en módulos de atención en las delegaciones, donde personal del "
            "municipio capturará las opiniones de quien lo prefiera en persona.</p>"
            "<p>Las consultas durarán al menos cuatro semanas y se anunciarán por radio "
            "comunitaria, carteles y mensajes a quienes se suscriban.</p>",
        ),
        (
            "Información pública y datos abiertos",
            "<p>El municipio publicará en formatos abiertos el presupuesto, las obras en "
            "curso, los contratos y los indicadores de servicios como agua, alumbrado y "
            "recolección de basura, con actualizaciones al menos cada mes.</p>",
        ),
        (
            "Seguimiento y rendición de cuentas",
            "<p>Al cerrar cada consulta, el área responsable publicará qué se escuchó y "
            "qué hará al respecto, enlazando a los comentarios que atiende. Cada "
            "compromiso tendrá una fecha y un avance visible para todas las personas.</p>",
        ),
    ],
    "questions": [
        "¿Qué herramientas digitales te ayudarían a participar en las decisiones del municipio?",
        "¿Qué información pública te gustaría consultar y con qué frecuencia?",
        "¿Cómo debería el municipio informarte de lo que hizo con tus propuestas?",
    ],
}

CLOSED = {
    "slug": "presupuesto-participativo-2026",
    "title": "Presupuesto participativo 2026",
    "summary": (
        "Consulta sobre las reglas para decidir entre vecinas y vecinos el destino del "
        "5 % del presupuesto de obra pública de 2026. La consulta ya cerró; pronto "
        "publicaremos lo que escuchamos."
    ),
    "office": "Tesorería Municipal",
    "email": "presupuesto@municipio.example",
    "phone": "",
    "tags": ["presupuesto", "participación"],
    "opens": timedelta(days=-90),
    "closes": timedelta(days=-30),
    "sections": [
        (
            "Reglas de votación",
            "<p>Podrán votar las personas mayores de 16 años que vivan en el municipio, "
            "en línea o en las urnas instaladas en cada colonia.</p>",
        ),
        (
            "Tipos de proyectos",
            "<p>Se aceptarán proyectos de espacios públicos, alumbrado, banquetas y "
            "equipamiento comunitario.</p>",
        ),
    ],
    "questions": [
        "¿Qué requisitos debería cumplir un proyecto para ser votado?",
    ],
}

UPCOMING = {
    "slug": "movilidad-y-datos",
    "title": "Datos abiertos de movilidad y transporte",
    "summary": (
        "Próximamente: qué datos de rutas, horarios y seguridad vial debería publicar "
        "el municipio y en qué formatos."
    ),
    "office": "Dirección de Movilidad",
    "email": "movilidad@municipio.example",
    "phone": "",
    "tags": ["movilidad", "datos abiertos"],
    "opens": timedelta(days=14),
    "closes": timedelta(days=60),
    "sections": [
        (
            "Qué datos publicaremos",
            "<p>Rutas y horarios del transporte público, incidentes viales y obras que "
            "afectan la circulación.</p>",
        ),
    ],
    "questions": [
        "¿Qué datos de movilidad usarías en tu día a día?",
    ],
}

DEMO_CONSULTATIONS = (OPEN, CLOSED, UPCOMING)

# (author, anchor: ("question"|"section", index) or ("reply", index of an
# earlier comment), text); reactions: (comment index, [(author, stance)]).
DEMO_DISCUSSION = [
    (
        "Lucía R.",
        ("question", 0),
        "Una app para reportar baches y fugas, con fotos y seguimiento del reporte "
        "hasta que se resuelva.",
    ),
    ("Tomás G.", ("reply", 0), "Sí, y que avise por mensaje cuando cambie el estado del reporte."),
    ("Marta S.", ("reply", 1), "Por SMS también, no todas las personas tienen datos móviles."),
    (
        "Iván P.",
        ("question", 1),
        "El avance de cada obra pública: cuánto costó, quién la hizo y cuándo termina. "
        "Cada mes está bien.",
    ),
    (
        "Rosa E.",
        ("section", 1),
        "Los módulos en las delegaciones son clave para las personas mayores. "
        "¿Tendrán horario en fin de semana?",
    ),
    (
        "Joel M.",
        ("question", 2),
        "Un informe corto por consulta: qué propuestas se tomaron, cuáles no y por qué.",
    ),
]
DEMO_REACTIONS = [
    (0, [("Tomás G.", "agree"), ("Iván P.", "agree"), ("Rosa E.", "pass")]),
    (3, [("Lucía R.", "agree"), ("Joel M.", "disagree")]),
    (5, [("Marta S.", "agree")]),
]
# Themes a planner gave (the comment search's facets and filters).
DEMO_THEMES = [
    (0, ["Reportes ciudadanos"]),
    (1, ["Reportes ciudadanos", "Avisos"]),
    (2, ["Avisos"]),
    (3, ["Transparencia"]),
    (5, ["Transparencia"]),
]
# Moderation in the demo: a short word list, a comment flagged twice (in the
# queue, still shown) and one held by the word filter.
DEMO_FILTERED_WORDS = [("idiota", "es"), ("estúpido", "es"), ("idiot", "en"), ("stupid", "en")]
DEMO_FLAGS = (4, [("Joel M.", "off_topic"), ("Lucía R.", "off_topic")])
DEMO_HELD = (
    "Néstor V.",
    ("question", 2),
    "Quien escribió esta propuesta es un idiota, nadie va a leer esos informes.",
)
DEMO_EMAIL_DOMAIN = "demo.puente.example"


@transaction.atomic
def load_demo(now=None):
    """Create the demo pages that are missing; return the titles created."""
    now = now or timezone.now()
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("No home page: run `manage.py migrate` first.")
    index = ConsultationIndexPage.objects.child_of(home).first()
    created = []
    if index is None:
        index = ConsultationIndexPage(
            title="Consultas públicas",
            slug=INDEX_SLUG,
            intro="<p>Todas las consultas del municipio, abiertas, próximas y cerradas.</p>",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
        created.append(index.title)
    for spec in DEMO_CONSULTATIONS:
        if ConsultationPage.objects.filter(slug=spec["slug"]).exists():
            continue
        page = ConsultationPage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            opens_at=now + spec["opens"],
            closes_at=now + spec["closes"],
            responsible_office=spec["office"],
            contact_email=spec["email"],
            contact_phone=spec["phone"],
            sections=[
                ConsultationSection(heading=h, body=b, sort_order=i)
                for i, (h, b) in enumerate(spec["sections"])
            ],
            questions=[
                ConsultationQuestion(text=text, sort_order=i)
                for i, text in enumerate(spec["questions"])
            ],
        )
        page.tags.add(*spec["tags"])
        index.add_child(instance=page)
        page.save_revision().publish()
        created.append(page.title)
        if spec is OPEN:
            load_demo_discussion(page)
    return created


def load_demo_discussion(page):
    """A few comments, replies and reactions, by participants who cannot sign in."""
    from comments.actions import do_post_comment, do_react
    from moderation.actions import do_flag
    from moderation.models import FilteredWord
    from search import indexing

    User = get_user_model()
    people = {}
    for name, _anchor, _text in [*DEMO_DISCUSSION, DEMO_HELD]:
        slug = name.lower().replace(" ", "").replace(".", "")
        user, created = User.objects.get_or_create(
            email=f"{slug}@{DEMO_EMAIL_DOMAIN}", defaults={"display_name": name}
        )
        if created:
            user.set_unusable_password()
            # Old enough accounts: the demo posts in one go, under the rate limit.
            user.date_joined = timezone.now() - timedelta(days=365)
            user.save()
        people[name] = user
    comments = []
    for name, (kind, position), text in DEMO_DISCUSSION:
        anchor = {
            "question": lambda i: {"question": page.ordered_questions[i].pk},
            "section": lambda i: {"section": page.ordered_sections[i].pk},
            "reply": lambda i: {"parent": comments[i].pk},
        }[kind](position)
        comments.append(do_post_comment(people[name], page, body=text, **anchor))
    for index, reactions in DEMO_REACTIONS:
        for name, stance in reactions:
            do_react(people[name], comments[index], stance)
    for index, themes in DEMO_THEMES:
        # Set directly, as the word list below is: no planner account exists here.
        comments[index].tags.set(themes)
        indexing.schedule(comments[index].pk)
    index, flags = DEMO_FLAGS
    for name, reason in flags:
        do_flag(people[name], comments[index], reason=reason)
    for word, language in DEMO_FILTERED_WORDS:
        if not FilteredWord.objects.filter(word=word, language=language).exists():
            FilteredWord(word=word, language=language).save()
    name, (kind, position), text = DEMO_HELD
    do_post_comment(people[name], page, body=text, question=page.ordered_questions[position].pk)


@transaction.atomic
def create_demo_accounts(reset_passwords=False):
    """One account per role, for local demos only; return [(email, password, role)]
    for the accounts whose password was set now (so it is printed once)."""
    from allauth.account.models import EmailAddress

    if not settings.PUENTE_DEMO_MODE:
        raise RuntimeError("Demo accounts are only created when PUENTE_DEMO_MODE is on.")
    User = get_user_model()
    credentials = []
    for role in ROLES:
        email = f"{role}@{DEMO_EMAIL_DOMAIN}"
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": f"Demo {role}"}
        )
        if created or reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            credentials.append((email, password, role))
        user.groups.add(Group.objects.get(name=role))
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return credentials
