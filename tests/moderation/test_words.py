"""The word filter: moderators' words and phrases hold a comment for review,
matched without regard to accents or case, on word boundaries."""

import pytest
from django.db import IntegrityError, transaction

from comments import actions
from comments.models import CommentStatus
from core.text import fold
from moderation import words
from moderation.models import FilteredWord, HoldReason, Review
from notifications.models import Notice


def match(text, *listed):
    return words.first_match(text, [fold(w) for w in listed])


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Participación", "participacion"),
        ("ESTÚPIDO", "estupido"),
        ("Pingüino", "pinguino"),
        ("Straße", "strasse"),
        # Invisible characters inside a word are dropped, not kept as breaks.
        ("estú\u00adpido", "estupido"),
        ("es\u200btúpido", "estupido"),
    ],
)
def test_normalize_folds_accents_case_and_invisible_characters(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    "text",
    [
        "Eres un ESTUPIDO.",
        "Eres un Estúpido",
        "estúpido",
        "¡estúpido!",
        "(eStÚpIdO)",
        "un estu\u0301pido escrito con acento combinado",
        "un estú\u00adpido con guion blando",
    ],
)
def test_a_listed_word_matches_with_or_without_accents_in_any_case(text):
    assert match(text, "estúpido") == "estupido"
    # Listed without the accent: the same matches.
    assert match(text, "estupido") == "estupido"


@pytest.mark.parametrize(
    "text",
    [
        "Eso es una tontería",
        "Los tontos",
        "atontado",
        "tonto_grande",
        "tonto2",
        "Nada que ver",
        "",
    ],
)
def test_a_word_does_not_match_inside_another(text):
    assert match(text, "tonto") is None


@pytest.mark.parametrize("text", ["tonto", "Tonto, dijo", "es-tonto-y", "'tonto'", "1 tonto 2"])
def test_a_word_matches_between_punctuation_and_at_the_edges(text):
    assert match(text, "tonto") == "tonto"


@pytest.mark.parametrize(
    "text",
    [
        "Vete al carajo ya",
        "vete   al\tcarajo",
        "VETE\nal\n\ncarajo",
        "Vété al Cárajo",
    ],
)
def test_a_phrase_matches_across_any_whitespace_and_is_returned_as_listed(text):
    assert match(text, "vete al carajo") == "vete al carajo"
    # Spaces doubled in the list change nothing.
    assert match(text, "vete  al  carajo") == "vete al carajo"


def test_a_phrase_needs_its_words_in_order_and_apart():
    assert match("vete al", "vete al carajo") is None
    assert match("veteal carajo", "vete al carajo") is None
    assert match("carajo al vete", "vete al carajo") is None


def test_the_longest_listed_phrase_wins_over_a_word_it_starts_with():
    assert match("Eres un tonto de remate", "tonto", "tonto de remate") == "tonto de remate"


def test_listed_words_are_literal_not_patterns():
    assert match("cxuxlxo", "c.u.l.o") is None
    assert match("Un c.u.l.o aquí", "c.u.l.o") == "c.u.l.o"
    assert match("a+b", "a+") is None


def test_no_or_blank_words_match_nothing():
    assert match("cualquier cosa") is None
    assert words.first_match("cualquier cosa", ["", "  "]) is None


def test_the_stored_form_is_normalised_and_unique_per_language(db):
    word = FilteredWord.objects.create(word=" Estúpido ", language="es")
    assert word.normalized == "estupido"
    FilteredWord.objects.create(word="estupido", language="en")
    with pytest.raises(IntegrityError), transaction.atomic():
        FilteredWord.objects.create(word="ESTUPIDO", language="es")
    # Keyed by the form matched; both languages' words are matched.
    assert set(words.listed_words()) == {"estupido"}


# --- On posting ---------------------------------------------------------------


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué opinas?"])


def post(user, page, body):
    return actions.do_post_comment(user, page, body=body, question=page.ordered_questions[0].pk)


def test_a_listed_word_holds_the_comment_and_never_rejects_it(
    page, citizen, django_capture_on_commit_callbacks, mailoutbox
):
    FilteredWord.objects.create(word="estúpido", language="es")
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(citizen, page, "Qué propuesta más ESTUPIDO")
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HELD
    assert comment.body == "Qué propuesta más ESTUPIDO"
    review = Review.objects.get(comment=comment)
    assert (review.pending, review.kind) == (True, "held")
    # The word as the moderators listed it, accents and all.
    assert (review.hold_reason, review.hold_detail) == (HoldReason.WORD, "estúpido")
    notice = Notice.objects.get(user=citizen)
    assert (notice.kind, notice.hold_reason, notice.comment) == ("held", "word", comment)
    assert [m.to for m in mailoutbox] == [[citizen.email]]


def test_a_phrase_split_over_lines_holds_with_the_listed_phrase(page, citizen):
    FilteredWord.objects.create(word="Vete al  carajo", language="es")
    comment = post(citizen, page, "Pues vete\nal carajo, de verdad.")
    assert comment.status == CommentStatus.HELD
    assert Review.objects.get(comment=comment).hold_detail == "Vete al  carajo"


def test_an_english_word_holds_a_spanish_comment(page, citizen):
    FilteredWord.objects.create(word="idiot", language="en")
    comment = post(citizen, page, "Este plan es de un IDIOT, sin duda.")
    assert comment.status == CommentStatus.HELD
    assert Review.objects.get(comment=comment).hold_detail == "idiot"


def test_a_word_inside_another_does_not_hold(page, citizen):
    FilteredWord.objects.create(word="tonto", language="es")
    comment = post(citizen, page, "Esto es una tontería, pero la comento.")
    assert comment.status == CommentStatus.PUBLISHED
    assert not Review.objects.exists() and not Notice.objects.exists()


def test_a_word_added_later_applies_to_the_next_comment(page, citizen):
    assert post(citizen, page, "Un idiota escribe").status == CommentStatus.PUBLISHED
    FilteredWord.objects.create(word="idiota", language="es")
    assert post(citizen, page, "Otro idiota escribe").status == CommentStatus.HELD
    FilteredWord.objects.all().delete()
    assert post(citizen, page, "Un tercer idiota").status == CommentStatus.PUBLISHED
