"""The texts of the four content pages the demo seeds: the privacy notice
(simplified, then full), the terms of use, the accessibility statement and
the frequently asked questions, in Mexican Spanish (addressing people as
"tú") and in English, a faithful translation block by block.

Each body is a list of blocks in Wagtail StreamField raw form: "heading"
(plain text, rendered as h2), "paragraph" (rich text: p, a, ul/ol/li,
strong, em) and "callout" (a plain-text title and rich text). The
municipality, its addresses and its contacts are fictional."""

_CC_BY_ES = "https://creativecommons.org/licenses/by/4.0/deed.es"
_CC_BY_EN = "https://creativecommons.org/licenses/by/4.0/deed.en"

_MIS_DATOS_ES = '<a href="/cuenta/mis-datos/">Mis datos</a>'
_MIS_DATOS_EN = '<a href="/cuenta/mis-datos/">My data</a>'

_GOBIERNO_ABIERTO = (
    '<a href="mailto:gobiernoabierto@municipio.example">gobiernoabierto@municipio.example</a>'
)
_TRANSPARENCIA = (
    '<a href="mailto:transparencia@municipio.example">transparencia@municipio.example</a>'
)
_PHONE = "+52 55 5555 0100"


def _heading(text):
    return {"type": "heading", "value": text}


def _paragraph(html):
    return {"type": "paragraph", "value": html}


def _callout(title, html):
    return {"type": "callout", "value": {"title": title, "text": html}}


# Aviso de privacidad ---------------------------------------------------------

