"""comments/text.py: what is stored (clean_body) and what is shown (render_body)."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from comments.text import clean_body, inert_body, render_body
from search.terms import summary_terms

REL = 'rel="nofollow ugc noopener noreferrer"'

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">clic</a>',
    '<a href="JaVaScRiPt:alert(1)" onclick="alert(2)">clic</a>',
    '<a href="  javascript:alert(1)">clic</a>',
    "javascript:alert(1)",
    "javascript://example.com/%0aalert(1)",
    "http://example.com/javascript:alert(1)",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    '<details open ontoggle="alert(1)">',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;",
    'http://example.com/"onclick="alert(1)',
    "http://example.com/'onmouseover='alert(1)",
    'https://example.com/"><script>alert(1)</script>',
    "http://example.com/<img src=x onerror=alert(1)>",
    "<style>*{x:expression(alert(1))}</style>texto",
    '<form action="javascript:alert(1)"><button>enviar</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]

# An <a> whose URL nh3 cannot parse loses its href and stays as inert text.
ALLOWED_TAG = re.compile(
    r'<(?:p|/p|br|/a|a (?:href="https?://[^"]*" )?' + re.escape(REL) + r")>", re.IGNORECASE
)


def shown(text):
    return str(render_body(clean_body(text)))


class Markup(HTMLParser):
    """Every element, attribute, comment and declaration in an HTML string."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements, self.other = [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.other.append(("comment", data))

    def handle_decl(self, decl):
        self.other.append(("decl", decl))

    def handle_pi(self, data):
        self.other.append(("pi", data))

    def unknown_decl(self, data):
        self.other.append(("decl", data))


def assert_only_safe_markup(html):
    """p and br without attributes; a with an http(s) href and our rel; nothing else."""
    markup = Markup(html)
    assert markup.other == [], html
    for tag, attrs in markup.elements:
        assert tag in {"p", "br", "a"}, html
        if tag == "a":
            assert set(attrs) <= {"href", "rel"}, html
            assert attrs["rel"] == "nofollow ugc noopener noreferrer"
            assert re.match(r"https?://", attrs.get("href", "http://"), re.IGNORECASE), html
        else:
            assert attrs == {}, html
    assert "<script" not in html.lower()
    assert ALLOWED_TAG.sub("", html).count("<") == 0, html


# --- clean_body -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<b>negrita</b> y <i>cursiva</i>", "negrita y cursiva"),
        ("<p>Uno</p>", "Uno"),
        ("Hola <script>alert(1)</script>mundo", "Hola mundo"),
        ("<style>p { color: red }</style>Texto", "Texto"),
        ("Antes<!-- comentario -->después", "Antesdespués"),
        ('<a href="https://example.com">el enlace</a>', "el enlace"),
    ],
)
def test_markup_is_stripped_and_text_kept(typed, stored):
    assert clean_body(typed) == stored


@pytest.mark.parametrize(
    "text",
    ["Pan & vino", "1 < 2 y 3 > 2", "“comillas” 'simples' \"dobles\"", "a&b&&c", "Tom & Jerry;"],
)
def test_plain_text_round_trips(text):
    assert clean_body(text) == text


def test_ampersand_round_trips_through_render():
    html = shown("Pan & vino")
    assert html == "<p>Pan &amp; vino</p>"


def test_line_ends_are_normalised_and_blank_runs_collapsed():
    assert clean_body("uno\r\ndos\rtres") == "uno\ndos\ntres"
    assert clean_body("uno\n\n\n\n\ndos") == "uno\n\ndos"
    assert clean_body("  \n\n uno   \n dos  \n\n  ") == "uno\n dos"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "<b></b>", "<script>x</script>"])
def test_nothing_left_is_empty(text):
    assert clean_body(text) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "Escribe &lt;b&gt; para negrita",
        "&#60;img src=x onerror=alert(1)&#62;",
    ],
)
def test_cleaning_is_idempotent_and_leaves_no_markup(typed):
    once = clean_body(typed)
    assert clean_body(once) == once
    assert not re.search(r"<[a-zA-Z/!]", once)


