"""What the demo says: three consultations of a municipality asking how
digital tools can bring its government and its residents closer, a live
discussion, a past one with its response and commitments. Written for
Puente in Spanish. demo/loader.py writes it through the apps' actions."""

from datetime import timedelta

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
        "5 % del presupuesto de obra pública de 2026. La consulta ya cerró: aquí puedes "
        "leer lo que escuchamos, lo que haremos y cómo vamos."
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

# The closed consultation's past discussion, loaded as an import of earlier
# comments would be (it no longer accepts new ones): (author, anchor as in
# DEMO_DISCUSSION, (days, hours) after it opened, text).
CLOSED_DISCUSSION = [
    (
        "Carmen L.",
        ("question", 0),
        (3, 10),
        "Que cada proyecto llegue a la votación con un costo estimado y revisado por Obras "
        "Públicas. Si no, votamos por cosas que luego no alcanzan con el dinero.",
    ),
    (
        "Héctor D.",
        ("reply", 0),
        (4, 19),
        "De acuerdo. Y que se publique quién hizo el cálculo, para poder preguntarle.",
    ),
    (
        "Ana B.",
        ("reply", 1),
        (6, 9),
        "Los comités vecinales no tenemos ingenieros: ¿nos ayudarían a calcular los costos?",
    ),
    (
        "Rosa E.",
        ("section", 0),
        (9, 13),
        "Las urnas deberían abrir también en sábado y domingo; entre semana mucha gente "
        "trabaja lejos de su colonia.",
    ),
    (
        "Iván P.",
        ("reply", 3),
        (10, 8),
        "Y que estén en planta baja y con rampa: mi mamá usa silla de ruedas y siempre tiene "
        "que pedir ayuda para votar.",
    ),
    (
        "Diego F.",
        ("question", 0),
        (15, 17),
        "Un requisito mínimo: que el proyecto esté en un terreno público y con el uso de "
        "suelo ya resuelto. Si no, se queda atorado años.",
    ),
    (
        "Paola N.",
        ("section", 1),
        (18, 12),
        "Incluyan también proyectos culturales y deportivos, no solo obra: unos talleres en "
        "el parque cambian mucho una colonia.",
    ),
    (
        "Luis Q.",
        ("reply", 6),
        (19, 20),
        "Ojo, las reglas hablan del 5 % del presupuesto de obra; los talleres tendrían que "
        "salir de otra partida, ¿no?",
    ),
    (
        "Sofía T.",
        ("section", 0),
        (24, 16),
        "Me parece muy bien votar desde los 16 años. Propongo poner urnas en las secundarias "
        "y prepas para que votemos a la salida de clases.",
    ),
    (
        "Marta S.",
        ("question", 0),
        (30, 11),
        "Que los proyectos también se puedan entregar en papel en la delegación, con alguien "
        "que te ayude a llenar el formato. No todas las personas usan internet.",
    ),
    (
        "Jorge A.",
        ("section", 0),
        (37, 18),
        "La boleta debería tener letra grande y una versión en braille, y las instrucciones "
        "también en las lenguas originarias que se hablan aquí.",
    ),
    (
        "Carmen L.",
        ("reply", 8),
        (41, 9),
        "Buena idea, siempre que cada estudiante vote por los proyectos de la colonia donde "
        "vive y no de la escuela.",
    ),
    (
        "Elena V.",
        ("question", 0),
        (50, 14),
        "Pidan un mínimo de firmas de la colonia, digamos 30, para que un proyecto llegue a la "
        "boleta. Así sabemos que de verdad lo quieren las vecinas y los vecinos.",
    ),
]
CLOSED_REACTIONS = [
    (
        0,
        [
            ("Héctor D.", "agree"),
            ("Ana B.", "agree"),
            ("Diego F.", "agree"),
            ("Elena V.", "agree"),
            ("Marta S.", "agree"),
            ("Luis Q.", "pass"),
        ],
    ),
    (3, [("Iván P.", "agree"), ("Sofía T.", "agree"), ("Jorge A.", "agree")]),
    (5, [("Carmen L.", "agree"), ("Paola N.", "disagree")]),
    (
        6,
        [
            ("Sofía T.", "agree"),
            ("Rosa E.", "agree"),
            ("Luis Q.", "disagree"),
            ("Diego F.", "disagree"),
        ],
    ),
    (8, [("Carmen L.", "agree"), ("Héctor D.", "pass")]),
    (9, [("Rosa E.", "agree"), ("Jorge A.", "agree"), ("Iván P.", "agree")]),
    (10, [("Marta S.", "agree"), ("Iván P.", "agree")]),
    (12, [("Carmen L.", "agree"), ("Paola N.", "disagree"), ("Diego F.", "agree")]),
]
# Enough people reacting for the opinion groups (docs/opinion-groups.md) to
# form: two camps that part ways on how open the vote and its projects should
# be, and agree on making voting accessible. Each camp: (how many people,
# {comment index in CLOSED_DISCUSSION: the camp's stance}). Each person skips
# or departs from their camp now and then (CLOSED_CAMP_DEPARTURE), drawn from
# a fixed seed so every load reacts alike.
CLOSED_CAMPS = [
    # Costed, sited and backed projects first.
    (
        22,
        {
            0: "agree",
            1: "agree",
            5: "agree",
            7: "agree",
            12: "agree",
            6: "disagree",
            8: "disagree",
            11: "pass",
            3: "agree",
            4: "agree",
            9: "agree",
            10: "agree",
        },
    ),
    # A vote and projects open to more people.
    (
        18,
        {
            0: "disagree",
            5: "disagree",
            7: "disagree",
            12: "disagree",
            2: "agree",
            6: "agree",
            8: "agree",
            11: "agree",
            3: "agree",
            4: "agree",
            9: "agree",
            10: "agree",
        },
    ),
]
CLOSED_CAMP_DEPARTURE = 0.12
CLOSED_CAMP_SEED = 19
# Their names: every first name with every initial, in order, as needed.
CAMP_FIRST_NAMES = [
    "Adriana", "Alberto", "Beatriz", "Bruno", "Claudia", "César", "Daniela", "Emilio",
    "Fernanda", "Gabriel", "Gloria", "Hugo", "Irene", "Javier", "Karla", "Leonor",
    "Manuel", "Natalia", "Óscar", "Patricia", "Raúl", "Silvia", "Tania", "Ulises",
]  # fmt: skip
CAMP_INITIALS = "BCGHMORSVZ"
CLOSED_THEMES = [
    (0, ["Viabilidad de proyectos"]),
    (1, ["Viabilidad de proyectos"]),
    (2, ["Viabilidad de proyectos"]),
    (3, ["Urnas y horarios"]),
    (4, ["Accesibilidad", "Urnas y horarios"]),
    (5, ["Viabilidad de proyectos"]),
    (8, ["Urnas y horarios"]),
    (9, ["Accesibilidad"]),
    (10, ["Accesibilidad"]),
    (11, ["Urnas y horarios"]),
    (12, ["Viabilidad de proyectos"]),
]
# The office that answers, as a planner who cannot sign in: the response
# actions ask for a planner or an editor, and the admin's history names it.
RESPONDENT = ("Dirección de Gobierno Abierto", "gobierno-abierto")
# Days after the consultation closed.
RESPONSE_DRAFTED, RESPONSE_PUBLISHED = 2, 9
CLOSED_RESPONSE = {
    "introduction": (
        "Gracias a todas las personas que comentaron las reglas del presupuesto "
        "participativo. Leímos cada comentario y cada respuesta.\n\n"
        "Aquí te contamos qué escuchamos, qué cambia en las reglas y cómo vamos con lo que "
        "prometimos. Las reglas definitivas se publicarán en la Gaceta Municipal antes de "
        "abrir la convocatoria de proyectos."
    ),
    # (subject: ("question", index) or ("theme", name), what you said, what we
    # will do, comment indexes, theme names)
    "items": [
        (
            ("question", 0),
            "Pediste que cada proyecto llegue a la boleta con un costo estimado y revisado, en "
            "un terreno público con el uso de suelo resuelto y con el respaldo de la colonia. "
            "También nos dijiste que los comités vecinales necesitan ayuda para calcular costos.",
            "Cada proyecto presentará una ficha técnica con su costo, revisada por la Dirección "
            "de Obras Públicas, que publicará quién hizo la revisión. Pediremos 30 firmas de la "
            "colonia y abriremos asesorías gratuitas para preparar la ficha.",
            [0, 1, 2, 5, 12],
            ["Viabilidad de proyectos"],
        ),
        (
            ("theme", "Accesibilidad"),
            "Nos dijiste que proponer y votar debe ser posible sin internet y sin barreras: "
            "urnas en planta baja y con rampa, boletas en letra grande y en braille, "
            "instrucciones en lenguas originarias y ayuda en papel en las delegaciones.",
            "Todas las urnas estarán en planta baja y con acceso para sillas de ruedas. Habrá "
            "boletas en letra grande y en braille, e instrucciones en las lenguas originarias "
            "del municipio. Las delegaciones recibirán proyectos en papel y tendrán personal "
            "para ayudarte a llenar el formato.",
            [4, 9, 10],
            ["Accesibilidad"],
        ),
        (
            ("theme", "Urnas y horarios"),
            "Pediste votar también en fin de semana y poner urnas en las escuelas para quienes "
            "votan desde los 16 años, cuidando que cada quien vote por su propia colonia.",
            "La votación durará de viernes a domingo. Con las escuelas estudiaremos urnas en "
            "secundarias y preparatorias, donde cada estudiante votará por los proyectos de la "
            "colonia donde vive.",
            [3, 8, 11],
            ["Urnas y horarios"],
        ),
    ],
    # (title, description, item indexes, [(days before today, status, progress,
    # text)]); the days fall after the response's publication.
    "commitments": [
        (
            "Fichas técnicas y asesoría para calcular costos",
            "Un formato de ficha técnica para cada proyecto y asesorías gratuitas en todas las "
            "delegaciones antes de la convocatoria.",
            [0],
            [
                (
                    14,
                    "in_progress",
                    15,
                    "Publicamos el formato de ficha técnica en el portal de datos abiertos y lo "
                    "probamos con tres comités vecinales.",
                ),
                (
                    3,
                    "in_progress",
                    40,
                    "Empezaron las asesorías en 4 de las 10 delegaciones; las demás abren el "
                    "próximo mes.",
                ),
            ],
        ),
        (
            "Urnas accesibles y votación en fin de semana",
            "Urnas en planta baja y con rampa, boletas en braille y en letra grande, y tres "
            "días de votación de viernes a domingo.",
            [1, 2],
            [
                (
                    10,
                    "planned",
                    0,
                    "Recorrimos con personas usuarias de silla de ruedas los sitios propuestos "
                    "para las urnas. La compra de rampas portátiles y la impresión de boletas "
                    "en braille quedaron programadas para la próxima votación.",
                ),
            ],
        ),
    ],
}

# The demo citizen account's own comment on the open consultation and what
# followed it, so that its notifications page has something to show: two
# replies to it, and new comments in a thread it follows (demo/loader.py).
DEMO_FOLLOWER = {
    "comment": (
        0,
        "Que cada reporte tenga un folio y una página pública con fechas y "
        "responsables, para dar seguimiento sin llamar por teléfono.",
    ),
    "replies": [
        ("Graciela M.", "Buena idea: así se ve qué área tarda más en resolver."),
        ("Ramiro C.", "Y que cualquiera pueda seguir un reporte, no solo quien lo hizo."),
    ],
    # The thread of DEMO_DISCUSSION[0], which the account follows, and what
    # was said there afterwards.
    "followed_thread": 0,
    "thread_comments": [
        (
            "Ximena L.",
            "En mi colonia ya usamos un grupo de mensajería; la app debería convivir con eso.",
        ),
    ],
}