_PRIVACY_ES = [
    _heading("Aviso de privacidad simplificado"),
    _paragraph(
        "<p><strong>Responsable.</strong> El Ayuntamiento del Municipio Ejemplo, a través de su "
        "Dirección de Innovación y Gobierno Abierto, es responsable de los datos personales "
        "que proporcionas en Puente, su plataforma de consulta pública.</p>"
    ),
    _paragraph(
        "<p><strong>Finalidades.</strong> Usamos tus datos para:</p>"
        "<ul>"
        "<li>operar las consultas: publicar tus comentarios con tu nombre público y mostrar "
        "las reacciones;</li>"
        "<li>moderar la participación;</li>"
        "<li>enviarte avisos por correo electrónico;</li>"
        "<li>elaborar resúmenes y estadísticas para las áreas que diseñan cada proyecto;</li>"
        "<li>publicar como datos abiertos los comentarios publicados de las consultas "
        "cerradas, sin tu nombre ni tu correo.</li>"
        "</ul>"
        "<p>No usamos tus datos para publicidad ni para elaborar perfiles, y nunca los "
        "vendemos.</p>"
    ),
    _paragraph(
        "<p><strong>Transferencias.</strong> No transferimos tus datos personales, salvo las "
        "que exija la ley o que solicite una autoridad competente. Los proveedores de "
        "alojamiento y de correo electrónico actúan como encargados: tratan los datos solo "
        "por cuenta del Ayuntamiento y según sus instrucciones.</p>"
    ),
    _paragraph(
        "<p><strong>Datos abiertos.</strong> Si no quieres que tus comentarios formen parte de "
        f"los datos abiertos, puedes oponerte en cualquier momento desde {_MIS_DATOS_ES}.</p>"
    ),
    _callout(
        "Aviso integral y derechos ARCO",
        "<p>Puedes leer el aviso de privacidad integral en esta misma página, más abajo. "
        "Para ejercer tus derechos de acceso, rectificación, cancelación y oposición "
        f"(derechos ARCO) y de portabilidad, entra a {_MIS_DATOS_ES} o escribe a la Unidad de "
        f"Transparencia: {_TRANSPARENCIA}.</p>",
    ),
    _heading("Aviso de privacidad integral"),
    _paragraph(
        "<p>Este aviso explica con detalle cómo el Ayuntamiento trata tus datos personales "
        "en Puente, conforme a la Ley General de Protección de Datos Personales en Posesión "
        "de Sujetos Obligados, publicada en el Diario Oficial de la Federación el 20 de marzo "
        "de 2025.</p>"
    ),
    _heading("Responsable y domicilio"),
    _paragraph(
        "<p>El responsable del tratamiento es el Ayuntamiento del Municipio Ejemplo, a través "
        "de su Dirección de Innovación y Gobierno Abierto, con domicilio en Plaza Principal 1, "
        f"Centro, Municipio Ejemplo. Correo electrónico: {_GOBIERNO_ABIERTO}.</p>"
        "<p>La Unidad de Transparencia del Ayuntamiento, en el mismo domicilio, atiende las "
        f"solicitudes sobre datos personales: {_TRANSPARENCIA}, teléfono {_PHONE}.</p>"
    ),
    _heading("Datos personales que tratamos"),
    _paragraph(
        "<p>Cuando participas en Puente tratamos estos datos:</p>"
        "<ul>"
        "<li><strong>Tu correo electrónico</strong>, para iniciar sesión, verificar tu cuenta "
        "y enviarte avisos. Nunca se muestra públicamente.</li>"
        "<li><strong>Tu nombre público</strong>, el que eliges para que aparezca junto a tus "
        "comentarios.</li>"
        "<li><strong>Tu contraseña</strong>, que guardamos solo como un resumen cifrado "
        "(<em>hash</em>): nadie puede leerla, ni siquiera el personal del Ayuntamiento.</li>"
        "<li><strong>Tus comentarios</strong> y su historial de ediciones.</li>"
        "<li><strong>Tus reacciones</strong> (de acuerdo, en desacuerdo o paso) a los "
        "comentarios de otras personas.</li>"
        "<li><strong>Los reportes</strong> que haces sobre comentarios y las notas que les "
        "agregas.</li>"
        "<li><strong>Los avisos de moderación</strong> que recibes y las apelaciones que "
        "presentas.</li>"
        "<li><strong>El registro de tu consentimiento</strong> a los términos de uso y a este "
        "aviso: qué versión aceptaste y cuándo.</li>"
        "<li><strong>Las solicitudes</strong> que presentas para ejercer tus derechos "
        "ARCO.</li>"
        "<li><strong>Una cookie de sesión y tu preferencia de idioma.</strong></li>"
        "</ul>"
        "<p>Tu dirección IP se usa solo de forma momentánea para limitar abusos, como el envío "
        "masivo de mensajes, y no se guarda con tu cuenta.</p>"
    ),
    _callout(
        "No pedimos datos sensibles",
        "<p>Puente no te pide datos personales sensibles, como tu origen racial o étnico, tu "
        "estado de salud, tus creencias religiosas o tu preferencia sexual. Te pedimos no "
        "incluirlos en tus comentarios, ni tampoco datos de otras personas: lo que escribes "
        "se publica tal como lo escribiste.</p>",
    ),
    _heading("Finalidades del tratamiento"),
    _paragraph(
        "<p>Tratamos tus datos para:</p>"
        "<ol>"
        "<li>Operar las consultas públicas: publicar tus comentarios junto a tu nombre "
        "público y mostrar cuántas reacciones recibe cada comentario.</li>"
        "<li>Moderar la participación: revisar comentarios y reportes, avisarte de las "
        "decisiones que afectan tus comentarios y atender tus apelaciones.</li>"
        "<li>Enviarte avisos por correo electrónico sobre tu cuenta, tus comentarios y la "
        "moderación.</li>"
        "<li>Elaborar resúmenes y estadísticas para las áreas del Ayuntamiento que diseñan "
        "cada proyecto.</li>"
        "<li>Publicar como datos abiertos los comentarios publicados de cada consulta "
        "cerrada, como se explica más abajo.</li>"
        "</ol>"
        "<p>No usamos tus datos con fines de mercadotecnia o publicidad, no elaboramos "
        "perfiles sobre ti y no vendemos tus datos a nadie.</p>"
    ),
    _heading("Fundamento del tratamiento"),
    _paragraph(
        "<p>El Ayuntamiento trata tus datos con base en las atribuciones que la normativa "
        "aplicable le otorga para realizar consultas públicas y promover la participación "
        "ciudadana, y en el consentimiento que das al crear tu cuenta, cuando aceptas los "
        "términos de uso y este aviso.</p>"
    ),
    _heading("Transferencias y encargados"),
    _paragraph(
        "<p>No transferimos tus datos personales a otras personas ni instituciones, salvo las "
        "transferencias que exija la ley o que solicite una autoridad competente.</p>"
        "<p>Para operar Puente, el Ayuntamiento contrata servicios de alojamiento y de envío "
        "de correo electrónico. Esos proveedores actúan como encargados: tratan los datos "
        "solo por cuenta del Ayuntamiento, conforme a sus instrucciones y sin usarlos para "
        "fines propios.</p>"
    ),
    _heading("Cómo ejercer tus derechos ARCO"),
    _paragraph(
        "<p>Tienes derecho a acceder a tus datos personales, rectificarlos, cancelarlos y "
        "oponerte a su tratamiento (derechos ARCO), así como a la portabilidad de tus datos. "
        "Puedes ejercerlos directamente, en línea y en cualquier momento, desde "
        f"{_MIS_DATOS_ES} (<em>/cuenta/mis-datos/</em>):</p>"
        "<ul>"
        "<li><strong>Acceso y portabilidad:</strong> descarga todos tus datos en un archivo "
        "ZIP con archivos JSON y CSV.</li>"
        "<li><strong>Rectificación:</strong> corrige tu nombre público y tu correo "
        "electrónico. Te enviaremos un mensaje para verificar el correo nuevo.</li>"
        "<li><strong>Cancelación:</strong> borra tu cuenta. Tú eliges si el texto de tus "
        "comentarios se retira o se conserva de forma anónima, firmado como “Participante "
        "eliminado”. Tus reacciones solo permanecen como conteos anónimos.</li>"
        "<li><strong>Oposición:</strong> pide que tus comentarios dejen de formar parte de "
        "los datos abiertos.</li>"
        "</ul>"
    ),
    _callout(
        "Borrar tu cuenta es definitivo",
        "<p>Nadie puede deshacer el borrado de una cuenta, ni siquiera el equipo de "
        "moderación. Si quieres conservar una copia de tus datos, descárgala antes de "
        "borrarla.</p>",
    ),
    _paragraph(
        "<p>También puedes presentar tu solicitud ante la Unidad de Transparencia, por correo "
        f"a {_TRANSPARENCIA} o en Plaza Principal 1, Centro, Municipio Ejemplo, o a través de "
        "la Plataforma Nacional de Transparencia. Indica qué derecho quieres ejercer, sobre "
        "qué datos y el correo de tu cuenta en Puente; se te pedirá acreditar tu identidad. "
        f"Si tienes dudas, llama al {_PHONE}.</p>"
        "<p>El Ayuntamiento te responderá en los plazos que marca la ley, que no exceden de "
        "15 días hábiles. Si no estás de acuerdo con la respuesta, o si no la recibes, puedes "
        "presentar un recurso de revisión ante la autoridad garante competente.</p>"
    ),
    _heading("Oposición a los datos abiertos"),
    _paragraph(
        "<p>Cuando una consulta cierra, sus comentarios publicados se publican como datos "
        "abiertos bajo la licencia "
        f'<a href="{_CC_BY_ES}">Creative Commons Atribución 4.0 Internacional (CC BY 4.0)</a>, '
        "para que cualquier persona pueda descargarlos y analizarlos. Los archivos incluyen el "
        "texto de cada comentario, sus fechas, la pregunta o el apartado al que responde, el "
        "conteo de reacciones y los temas asignados.</p>"
        "<p>En los archivos no aparecen tu nombre ni tu correo: cada autor aparece solo con "
        "un seudónimo, un código que es el mismo para todos tus comentarios dentro de una "
        "consulta y distinto en cada consulta. Nunca se incluyen comentarios ocultos, "
        "retirados, borrados por su autor o en espera de revisión.</p>"
        f"<p>Puedes oponerte en cualquier momento desde {_MIS_DATOS_ES}. Tus comentarios "
        "seguirán en el sitio, pero a partir de ese momento dejarán de aparecer en los "
        "archivos de datos abiertos. Los archivos que otras personas ya descargaron no pueden "
        "recuperarse.</p>"
    ),
    _heading("Conservación de los datos"),
    _paragraph(
        "<p>Conservamos los datos de tu cuenta mientras exista. Cuando la borras, eliminamos "
        "los datos asociados a ella, y tus comentarios se retiran o se anonimizan, según lo "
        "que elijas. Después solo conservamos:</p>"
        "<ul>"
        "<li>el registro de tu consentimiento a los términos y a este aviso, de forma "
        "anónima, como lo permite la ley;</li>"
        "<li>el registro de las solicitudes ARCO atendidas, sin datos personales.</li>"
        "</ul>"
    ),
    _heading("Cookies"),
    _paragraph(
        "<p>Puente usa solo las cookies necesarias para funcionar: una cookie de sesión, que "
        "mantiene tu sesión iniciada y protege los formularios, y otra que recuerda el idioma "
        "que elegiste. No usamos cookies de publicidad ni para seguir tu actividad en otros "
        "sitios. Si borras las cookies desde tu navegador, tendrás que volver a iniciar "
        "sesión.</p>"
    ),
    _heading("Cambios a este aviso"),
    _paragraph(
        "<p>Si este aviso cambia, publicaremos la nueva versión en esta página, con su número "
        "de versión y su fecha. Cuando un cambio lo requiera, te pediremos que lo aceptes de "
        "nuevo antes de volver a participar. Mientras tanto podrás seguir leyendo las "
        "consultas, descargar tus datos y borrar tu cuenta.</p>"
    ),
]