# The issue's payloads (issue 14, row 8): the cleaner before stored
# "><img src=x onerror=alert(1)>" and "<img src=x onerror=alert(1)>".
ISSUE_PAYLOADS = [
    "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>",
    "<<img src=x>img src=x onerror=alert(1)>",
]
TAG_OPENING = re.compile(r"<[a-zA-Z/!?]")


@pytest.mark.parametrize("typed", ISSUE_PAYLOADS)
def test_markup_revealed_by_stripping_is_stripped_too(typed):
    stored = clean_body(typed)
    assert not TAG_OPENING.search(stored), stored
    assert "img" not in stored and "onerror" not in stored


@pytest.mark.parametrize("typed", ISSUE_PAYLOADS)
def test_summary_terms_do_not_pick_up_markup(typed):
    terms = summary_terms(clean_body(typed + " Más ciclovías en la colonia."))
    assert "ciclovías" in terms.values()
    assert not [key for key in terms if "img" in key or "src" in key or "onerror" in key]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # A "<" that cannot open markup stays.
        ("3 < 5, x <= y, <3, a <- b, a << b", "3 < 5, x <= y, <3, a <- b, a << b"),
        # One that never closes is text, kept inert (browsers would drop it
        # and everything after it; nh3 did).
        ("si a<b el costo baja", "si a‹b el costo baja"),
        ("3 < 5 y a<b", "3 < 5 y a‹b"),
        ("Hola <!-- no es un comentario", "Hola ‹!-- no es un comentario"),
        ("x </ y", "x ‹/ y"),
        # An address in angle brackets is text too.
        ("Ver <https://x.example/a> y", "Ver ‹https://x.example/a› y"),
        # Tags nested so that stripping one reveals another.
        ("<<b>b>texto", "texto"),
        ("<scr<script>ipt>alert(1)</scr</script>ipt>", "ipt>alert(1)ipt>"),
        ("<textarea><b>x</b></textarea>", "x"),
        ("<plaintext><script>alert(1)</script>hola", "hola"),
        # Letters that fold (NFKC) to ASCII ones, and a "<" that folds to "<".
        ("<ｓcript>", "‹ｓcript>"),
        ("＜b>", "‹b>"),
    ],
)
def test_what_could_open_markup_is_stripped_or_made_inert(typed, stored):
    assert clean_body(typed) == stored
    assert not TAG_OPENING.search(clean_body(typed))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("uno\x00dos", "unodos"),
        ("a\x01b\x1bc\x7fd\x9be", "abcde"),
        ("x<\x00script>", "x"),  # dropped before markup is looked for, not after
        (
            "uno\x0bdos\x0ctres\x85cuatro\u2028cinco\u2029seis",
            "uno\ndos\ntres\ncuatro\ncinco\nseis",
        ),
        ("con\ttabulador", "con\ttabulador"),
        ("sin par \ud800 aquí", "sin par  aquí"),
    ],
)
def test_control_characters_and_lone_surrogates_do_not_survive(typed, stored):
    assert clean_body(typed) == stored


def test_lines_of_spaces_count_as_blank():
    assert clean_body("uno\n \n \n dos") == "uno\n\n dos"


@pytest.mark.parametrize(
    ("stored", "inert"),
    [
        ("<img src=x onerror=alert(1)>", "‹img src=x onerror=alert(1)>"),
        ("><img src=x>", ">‹img src=x>"),
        ("3 < 5 &lt;b&gt;", "3 < 5 &lt;b&gt;"),
        ("a\x01b", "ab"),
    ],
)
def test_inert_body_keeps_every_character_but_what_opens_markup(stored, inert):
    assert inert_body(stored) == inert
    assert clean_body(inert) == inert


