"""clean_body's promises, for any text (issue 14, row 8): what it stores is
text only, cleaning it again changes nothing, and text with nothing to
clean comes back as typed."""

import re
import unicodedata
from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st

from comments.text import clean_body, inert_body

BOUNDED = settings(max_examples=300, deadline=None, database=None)

# The pieces markup tricks are made of, mixed with arbitrary text.
PIECES = [
    "<", ">", "/", "!", "?", "[", "]", "-", "--", "=", '"', "'", "`", " ", "\n", "\t", "\x00",
    "&", "&lt;", "&gt;", "&amp;", "&#60;", "&#x3c;", "&lt", "&quot;", "&nbsp;",
    "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE", "<?", "?>", "</",
    "script", "style", "img", "svg", "math", "b", "a", "p", "textarea", "title", "xmp",
    "plaintext", "noscript", "iframe", "template", "select", "option", "table",
    " src=x", " onerror=alert(1)", " href=javascript:alert(1)",
    "＜", "﹤", "ｓ", "ñ", "‹", "http://", "https://x.example/",
]  # fmt: skip
markupish = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=30).map(
    "".join
)
any_text = st.one_of(markupish, st.text())


class Events(HTMLParser):
    """Everything but text that an HTML parser finds in a string."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append(("start", tag))

    def handle_startendtag(self, tag, attrs):
        self.found.append(("startend", tag))

    def handle_endtag(self, tag):
        self.found.append(("end", tag))

    def handle_comment(self, data):
        self.found.append(("comment", data))

    def handle_decl(self, decl):
        self.found.append(("decl", decl))

    def handle_pi(self, data):
        self.found.append(("pi", data))

    def unknown_decl(self, data):
        self.found.append(("cdata or unknown", data))


def assert_text_only(text):
    # As it is, and followed by markup (as when a reuser pastes it into a
    # page): a tag left open at the end would close on the next ">".
    for page in (text, text + ">", text + "<p>x</p>"):
        found = Events(page).found
        assert found in ([], [("start", "p"), ("end", "p")]), (text, found)
    # The same in the browsers' terms, and after folding (NFKC), which
    # turns full-width letters and "＜" into ASCII ones.
    for form in (text, unicodedata.normalize("NFKC", text)):
        assert not re.search(r"<[a-zA-Z/!?]", form), text


@BOUNDED
@given(any_text)
@example("<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>")
@example("<<img src=x>img src=x onerror=alert(1)>")
@example("<<<<<<b>b>b>b>b>b>fin")
@example("<＜ｓcript>")
@example("a<b")
def test_clean_body_yields_text_only(text):
    assert_text_only(clean_body(text))


@BOUNDED
@given(any_text)
def test_inert_body_yields_text_only(text):
    assert_text_only(inert_body(text))


@BOUNDED
@given(any_text)
@example("<<<<<<b>b>b>b>b>b>fin")
@example("uno\n \n \n dos")
def test_cleaning_twice_changes_nothing(text):
    once = clean_body(text)
    assert clean_body(once) == once
    assert inert_body(once) == once


@BOUNDED
@given(any_text)
def test_no_control_characters_survive(text):
    cleaned = clean_body(text)
    assert not [c for c in cleaned if unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t"]


def normalised_whitespace(text):
    """What clean_body does to text with nothing to clean, said another way."""
    lines = [line.rstrip() for line in re.split("\r\n|[\r\v\f\x85\u2028\u2029]|\n", text)]
    kept, blank = [], 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank < 2:
            kept.append(line)
    return "\n".join(kept).strip()


ordinary = st.text(
    alphabet=st.characters(
        codec="utf-8",
        # No "<" (markup), no control characters but line ends and tabs.
        exclude_characters="<＜﹤",
        exclude_categories=("Cc", "Cs"),
        include_characters="\n\t\r",
    )
)


@BOUNDED
@given(ordinary)
@example("Pan & vino; &lt;b&gt; se queda, “comillas” y 'simples' > todo")
@example("  uno \n\n\n\n dos\r\ntres  ")
def test_ordinary_text_is_kept_as_typed(text):
    assert clean_body(text) == normalised_whitespace(text)