_PRIVACY_EN = [
    _heading("Simplified privacy notice"),
    _paragraph(
        "<p><strong>Responsible party.</strong> The Ayuntamiento del Municipio Ejemplo (the "
        "municipal government), through its Dirección de Innovación y Gobierno Abierto "
        "(Office of Innovation and Open Government), is responsible for the personal data you "
        "provide on Puente, its public consultation platform.</p>"
    ),
    _paragraph(
        "<p><strong>Purposes.</strong> We use your data to:</p>"
        "<ul>"
        "<li>run the consultations: publish your comments with your display name and show "
        "the reactions;</li>"
        "<li>moderate participation;</li>"
        "<li>send you notices by e-mail;</li>"
        "<li>produce summaries and statistics for the offices that plan each project;</li>"
        "<li>publish the published comments of closed consultations as open data, without "
        "your name or your e-mail.</li>"
        "</ul>"
        "<p>We do not use your data for advertising or to build profiles, and we never sell "
        "them.</p>"
    ),
    _paragraph(
        "<p><strong>Transfers.</strong> We do not transfer your personal data, except where "
        "the law requires it or a competent authority requests it. Our hosting and e-mail "
        "providers act as processors: they handle the data only on the municipality's behalf "
        "and under its instructions.</p>"
    ),
    _paragraph(
        "<p><strong>Open data.</strong> If you do not want your comments to be part of the "
        f"open data, you can opt out at any time from {_MIS_DATOS_EN}.</p>"
    ),
    _callout(
        "Full notice and ARCO rights",
        "<p>You can read the full privacy notice further down this page. To exercise your "
        "rights of access, rectification, cancellation and opposition (ARCO rights) and "
        f"your right to portability, go to {_MIS_DATOS_EN} or write to the Transparency Unit: "
        f"{_TRANSPARENCIA}.</p>",
    ),
    _heading("Full privacy notice"),
    _paragraph(
        "<p>This notice explains in detail how the municipality handles your personal data "
        "on Puente, under the Ley General de Protección de Datos Personales en Posesión de "
        "Sujetos Obligados (the General Law on the Protection of Personal Data Held by "
        "Obliged Parties), published in the Diario Oficial de la Federación on 20 March "
        "2025.</p>"
    ),
    _heading("Responsible party and address"),
    _paragraph(
        "<p>The party responsible for the processing is the Ayuntamiento del Municipio "
        "Ejemplo, through its Dirección de Innovación y Gobierno Abierto, at Plaza Principal "
        f"1, Centro, Municipio Ejemplo. E-mail: {_GOBIERNO_ABIERTO}.</p>"
        "<p>The municipality's Transparency Unit (Unidad de Transparencia), at the same "
        f"address, handles requests about personal data: {_TRANSPARENCIA}, telephone "
        f"{_PHONE}.</p>"
    ),
    _heading("Personal data we handle"),
    _paragraph(
        "<p>When you take part in Puente we handle these data:</p>"
        "<ul>"
        "<li><strong>Your e-mail address</strong>, to sign you in, verify your account and "
        "send you notices. It is never shown publicly.</li>"
        "<li><strong>Your display name</strong>, the one you choose to appear next to your "
        "comments.</li>"
        "<li><strong>Your password</strong>, which we store only as an encrypted digest "
        "(<em>hash</em>): nobody can read it, not even the municipality's staff.</li>"
        "<li><strong>Your comments</strong> and their edit history.</li>"
        "<li><strong>Your reactions</strong> (agree, disagree or pass) to other people's "
        "comments.</li>"
        "<li><strong>The reports</strong> you make about comments and the notes you add to "
        "them.</li>"
        "<li><strong>The moderation notices</strong> you receive and the appeals you "
        "make.</li>"
        "<li><strong>The record of your consent</strong> to the terms of use and to this "
        "notice: which version you accepted and when.</li>"
        "<li><strong>The requests</strong> you make to exercise your ARCO rights.</li>"
        "<li><strong>A session cookie and your language preference.</strong></li>"
        "</ul>"
        "<p>Your IP address is used only briefly to limit abuse, such as mass posting, and is "
        "not stored with your account.</p>"
    ),
    _callout(
        "We do not ask for sensitive data",
        "<p>Puente does not ask for sensitive personal data, such as your racial or ethnic "
        "origin, your health, your religious beliefs or your sexual orientation. Please do "
        "not include them in your comments, nor other people's data: what you write is "
        "published as you wrote it.</p>",
    ),
    _heading("Purposes of the processing"),
    _paragraph(
        "<p>We handle your data to:</p>"
        "<ol>"
        "<li>Run the public consultations: publish your comments next to your display name "
        "and show how many reactions each comment receives.</li>"
        "<li>Moderate participation: review comments and reports, tell you about decisions "
        "that affect your comments and deal with your appeals.</li>"
        "<li>Send you e-mail notices about your account, your comments and moderation.</li>"
        "<li>Produce summaries and statistics for the municipal offices that plan each "
        "project.</li>"
        "<li>Publish the published comments of each closed consultation as open data, as "
        "explained below.</li>"
        "</ol>"
        "<p>We do not use your data for marketing or advertising, we do not build profiles "
        "about you and we do not sell your data to anyone.</p>"
    ),
    _heading("Legal basis for the processing"),
    _paragraph(
        "<p>The municipality handles your data on the basis of the powers that the "
        "applicable regulations give it to hold public consultations and promote citizen "
        "participation, and of the consent you give when you create your account, by "
        "accepting the terms of use and this notice.</p>"
    ),
    _heading("Transfers and processors"),
    _paragraph(
        "<p>We do not transfer your personal data to other people or institutions, except "
        "for transfers the law requires or a competent authority requests.</p>"
        "<p>To run Puente, the municipality contracts hosting and e-mail delivery services. "
        "Those providers act as processors: they handle the data only on the municipality's "
        "behalf, under its instructions and without using them for their own purposes.</p>"
    ),
    _heading("How to exercise your ARCO rights"),
    _paragraph(
        "<p>You have the right to access your personal data, rectify them, cancel them and "
        "oppose their processing (ARCO rights), and the right to data portability. You can "
        f"exercise them directly, online and at any time, from {_MIS_DATOS_EN} "
        "(<em>/cuenta/mis-datos/</em>):</p>"
        "<ul>"
        "<li><strong>Access and portability:</strong> download all your data as a ZIP file "
        "of JSON and CSV files.</li>"
        "<li><strong>Rectification:</strong> correct your display name and your e-mail "
        "address. We will send you a message to verify the new address.</li>"
        "<li><strong>Cancellation:</strong> delete your account. You choose whether the text "
        "of your comments is withdrawn or kept anonymously, signed as “Deleted "
        "participant”. Your reactions remain only as anonymous counts.</li>"
        "<li><strong>Opposition:</strong> ask for your comments to stop being part of the "
        "open data.</li>"
        "</ul>"
    ),
    _callout(
        "Deleting your account is final",
        "<p>Nobody can undo the deletion of an account, not even the moderation team. If "
        "you want to keep a copy of your data, download it before you delete the "
        "account.</p>",
    ),
    _paragraph(
        "<p>You can also make your request to the Transparency Unit, by e-mail to "
        f"{_TRANSPARENCIA} or at Plaza Principal 1, Centro, Municipio Ejemplo, or through the "
        "Plataforma Nacional de Transparencia (National Transparency Platform). Say which "
        "right you want to exercise, about which data, and the e-mail address of your Puente "
        "account; you will be asked to prove your identity. If you have questions, call "
        f"{_PHONE}.</p>"
        "<p>The municipality will answer within the time limits set by the law, which do not "
        "exceed 15 business days. If you disagree with the answer, or do not receive one, "
        "you can file an appeal (recurso de revisión) with the guarantor authority competent "
        "under the law.</p>"
    ),
    _heading("Opting out of open data"),
    _paragraph(
        "<p>When a consultation closes, its published comments are published as open data "
        "under the "
        f'<a href="{_CC_BY_EN}">Creative Commons Attribution 4.0 International licence '
        "(CC BY 4.0)</a>, so that anyone can download and analyse them. The files include the "
        "text of each comment, its dates, the question or section it answers, its reaction "
        "counts and the themes assigned to it.</p>"
        "<p>Your name and your e-mail do not appear in the files: each author appears only as "
        "a pseudonym, a code that is the same for all your comments within one consultation "
        "and different in each consultation. Hidden, removed, author-deleted and "
        "awaiting-review comments are never included.</p>"
        f"<p>You can opt out at any time from {_MIS_DATOS_EN}. Your comments will stay on "
        "the site, but from then on they will no longer appear in the open-data files. "
        "Files that other people have already downloaded cannot be recalled.</p>"
    ),
    _heading("Data retention"),
    _paragraph(
        "<p>We keep your account data for as long as the account exists. When you delete it, "
        "we erase the data linked to it, and your comments are withdrawn or anonymised, as "
        "you choose. After that we keep only:</p>"
        "<ul>"
        "<li>the record of your consent to the terms and to this notice, in anonymised form, "
        "as the law allows;</li>"
        "<li>the record of the ARCO requests dealt with, without personal data.</li>"
        "</ul>"
    ),
    _heading("Cookies"),
    _paragraph(
        "<p>Puente uses only the cookies it needs to work: a session cookie, which keeps you "
        "signed in and protects the forms, and another that remembers the language you "
        "chose. We use no advertising cookies and nothing that follows your activity on "
        "other sites. If you delete the cookies in your browser, you will need to sign in "
        "again.</p>"
    ),
    _heading("Changes to this notice"),
    _paragraph(
        "<p>If this notice changes, we will publish the new version on this page, with its "
        "version number and date. When a change requires it, we will ask you to accept it "
        "again before you take part again. In the meantime you can still read the "
        "consultations, download your data and delete your account.</p>"
    ),
]