# --- render_body ----------------------------------------------------------------


def test_paragraphs_and_line_breaks():
    assert str(render_body("uno\ndos\n\ntres")) == "<p>uno<br>dos</p><p>tres</p>"
    assert str(render_body("uno\n   \ndos")) == "<p>uno</p><p>dos</p>"


def test_empty_text_renders_nothing():
    assert str(render_body("")) == ""


@pytest.mark.parametrize("url", ["http://example.com/a?b=1", "https://example.com/ruta#x"])
def test_http_links_become_safe_links(url):
    html = shown(f"Mira {url} por favor")
    escaped = url.replace("&", "&amp;")
    assert html == f'<p>Mira <a href="{escaped}" {REL}>{escaped}</a> por favor</p>'


def test_link_with_query_keeps_its_ampersand():
    html = shown("https://example.com/?a=1&b=2")
    assert 'href="https://example.com/?a=1&amp;b=2"' in html


def test_trailing_punctuation_is_not_part_of_the_link():
    html = shown("Ver https://example.com/texto.")
    assert 'href="https://example.com/texto"' in html
    assert html.endswith("</a>.</p>")


class Shown(HTMLParser):
    """The links of rendered HTML, (href, text) as a browser reads them, and
    all its text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.links, self.text, self._href = [], "", None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href"), ""

    def handle_endtag(self, tag):
        if tag == "a":
            self.links.append((self._href, self._link_text))
            self._href = None

    def handle_data(self, data):
        self.text += data
        if self._href is not None:
            self._link_text += data


A = "https://x.example/a"
WIKI = "https://es.wikipedia.org/wiki/Foo_(bar)"


@pytest.mark.parametrize(
    ("text", "url"),
    [
        # Quotes around an address (issue 14, row 9), straight and typographic.
        (f'Mira "{A}" y dime', A),
        (f"Mira “{A}” y dime", A),
        (f"Mira «{A}» y dime", A),
        (f"Mira ‘{A}’ y dime", A),
        (f"Mira „{A}“ y dime", A),
        (f"Mira '{A}' y dime", A),
        (f"Mira '{A}', dijo", A),
        (f'"{A}".', A),
        # Apostrophes inside an address are part of it.
        (
            "https://en.wikipedia.org/wiki/Hitchhiker's_Guide y más",
            "https://en.wikipedia.org/wiki/Hitchhiker's_Guide",
        ),
        # Angle brackets.
        (f"Ver <{A}> y", A),
        (f"Ver ‹{A}› y", A),
        # Parentheses and brackets: the address's own are kept, the text's not.
        (f"Ver {WIKI} y", WIKI),
        (f"({A})", A),
        (f"(ver {WIKI})", WIKI),
        (f"(ver {WIKI}).", WIKI),
        (f"[{A}]", A),
        ("https://x.example/a_(b)_c/(d)", "https://x.example/a_(b)_c/(d)"),
        # Punctuation after an address.
        *[(f"Ver {A}{mark} y", A) for mark in [".", ",", ";", ":", "!", "?", "...", "…", "?!"]],
        # Spanish opening marks.
        (f"¿Viste {A}?", A),
        (f"¡Mira {A}!", A),
        (f"¿{A}?", A),
        # Query strings.
        ("https://x.example/buscar?q=calle&pag=2", "https://x.example/buscar?q=calle&pag=2"),
        ("https://x.example/?a=1&b=2; y luego", "https://x.example/?a=1&b=2"),
        ("https://x.example/?q=%22cita%22#parte", "https://x.example/?q=%22cita%22#parte"),
        # Accented paths and upper case schemes.
        ("https://x.example/ñandú.", "https://x.example/ñandú"),
        ("HTTPS://X.EXAMPLE/A", "HTTPS://X.EXAMPLE/A"),
    ],
)
def test_an_address_is_linked_without_the_text_around_it(text, url):
    page = Shown(shown(text))
    assert page.links == [(url, url)]
    # Nothing typed is lost, gained or changed on the way ("&quot;" and a
    # stray ";" were, when quotes were escaped before links were found).
    assert page.text == clean_body(text)


def test_quoted_address_leaves_no_stray_entity():
    html = shown(f'Mira "{A}" y …')
    assert html == f'<p>Mira "<a href="{A}" {REL}>{A}</a>" y …</p>'


def test_ampersand_in_a_link_is_escaped_in_html_and_whole_in_the_address():
    html = shown("https://x.example/?a=1&b=2&lt=3")
    assert 'href="https://x.example/?a=1&amp;b=2&amp;lt=3"' in html
    assert Shown(html).links == [("https://x.example/?a=1&b=2&lt=3",) * 2]


@pytest.mark.parametrize(
    "text",
    [
        "http://",
        "https://.",
        "http://?",
        "(https://)",
        "xhttps://x.example/a",
        "mi_https://x.example/a",
        "javascript:https://x.example/a",
    ],
)
def test_no_address_no_link(text):
    page = Shown(shown(text))
    if text.startswith("javascript:"):
        # The http address after it is linked, never the javascript: one.
        assert page.links == [("https://x.example/a", "https://x.example/a")]
    else:
        assert page.links == []
    assert page.text == clean_body(text)


def test_several_addresses_on_lines_and_paragraphs():
    page = Shown(shown(f"{A}, {WIKI}\n(https://x.example/b)\n\n“https://x.example/c”"))
    assert [href for href, _ in page.links] == [
        A,
        WIKI,
        "https://x.example/b",
        "https://x.example/c",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "ftp://example.com/file",
        "mailto:persona@example.com",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "www.example.com",
    ],
)
def test_only_http_and_https_become_links(text):
    assert "<a" not in shown(text)


def test_render_escapes_stored_angle_brackets():
    # What is stored is plain text: render must escape it, whatever it holds.
    html = str(render_body('<script>alert(1)</script> <img src=x onerror="alert(1)">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_renders_harmless(text):
    html = shown(text)
    assert_only_safe_markup(html)
    # Event handlers and script URLs never survive as markup: at most as
    # escaped text or inside a quoted http(s) href.
    tags = " ".join(re.findall(r"<[^>]*>", html)).lower()
    for needle in ("onerror=", "onclick=", "onload=", "ontoggle=", "onmouseover=", "javascript:"):
        assert not re.search(rf"\s{needle}", tags), html
        assert f'href="{needle}' not in tags


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_rendered_straight_is_harmless(text):
    # render_body must be safe on its own, even for text that never went
    # through clean_body (imported data, older rows).
    assert_only_safe_markup(str(render_body(text)))


# --- Properties -----------------------------------------------------------------


url_like = st.builds(
    lambda scheme, rest: f"{scheme}{rest}",
    st.sampled_from(["http://", "https://", "javascript:", "HTTP://", ""]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)
markup_like = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
        st.sampled_from(
            ["<", ">", "&", '"', "'", "\n", "\n\n", "</", "<a href=", "<script>", "&lt;", "&amp;"]
        ),
        url_like,
    ),
    max_size=12,
).map("".join)


@settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(markup_like)
@example('http://a.b/"><script>alert(1)</script>')
@example("&lt;p onclick=x&gt;")
@example("http://x/&quot;onmouseover=&quot;alert(1)")
def test_rendered_output_has_only_the_allowed_tags(text):
    assert_only_safe_markup(shown(text))


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_clean_body_output_never_grows_whitespace_or_markup_tags(text):
    cleaned = clean_body(text)
    assert cleaned == cleaned.strip()
    assert "\n\n\n" not in cleaned
    assert "\r" not in cleaned
    assert_only_safe_markup(str(render_body(cleaned)))
    # Rendering never needs clean_body first to be safe.
    assert_only_safe_markup(str(render_body(text)))