# Términos de uso -------------------------------------------------------------

_TERMS_ES = [
    _paragraph(
        "<p>Puente es la plataforma de consulta pública del Ayuntamiento del Municipio "
        "Ejemplo, a cargo de su Dirección de Innovación y Gobierno Abierto. Al crear una "
        "cuenta aceptas estos términos y el "
        '<a href="/aviso-de-privacidad/">aviso de privacidad</a>. Para leer las consultas no '
        "necesitas una cuenta.</p>"
    ),
    _heading("Quién puede participar"),
    _paragraph(
        "<p>Puede participar cualquier persona con un correo electrónico verificado. Cada "
        "persona puede tener una sola cuenta: no crees cuentas adicionales para opinar varias "
        "veces ni para hacerte pasar por alguien más. Cuida tu contraseña y no compartas tu "
        "cuenta.</p>"
    ),
    _heading("Reglas de participación"),
    _paragraph(
        "<p>Una consulta funciona cuando todas las personas pueden opinar con confianza. Al "
        "participar te comprometes a:</p>"
        "<ul>"
        "<li>tratar con respeto a las demás personas: sin insultos ni acoso;</li>"
        "<li>no discriminar a nadie por su origen, género, edad, discapacidad, religión, "
        "preferencia sexual o cualquier otra condición;</li>"
        "<li>no publicar datos personales de otras personas, como su dirección, su teléfono "
        "o su correo;</li>"
        "<li>no publicar spam, publicidad ni el mismo mensaje una y otra vez;</li>"
        "<li>no publicar contenido ilegal;</li>"
        "<li>mantenerte en el tema de la consulta y de la pregunta o el apartado que "
        "comentas.</li>"
        "</ul>"
        "<p>Puedes criticar con toda libertad las propuestas y las decisiones del gobierno; "
        "lo que no se permite es atacar a las personas.</p>"
    ),
    _heading("Moderación"),
    _paragraph(
        "<p>El equipo de moderación del Ayuntamiento cuida que se cumplan estas reglas. Un "
        "comentario puede:</p>"
        "<ul>"
        "<li><strong>quedar en espera de revisión</strong> antes de publicarse, por ejemplo "
        "cuando la consulta revisa todos los comentarios, cuando tu cuenta es nueva o cuando "
        "el texto tiene muchos enlaces;</li>"
        "<li><strong>ocultarse</strong>, por decisión de la moderación o de forma automática "
        "cuando varias personas lo reportan, hasta que se revise;</li>"
        "<li><strong>retirarse</strong> cuando incumple estas reglas.</li>"
        "</ul>"
        "<p>Cuando la moderación oculta o retira un comentario, indica el motivo y te avisa. "
        "Puedes apelar la decisión una vez, y la moderación revisará tu comentario de nuevo. "
        "Si una cuenta incumple las reglas de forma repetida, puede ser bloqueada.</p>"
    ),
    _heading("Licencia de tus comentarios"),
    _paragraph(
        "<p>Conservas la autoría de tus comentarios. Al publicar un comentario, otorgas sobre "
        "el texto publicado la licencia "
        f'<a href="{_CC_BY_ES}">Creative Commons Atribución 4.0 Internacional (CC BY 4.0)</a>: '
        "el Ayuntamiento y cualquier persona pueden copiarlo, analizarlo y citarlo, siempre "
        "que indiquen de dónde proviene.</p>"
        "<p>Cuando la consulta cierra, sus comentarios publicados se publican como datos "
        "abiertos con esa licencia. En esos archivos apareces solo con un seudónimo, nunca "
        "con tu nombre ni con tu correo. Puedes oponerte en cualquier momento desde "
        f"{_MIS_DATOS_ES}: tus comentarios seguirán en el sitio, pero dejarán de incluirse en "
        "los archivos a partir de ese momento. Los archivos que otras personas ya "
        "descargaron no pueden recuperarse. Los detalles están en el "
        '<a href="/aviso-de-privacidad/">aviso de privacidad</a>.</p>'
    ),
    _heading("Editar y borrar tus comentarios"),
    _paragraph(
        "<p>Puedes editar tus comentarios mientras la consulta esté abierta. El sitio guarda "
        "el historial de ediciones, y una edición también puede pasar por revisión antes de "
        "mostrarse.</p>"
        "<p>Puedes borrar tus comentarios en cualquier momento, incluso después de que la "
        "consulta cierre. Su texto deja de mostrarse, pero las respuestas de otras personas "
        "se conservan.</p>"
    ),
    _heading("Qué pasa con tu opinión"),
    _paragraph(
        "<p>Las consultas no son vinculantes: sus resultados no obligan al Ayuntamiento a "
        "tomar una decisión determinada. Lo que sí hace el Ayuntamiento es publicar, al "
        "cerrar cada consulta, una respuesta que explica qué escuchó y qué hará al respecto, "
        "con sus compromisos y su avance.</p>"
    ),
    _heading("Responsabilidad"),
    _paragraph(
        "<p>Cada persona es responsable de lo que publica. Los comentarios expresan la "
        "opinión de quien los escribe, no la del Ayuntamiento. El Ayuntamiento procura que "
        "Puente esté disponible y funcione bien, pero puede suspenderlo por mantenimiento o "
        "por causas fuera de su control. En la medida que lo permita la ley, no responde por "
        "el uso indebido que otras personas hagan del sitio ni por el contenido de sitios "
        "externos enlazados en los comentarios.</p>"
    ),
    _heading("Cambios a estos términos"),
    _paragraph(
        "<p>Si estos términos cambian, publicaremos la nueva versión en esta página, con su "
        "número de versión y su fecha. Cuando un cambio lo requiera, te pediremos que la "
        "aceptes antes de volver a participar; mientras tanto podrás seguir leyendo, "
        "descargar tus datos y borrar tu cuenta.</p>"
    ),
    _callout(
        "¿Tienes dudas?",
        f"<p>Escribe a la Dirección de Innovación y Gobierno Abierto: {_GOBIERNO_ABIERTO}.</p>",
    ),
]

_TERMS_EN = [
    _paragraph(
        "<p>Puente is the public consultation platform of the Ayuntamiento del Municipio "
        "Ejemplo, run by its Dirección de Innovación y Gobierno Abierto (Office of Innovation "
        "and Open Government). By creating an account you accept these terms and the "
        '<a href="/aviso-de-privacidad/">privacy notice</a>. You do not need an account to '
        "read the consultations.</p>"
    ),
    _heading("Who can take part"),
    _paragraph(
        "<p>Anyone with a verified e-mail address can take part. Each person can have only "
        "one account: do not create extra accounts to give your opinion several times or to "
        "pass yourself off as someone else. Look after your password and do not share your "
        "account.</p>"
    ),
    _heading("Rules for taking part"),
    _paragraph(
        "<p>A consultation works when everyone can give their opinion with confidence. By "
        "taking part you agree to:</p>"
        "<ul>"
        "<li>treat other people with respect: no insults or harassment;</li>"
        "<li>not discriminate against anyone because of their origin, gender, age, "
        "disability, religion, sexual orientation or any other condition;</li>"
        "<li>not publish other people's personal data, such as their address, telephone "
        "number or e-mail;</li>"
        "<li>not post spam, advertising or the same message over and over;</li>"
        "<li>not post illegal content;</li>"
        "<li>stay on the topic of the consultation and of the question or section you are "
        "commenting on.</li>"
        "</ul>"
        "<p>You are entirely free to criticise the government's proposals and decisions; "
        "what is not allowed is attacking people.</p>"
    ),
    _heading("Moderation"),
    _paragraph(
        "<p>The municipality's moderation team makes sure these rules are followed. A "
        "comment can:</p>"
        "<ul>"
        "<li><strong>be held for review</strong> before it is published, for example when "
        "the consultation reviews every comment, when your account is new or when the text "
        "has many links;</li>"
        "<li><strong>be hidden</strong>, by a moderation decision or automatically when "
        "several people report it, until it is reviewed;</li>"
        "<li><strong>be removed</strong> when it breaks these rules.</li>"
        "</ul>"
        "<p>When moderation hides or removes a comment, it states the reason and lets you "
        "know. You can appeal the decision once, and moderation will look at your comment "
        "again. An account that breaks the rules repeatedly can be blocked.</p>"
    ),
    _heading("Licence of your comments"),
    _paragraph(
        "<p>You keep the authorship of your comments. By posting a comment, you grant the "
        "published text the "
        f'<a href="{_CC_BY_EN}">Creative Commons Attribution 4.0 International licence '
        "(CC BY 4.0)</a>: the municipality and anyone else may copy, analyse and quote it, "
        "as long as they say where it comes from.</p>"
        "<p>When the consultation closes, its published comments are published as open data "
        "under that licence. In those files you appear only as a pseudonym, never with your "
        f"name or your e-mail. You can opt out at any time from {_MIS_DATOS_EN}: your "
        "comments will stay on the site, but from then on they will no longer be included in "
        "the files. Files that other people have already downloaded cannot be recalled. The "
        'details are in the <a href="/aviso-de-privacidad/">privacy notice</a>.</p>'
    ),
    _heading("Editing and deleting your comments"),
    _paragraph(
        "<p>You can edit your comments while the consultation is open. The site keeps the "
        "edit history, and an edit may also be reviewed before it is shown.</p>"
        "<p>You can delete your comments at any time, even after the consultation has "
        "closed. Their text is no longer shown, but other people's replies are kept.</p>"
    ),
    _heading("What happens to your opinion"),
    _paragraph(
        "<p>Consultations are not binding: their results do not oblige the municipality to "
        "take any particular decision. What the municipality does is publish, when each "
        "consultation closes, a response explaining what it heard and what it will do about "
        "it, with its commitments and their progress.</p>"
    ),
    _heading("Liability"),
    _paragraph(
        "<p>Each person is responsible for what they post. Comments express the opinion of "
        "whoever writes them, not that of the municipality. The municipality tries to keep "
        "Puente available and working well, but may suspend it for maintenance or for "
        "reasons beyond its control. To the extent the law allows, it is not liable for "
        "misuse of the site by other people or for the content of external sites linked in "
        "comments.</p>"
    ),
    _heading("Changes to these terms"),
    _paragraph(
        "<p>If these terms change, we will publish the new version on this page, with its "
        "version number and date. When a change requires it, we will ask you to accept it "
        "before you take part again; in the meantime you can still read, download your data "
        "and delete your account.</p>"
    ),
    _callout(
        "Questions?",
        f"<p>Write to the Dirección de Innovación y Gobierno Abierto: {_GOBIERNO_ABIERTO}.</p>",
    ),
]


# Accesibilidad ---------------------------------------------------------------

_ACCESSIBILITY_ES = [
    _paragraph(
        "<p>El Ayuntamiento del Municipio Ejemplo quiere que todas las personas, incluidas "
        "las personas con discapacidad, puedan informarse y participar en sus consultas "
        "públicas. Puente busca cumplir el nivel AA de las Pautas de Accesibilidad para el "
        "Contenido Web (WCAG) 2.2. Aquí te contamos qué hemos hecho para lograrlo, qué sabemos "
        "que todavía falla y cómo puedes ayudarnos a mejorar.</p>"
    ),
    _heading("Qué hemos revisado"),
    _paragraph(
        "<ul>"
        "<li>Cada nueva versión del sitio pasa por revisiones automáticas con la herramienta "
        "axe-core.</li>"
        "<li>Probamos el sitio usando solo el teclado y con lectores de pantalla.</li>"
        "<li>El sitio funciona sin JavaScript: puedes leer y participar aunque tu navegador "
        "lo tenga desactivado.</li>"
        "<li>Cuando llegan comentarios nuevos mientras lees, los lectores de pantalla los "
        "anuncian con discreción, sin interrumpir lo que estás escuchando.</li>"
        "<li>Todo el sitio está disponible en español y en inglés.</li>"
        "</ul>"
    ),
    _heading("Limitaciones conocidas"),
    _paragraph(
        "<ul>"
        "<li>Algunos documentos que sube el Ayuntamiento, como archivos PDF, pueden no ser "
        "accesibles. Si necesitas una versión accesible de un documento, pídela y te la "
        "haremos llegar.</li>"
        "<li>Las gráficas de los resúmenes pueden ser difíciles de leer para algunas "
        "personas; por eso cada gráfica va acompañada de una tabla con los mismos "
        "datos.</li>"
        "</ul>"
        "<p>Si una gráfica o un documento no te resulta claro, escríbenos y te explicaremos "
        "su contenido por otro medio.</p>"
    ),
    _heading("Cómo reportar una barrera"),
    _paragraph(
        "<p>Si algo te impide usar Puente o leer una consulta, avísanos. Cuéntanos en qué "
        "página estabas y qué intentabas hacer; si quieres, dinos también qué navegador o "
        "qué tecnología de apoyo usas, como un lector de pantalla o un magnificador.</p>"
    ),
    _callout(
        "Contacto de accesibilidad",
        f"<p>Escribe a {_GOBIERNO_ABIERTO} o llama al {_PHONE}. Te responderemos en un "
        "plazo máximo de 10 días hábiles.</p>",
    ),
    _heading("Fecha de esta declaración"),
    _paragraph(
        "<p>Esta declaración se preparó el 6 de diciembre de 2026. La revisaremos cuando "
        "cambie el sitio o cuando nos reportes una barrera.</p>"
    ),
]

_ACCESSIBILITY_EN = [
    _paragraph(
        "<p>The Ayuntamiento del Municipio Ejemplo wants everyone, including people with "
        "disabilities, to be able to find information and take part in its public "
        "consultations. Puente aims to meet level AA of the Web Content Accessibility "
        "Guidelines (WCAG) 2.2. Here we tell you what we have done to get there, what we know "
        "still falls short and how you can help us improve.</p>"
    ),
    _heading("What we have checked"),
    _paragraph(
        "<ul>"
        "<li>Every new release of the site goes through automated checks with the axe-core "
        "tool.</li>"
        "<li>We test the site using only the keyboard and with screen readers.</li>"
        "<li>The site works without JavaScript: you can read and take part even if it is "
        "turned off in your browser.</li>"
        "<li>When new comments arrive while you are reading, screen readers announce them "
        "politely, without interrupting what you are listening to.</li>"
        "<li>The whole site is available in Spanish and in English.</li>"
        "</ul>"
    ),
    _heading("Known limitations"),
    _paragraph(
        "<ul>"
        "<li>Some documents uploaded by the municipality, such as PDF files, may not be "
        "accessible. If you need an accessible version of a document, ask for it and we will "
        "get it to you.</li>"
        "<li>The charts in summaries can be hard for some people to read; that is why every "
        "chart comes with a table of the same data.</li>"
        "</ul>"
        "<p>If a chart or a document is not clear to you, write to us and we will explain "
        "its content another way.</p>"
    ),
    _heading("How to report a barrier"),
    _paragraph(
        "<p>If something stops you from using Puente or reading a consultation, let us know. "
        "Tell us which page you were on and what you were trying to do; if you like, also "
        "tell us which browser or assistive technology you use, such as a screen reader or "
        "a magnifier.</p>"
    ),
    _callout(
        "Accessibility contact",
        f"<p>Write to {_GOBIERNO_ABIERTO} or call {_PHONE}. We will answer within 10 "
        "business days at most.</p>",
    ),
    _heading("Date of this statement"),
    _paragraph(
        "<p>This statement was prepared on 6 December 2026. We will review it when the site "
        "changes or when you report a barrier to us.</p>"
    ),
]


# Preguntas frecuentes --------------------------------------------------------

_FAQ_ES = [
    _heading("¿Qué es una consulta pública?"),
    _paragraph(
        "<p>Es un periodo en el que el Ayuntamiento comparte una propuesta, como el borrador "
        "de un programa o de un reglamento, y pide tu opinión antes de decidir. Puedes "
        "comentar cada apartado del borrador, responder sus preguntas y reaccionar a los "
        "comentarios de otras personas. Cada consulta indica cuándo abre y cuándo "
        "cierra.</p>"
    ),
    _heading("¿Necesito una cuenta?"),
    _paragraph(
        "<p>Para leer las consultas y los comentarios, no. Para comentar, reaccionar o "
        "reportar un comentario, sí: necesitas una cuenta con un correo electrónico "
        "verificado. Para crearla solo te pedimos tu correo, un nombre público y una "
        "contraseña. Cada persona puede tener una sola cuenta.</p>"
    ),
    _heading("¿Por qué mi comentario dice “En espera de revisión”?"),
    _paragraph(
        "<p>Algunos comentarios pasan por el equipo de moderación antes de publicarse: por "
        "ejemplo, cuando la consulta revisa todos los comentarios, cuando tu cuenta es nueva "
        "o cuando el texto tiene varios enlaces. No significa que hayas hecho algo mal. "
        "Mientras tanto solo tú puedes verlo, y te avisaremos cuando se revise.</p>"
    ),
    _heading("¿Cómo edito o borro un comentario?"),
    _paragraph(
        "<p>Usa los botones “Editar” y “Borrar” de tu comentario. Puedes editarlo mientras la "
        "consulta esté abierta y borrarlo en cualquier momento, incluso después del cierre. "
        "El sitio guarda el historial de ediciones. Si lo borras, las respuestas de otras "
        "personas se conservan.</p>"
    ),
    _heading("¿Qué significan “De acuerdo”, “En desacuerdo” y “Paso”?"),
    _paragraph(
        "<p>Son las reacciones que puedes dar a los comentarios de otras personas mientras "
        "la consulta está abierta. “De acuerdo” y “En desacuerdo” indican si compartes lo "
        "que plantea el comentario; “Paso” indica que lo leíste, pero no tienes una opinión "
        "o prefieres no tomar postura. En el sitio solo se muestra cuántas reacciones de "
        "cada tipo tiene un comentario.</p>"
    ),
    _heading("¿Qué pasa cuando cierra una consulta?"),
    _paragraph(
        "<p>Ya no se pueden publicar comentarios ni reacciones, pero todo lo publicado sigue "
        "a la vista. El área responsable prepara un resumen de lo que se dijo y publica una "
        "respuesta que explica qué hará con las propuestas, con compromisos concretos cuyo "
        "avance puedes seguir. Además, los comentarios publicados se vuelven datos "
        "abiertos.</p>"
    ),
    _heading("¿Mi nombre es público?"),
    _paragraph(
        "<p>Tu nombre público sí: aparece junto a tus comentarios, y puedes cambiarlo en "
        f"{_MIS_DATOS_ES}. Tu correo electrónico nunca se muestra públicamente. En los datos "
        "abiertos tampoco aparece tu nombre público: ahí solo figuras con un seudónimo.</p>"
    ),
    _heading("¿Cómo descargo o borro mis datos?"),
    _paragraph(
        f"<p>Entra a {_MIS_DATOS_ES}. Ahí puedes descargar todos tus datos en un archivo ZIP, "
        "corregir tu nombre público y tu correo, y borrar tu cuenta. Al borrarla eliges si el "
        "texto de tus comentarios se retira o se queda de forma anónima como “Participante "
        "eliminado”. El borrado no se puede deshacer. Encontrarás más detalles en el "
        '<a href="/aviso-de-privacidad/">aviso de privacidad</a>.</p>'
    ),
    _heading("¿Cómo se vuelven datos abiertos mis comentarios y cómo lo evito?"),
    _paragraph(
        "<p>Cuando una consulta cierra, sus comentarios publicados se publican como datos "
        f'abiertos con la licencia <a href="{_CC_BY_ES}">CC BY 4.0</a>, para que cualquier '
        "persona pueda analizarlos. En esos archivos apareces solo con un seudónimo, nunca "
        "con tu nombre ni tu correo, y no se incluyen comentarios ocultos, retirados, "
        "borrados o en espera de revisión.</p>"
        "<p>Si no quieres que tus comentarios se incluyan, oponte desde "
        f"{_MIS_DATOS_ES}: seguirán en el sitio, pero saldrán de los archivos a partir de ese "
        "momento. Los archivos que otras personas ya descargaron no pueden recuperarse.</p>"
    ),
    _heading("¿Cómo reporto un comentario?"),
    _paragraph(
        "<p>Usa el botón “Reportar” del comentario, elige el motivo y, si quieres, agrega una "
        "nota para el equipo de moderación, que lo revisará. Si varias personas reportan el "
        "mismo comentario, puede ocultarse de inmediato hasta que se revise. Consulta las "
        'reglas en los <a href="/terminos-de-uso/">términos de uso</a>.</p>'
    ),
]

_FAQ_EN = [
    _heading("What is a public consultation?"),
    _paragraph(
        "<p>It is a period in which the municipality shares a proposal, such as a draft "
        "programme or regulation, and asks for your opinion before deciding. You can comment "
        "on each section of the draft, answer its questions and react to other people's "
        "comments. Each consultation states when it opens and when it closes.</p>"
    ),
    _heading("Do I need an account?"),
    _paragraph(
        "<p>To read the consultations and the comments, no. To comment, react or report a "
        "comment, yes: you need an account with a verified e-mail address. Each person can "
        "To create it we only ask for your e-mail, a display name and a password. Each person "
        "can have only one account.</p>"
    ),
    _heading("Why does my comment say “Awaiting review”?"),
    _paragraph(
        "<p>Some comments go through the moderation team before they are published: for "
        "example, when the consultation reviews every comment, when your account is new or "
        "when the text has several links. It does not mean you did anything wrong. In the "
        "meantime only you can see it, and we will let you know when it has been "
        "reviewed.</p>"
    ),
    _heading("How do I edit or delete a comment?"),
    _paragraph(
        "<p>Use the “Edit” and “Delete” buttons on your comment. You can edit it while the "
        "consultation is open and delete it at any time, even after it closes. The site keeps "
        "the edit history. If you delete it, other people's replies are kept.</p>"
    ),
    _heading("What do “Agree”, “Disagree” and “Pass” mean?"),
    _paragraph(
        "<p>They are the reactions you can give to other people's comments while the "
        "consultation is open. “Agree” and “Disagree” say whether you share what the comment "
        "puts forward; “Pass” says you read it but have no opinion or prefer not to take a "
        "side. The site shows only how many reactions of each kind a comment has.</p>"
    ),
    _heading("What happens when a consultation closes?"),
    _paragraph(
        "<p>No more comments or reactions can be posted, but everything published stays "
        "visible. The office in charge prepares a summary of what was said and publishes a "
        "response explaining what it will do with the proposals, with concrete commitments "
        "whose progress you can follow. The published comments also become open data.</p>"
    ),
    _heading("Is my name public?"),
    _paragraph(
        "<p>Your display name is: it appears next to your comments, and you can change it in "
        f"{_MIS_DATOS_EN}. Your e-mail address is never shown publicly. Your display name does "
        "not appear in the open data either: there you appear only as a pseudonym.</p>"
    ),
    _heading("How do I download or delete my data?"),
    _paragraph(
        f"<p>Go to {_MIS_DATOS_EN}. There you can download all your data as a ZIP file, "
        "correct your display name and your e-mail, and delete your account. When you delete "
        "it you choose whether the text of your comments is withdrawn or stays anonymously "
        "as “Deleted participant”. Deletion cannot be undone. You will find more details in "
        'the <a href="/aviso-de-privacidad/">privacy notice</a>.</p>'
    ),
    _heading("How do my comments become open data, and how do I opt out?"),
    _paragraph(
        "<p>When a consultation closes, its published comments are published as open data "
        f'under the <a href="{_CC_BY_EN}">CC BY 4.0</a> licence, so that anyone can analyse '
        "them. In those files you appear only as a pseudonym, never with your name or your "
        "e-mail, and hidden, removed, deleted and awaiting-review comments are not "
        "included.</p>"
        "<p>If you do not want your comments included, opt out from "
        f"{_MIS_DATOS_EN}: they will stay on the site, but leave the files from then on. "
        "Files that other people have already downloaded cannot be recalled.</p>"
    ),
    _heading("How do I report a comment?"),
    _paragraph(
        "<p>Use the comment's “Report” button, choose the reason and, if you like, add a note "
        "for the moderation team, who will review it. If several people report the same "
        "comment, it may be hidden straight away until it is reviewed. See the rules in the "
        '<a href="/terminos-de-uso/">terms of use</a>.</p>'
    ),
]


PAGES = [
    {
        "key": "privacy",
        "slug": "aviso-de-privacidad",
        "title": {"es": "Aviso de privacidad", "en": "Privacy notice"},
        "intro": {
            "es": (
                "Qué datos personales trata Puente, para qué los usa el Ayuntamiento y cómo "
                "puedes consultarlos, corregirlos, descargarlos o borrarlos."
            ),
            "en": (
                "What personal data Puente handles, what the municipality uses them for, and "
                "how you can see, correct, download or delete them."
            ),
        },
        "body": {"es": _PRIVACY_ES, "en": _PRIVACY_EN},
    },
    {
        "key": "terms",
        "slug": "terminos-de-uso",
        "title": {"es": "Términos de uso", "en": "Terms of use"},
        "intro": {
            "es": (
                "Las reglas para participar en las consultas de Puente: quién puede hacerlo, "
                "cómo cuidamos la conversación y qué pasa con lo que publicas."
            ),
            "en": (
                "The rules for taking part in Puente's consultations: who can take part, how "
                "we look after the conversation and what happens to what you post."
            ),
        },
        "body": {"es": _TERMS_ES, "en": _TERMS_EN},
    },
    {
        "key": "accessibility",
        "slug": "accesibilidad",
        "title": {"es": "Declaración de accesibilidad", "en": "Accessibility statement"},
        "intro": {
            "es": (
                "Queremos que cualquier persona pueda usar Puente: esto es lo que revisamos, "
                "lo que aún falta y cómo avisarnos de una barrera."
            ),
            "en": (
                "We want everyone to be able to use Puente: this is what we have checked, "
                "what is still missing and how to tell us about a barrier."
            ),
        },
        "body": {"es": _ACCESSIBILITY_ES, "en": _ACCESSIBILITY_EN},
    },
    {
        "key": "faq",
        "slug": "preguntas-frecuentes",
        "title": {"es": "Preguntas frecuentes", "en": "Frequently asked questions"},
        "intro": {
            "es": "Respuestas breves a las dudas más comunes sobre cómo participar en Puente.",
            "en": "Short answers to the most common questions about taking part in Puente.",
        },
        "body": {"es": _FAQ_ES, "en": _FAQ_EN},
    },
]


def page(key):
    """The spec of the page `key`."""
    for spec in PAGES:
        if spec["key"] == key:
            return spec
    raise KeyError(key)
