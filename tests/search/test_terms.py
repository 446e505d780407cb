"""Significant terms and phrases for summaries (search/terms.py), the same on
every backend: a hand-made set of comments whose significant words per
question are known, indexed into each backend by the `backend` fixture of
tests/search/conftest.py (this module gives it its own `dataset`)."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.roles import CITIZEN
from comments.models import Comment, CommentStatus
from search.backends import get_backend
from search.significance import jlh, significant_terms
from search.terms import (
    BUCKETS,
    MIN_COUNT,
    Term,
    bucket,
    sample_buckets,
    summary_terms,
    words_of,
)
from tests.factories import (
    ConsultationIndexPageFactory,
    ConsultationPageFactory,
    UserFactory,
    home_page,
)
from tests.search.conftest import T0, index_ids

pytestmark = pytest.mark.django_db

PUBLISHED, HIDDEN, REMOVED, HELD, DELETED = (
    CommentStatus.PUBLISHED,
    CommentStatus.HIDDEN,
    CommentStatus.REMOVED,
    CommentStatus.HELD,
    CommentStatus.DELETED,
)

# key, consultation, anchor ("q" | "s", position), status, hours after T0, body, themes
SPECS = (
    # A, question 0: public transport.
    ("t1", "A", ("q", 0), PUBLISHED, 1, "El transporte público tiene que llegar a las colonias.",
     ("Movilidad",)),
    ("t2", "A", ("q", 0), PUBLISHED, 2, "Más transporte publico y menos autos en el centro.", ()),
    ("t3", "A", ("q", 0), PUBLISHED, 3, "El transporte público nocturno es urgente.",
     ("movilidad",)),
    ("t4", "A", ("q", 0), PUBLISHED, 4, "Queremos transporte público gratuito, y seguro.", ()),
    ("t5", "A", ("q", 0), PUBLISHED, 5, "Las banquetas del centro están rotas.", ()),
    # Never counted, whatever their text says.
    ("x1", "A", ("q", 0), HIDDEN, 5, "Corrupción en la corrupción del transporte.", ()),
    ("x2", "A", ("q", 0), REMOVED, 5, "Corrupción y más corrupción.", ()),
    ("x3", "A", ("q", 0), HELD, 5, "La corrupción del transporte.", ()),
    ("x4", "A", ("q", 0), DELETED, 5, "Corrupción borrada.", ()),
    # A, question 1: floods.
    ("f1", "A", ("q", 1), PUBLISHED, 6, "Las inundaciones afectan la colonia cada año.",
     ("Movilidad",)),
    ("f2", "A", ("q", 1), PUBLISHED, 7, "Sin drenaje las inundaciones seguirán.", ()),
    ("f3", "A", ("q", 1), PUBLISHED, 8, "Las inundaciones del centro son graves.", ()),
    ("f4", "A", ("q", 1), PUBLISHED, 9, "El drenaje está tapado y hay inundaciones.", ()),
    ("f5", "A", ("q", 1), PUBLISHED, 10, "El centro necesita drenaje.", ()),
    # A, question 2: in English.
    ("e1", "A", ("q", 2), PUBLISHED, 11, "The bike lanes are unsafe at night.", ()),
    ("e2", "A", ("q", 2), PUBLISHED, 12, "We need protected bike lanes downtown.", ()),
    ("e3", "A", ("q", 2), PUBLISHED, 13, "Bike lanes should connect the parks.", ()),
    ("e4", "A", ("q", 2), PUBLISHED, 14, "The parks need lighting.", ()),
    # A, section 0: participation, with and without accents.
    ("p1", "A", ("s", 0), PUBLISHED, 15, "La participación ciudadana importa en el centro.", ()),
    ("p2", "A", ("s", 0), PUBLISHED, 16, "Participacion ciudadana real.", ()),
    ("p3", "A", ("s", 0), PUBLISHED, 17, "PARTICIPACIÓN ciudadana, por favor.", ()),
    # B: one question, so its question's background is itself.
    ("b1", "B", ("q", 0), PUBLISHED, 18, "El presupuesto participativo del parque.", ()),
    ("b2", "B", ("q", 0), PUBLISHED, 19, "Presupuesto participativo para el parque central.", ()),
    ("b3", "B", ("q", 0), PUBLISHED, 20, "Presupuesto participativo y transparencia.", ()),
)  # fmt: skip

# Published comments: in A, in the whole site.
A_SIZE = 17
SITE_SIZE = 20


@dataclass
class TermsDataset:
    consultations: dict  # "A" / "B" / "C" (no comments) -> ConsultationPage
    comments: dict  # key -> Comment
    author: object

    def question(self, consultation, position):
        return self.consultations[consultation].ordered_questions[position].pk

    def section(self, consultation, position):
        return self.consultations[consultation].ordered_sections[position].pk


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    """This module's comments, in place of the search tests' data set (the
    `backend` fixture indexes whatever `dataset` holds)."""
    with django_db_blocker.unblock(), transaction.atomic():
        index = ConsultationIndexPageFactory(parent=home_page())
        consultations = {
            "A": ConsultationPageFactory(
                parent=index,
                title="Plan de movilidad",
                questions=["¿Transporte?", "¿Inundaciones?", "¿Bicicletas?"],
                sections=[("Participación", "Cómo participar.")],
            ),
            "B": ConsultationPageFactory(
                parent=index, title="Presupuesto", questions=["¿En qué gastar?"]
            ),
            "C": ConsultationPageFactory(parent=index, title="Vacía", questions=["¿Algo?"]),
        }
        author = UserFactory(roles=[CITIZEN])
        comments = {}
        for key, consultation, (kind, position), status, hours, body, themes in SPECS:
            page = consultations[consultation]
            comment = Comment.objects.create(
                consultation=page,
                question=page.ordered_questions[position] if kind == "q" else None,
                section=page.ordered_sections[position] if kind == "s" else None,
                author=author,
                body=body,
                status=status,
                created=T0 + timedelta(hours=hours),
                seq=0,
            )
            comment.root = comment
            comment.save(update_fields=["root"])
            if themes:
                comment.tags.add(*themes)
            comments[key] = comment
        yield TermsDataset(consultations, comments, author)
        transaction.set_rollback(True)


def terms_of(*args, **kwargs):
    """significant_terms, leaving no word out unless told (the tests of
    what is left out say so)."""
    kwargs.setdefault("leave_out", {})
    return significant_terms(*args, **kwargs)


def shown(terms):
    return [(term.text, term.count, term.background) for term in terms]


# What a comment's terms are.


def spelled(text):
    """A text's terms as the words it wrote them in."""
    return set(summary_terms(text).values())


def test_words_are_lowercased_and_stop_words_removed_in_both_languages():
    assert spelled("El transporte de la ciudad") == {
        "transporte",
        "ciudad",
        "transporte ciudad",
    }
    assert spelled("We need THE bike lanes") == {
        "need",
        "bike",
        "lanes",
        "need bike",
        "bike lanes",
    }
    assert summary_terms("y de la que el en los del se las por un para con no") == {}
    assert summary_terms("the and of to in is it that was for on are with") == {}


def test_words_are_keyed_by_their_stem_in_the_comments_language():
    # Spanish: singular and plural, with and without accents, one key.
    assert summary_terms("Los proyectos") == {"proyect": "proyectos"}
    assert summary_terms("El proyecto") == {"proyect": "proyecto"}
    assert set(summary_terms("la participación")) == set(summary_terms("PARTICIPACIONES"))
    assert set(summary_terms("ciclovías")) == set(summary_terms("la ciclovia"))
    # English when the comment has more English stop words than Spanish ones.
    assert summary_terms("The parks") == {"park": "parks"}
    assert summary_terms("A park for the kids") == {
        "park": "park", "kid": "kids", "park kid": "park kids"
    }  # fmt: skip
    assert words_of(["¿Qué opinas de los proyectos?"]) == {"opin", "proyect"}


def test_accents_fold_into_one_key_and_the_accented_spelling_is_kept():
    assert summary_terms("Participación") == {"particip": "participación"}
    assert summary_terms("participacion") == {"particip": "participacion"}
    # An accented spelling of the same word wins, wherever it comes.
    assert summary_terms("participacion y PARTICIPACIÓN") == {"particip": "participación"}
    # Stop words are stopped with or without their accents.
    assert summary_terms("está esta más mas") == {}


def test_numbers_short_words_and_links_are_left_out():
    assert summary_terms("2024 10am 3er ok tv ya") == {}
    assert spelled("Ver https://example.org/plan?x=1 www.example.org vecina@example.org") == {"ver"}
    # Letters and digits together are a word when they start with a letter.
    assert spelled("covid19") == {"covid19"}


def test_phrases_join_kept_words_within_a_sentence_only():
    terms = spelled("El transporte público del centro. Seguridad, vigilancia")
    assert "transporte público" in terms
    # Stop words between two kept words do not separate them.
    assert "público centro" in terms
    # Punctuation does, and so does a number.
    assert "centro seguridad" not in terms
    assert "seguridad vigilancia" not in terms
    assert "línea metro" not in spelled("línea 5 del metro")


def test_english_contractions_and_possessives():
    assert spelled("Don't close the city's parks") == {
        "close",
        "city",
        "parks",
        "close city",
        "city parks",
    }


def test_a_term_counts_once_per_comment():
    assert summary_terms("parque parques parque") == {"parqu": "parque"}


def test_sample_buckets():
    # Knuth's multiplicative hash, top 10 bits: spread over 0..1023.
    assert bucket(1) == (2654435761 % 2**32) >> 22 == 632
    assert {bucket(n) for n in range(1, 20_000)} == set(range(BUCKETS))
    # A group no larger than the sample is read whole; a larger one in part.
    assert sample_buckets(2000, 2000) == BUCKETS
    assert sample_buckets(100_000, 2000) == 21
    assert sample_buckets(10**9, 2000) == 1


def test_jlh_is_zero_unless_more_frequent_than_the_background():
    assert jlh(1, 10, 10, 100) == 0
    assert jlh(2, 10, 10, 100) == pytest.approx((0.2 - 0.1) * 2)
    assert jlh(0, 10, 0, 100) == 0


# Significant terms, on every backend.


def test_each_question_gets_its_own_terms(dataset, backend):
    q0, q1, q2 = (dataset.question("A", n) for n in range(3))
    found = terms_of(dataset.consultations["A"].pk, questions=[q0, q1, q2], backend=backend)
    assert set(found) == {q0, q1, q2}
    # Public transport: 4 of the question's 5 comments, 4 of A's 17.
    assert shown(found[q0]) == [
        ("público", 4, 4),
        ("transporte", 4, 4),
        ("transporte público", 4, 4),
    ]
    assert found[q0][0].score == pytest.approx(jlh(4, 5, 4, A_SIZE))
    assert shown(found[q1]) == [("inundaciones", 4, 4), ("drenaje", 3, 3)]
    assert found[q1][0].score > found[q1][1].score
    assert shown(found[q2]) == [("bike", 3, 3), ("bike lanes", 3, 3), ("lanes", 3, 3)]


def test_the_whole_consultation_against_the_site(dataset, backend):
    found = terms_of(dataset.consultations["A"].pk, questions=[None], backend=backend)
    assert list(found) == [None]
    # Every term is A's alone, so the score follows the count; ties by text.
    assert shown(found[None]) == [
        ("centro", 5, 5),
        ("inundaciones", 4, 4),
        ("público", 4, 4),
        ("transporte", 4, 4),
        ("transporte público", 4, 4),
        ("bike", 3, 3),
        ("bike lanes", 3, 3),
        ("ciudadana", 3, 3),
    ]
    assert found[None][0].score == pytest.approx(jlh(5, A_SIZE, 5, SITE_SIZE))


def test_all_questions_by_default(dataset, backend):
    page = dataset.consultations["A"]
    found = terms_of(page.pk, limit=2, backend=backend)
    assert list(found) == [None, *(question.pk for question in page.ordered_questions)]
    assert [term.text for term in found[None]] == ["centro", "inundaciones"]
    assert [term.text for term in found[dataset.question("A", 1)]] == ["inundaciones", "drenaje"]


def test_limit_and_minimum_count(dataset, backend):
    q0 = dataset.question("A", 0)
    page = dataset.consultations["A"].pk
    assert len(terms_of(page, questions=[q0], limit=1, backend=backend)[q0]) == 1
    # "centro" is in two of the question's comments: only with a lower minimum.
    assert "centro" not in {t.text for t in terms_of(page, questions=[q0], backend=backend)[q0]}
    lower = terms_of(page, questions=[q0], min_count=2, limit=20, backend=backend)[q0]
    assert ("centro", 2, 5) in shown(lower)
    # Fewer comments than the minimum: nothing.
    assert MIN_COUNT == 3


def test_unpublished_comments_never_count(dataset, backend):
    q0 = dataset.question("A", 0)
    found = terms_of(
        dataset.consultations["A"].pk, questions=[q0, None], min_count=1, limit=100, backend=backend
    )
    for terms in found.values():
        assert not [term for term in terms if "corrupc" in term.text]
    transport = {term.text: term for term in found[q0]}["transporte"]
    assert (transport.count, transport.background) == (4, 4)


def test_one_question_consultation_falls_back_to_frequency(dataset, backend):
    question = dataset.question("B", 0)
    found = terms_of(dataset.consultations["B"].pk, backend=backend)
    # The question's background is the consultation, the same comments.
    assert shown(found[question]) == [
        ("participativo", 3, 3),
        ("presupuesto", 3, 3),
        ("presupuesto participativo", 3, 3),
    ]
    assert [term.score for term in found[question]] == [1.0, 1.0, 1.0]
    # Against the site, B's own words stand out; "participativo" shares its
    # stem with A's "participación", so it stands out less.
    assert shown(found[None]) == [
        ("presupuesto", 3, 3),
        ("presupuesto participativo", 3, 3),
        ("participativo", 3, 6),
    ]
    assert found[None][0].score == pytest.approx(jlh(3, 3, 3, SITE_SIZE))


def test_accented_spelling_is_shown(dataset, backend):
    section = dataset.section("A", 0)
    found = terms_of(
        dataset.consultations["A"].pk, questions=[None], section=section, backend=backend
    )
    # "participacion" twice with accents, once without: one term, accented
    # (its stem is also B's "participativo", in the background).
    assert shown(found[None]) == [
        ("ciudadana", 3, 3),
        ("participación ciudadana", 3, 3),
        ("participación", 3, 6),
    ]


def test_theme_filter_any_capitalisation(dataset, backend):
    q0, q1 = dataset.question("A", 0), dataset.question("A", 1)
    for tag in ("Movilidad", "MOVILIDAD"):
        found = terms_of(
            dataset.consultations["A"].pk,
            questions=[q0, q1],
            tag=tag,
            min_count=1,
            limit=3,
            backend=backend,
        )
        # t1 and t3 under question 0, f1 under question 1: three in all.
        assert shown(found[q0]) == [
            ("público", 2, 2),
            ("transporte", 2, 2),
            ("transporte público", 2, 2),
        ]
        assert found[q0][0].score == pytest.approx(jlh(2, 2, 2, 3))
        assert [term.text for term in found[q1]][:1] == ["afectan"]


def test_date_filter_since_inclusive_until_exclusive(dataset, backend):
    q1 = dataset.question("A", 1)
    found = terms_of(
        dataset.consultations["A"].pk,
        questions=[q1],
        since=T0 + timedelta(hours=6),
        until=T0 + timedelta(hours=10),
        min_count=2,
        backend=backend,
    )
    # f1 to f4: the only comments of A then, so by frequency; f5 is out.
    assert shown(found[q1]) == [("inundaciones", 4, 4), ("drenaje", 2, 2)]
    assert [term.score for term in found[q1]] == [1.0, 0.5]


def test_empty_consultation(dataset, backend):
    page = dataset.consultations["C"]
    assert terms_of(page.pk, backend=backend) == {
        None: [],
        page.ordered_questions[0].pk: [],
    }
    assert terms_of(page.pk, questions=[], backend=backend) == {}


def test_terms_are_terms(dataset, backend):
    found = terms_of(dataset.consultations["B"].pk, questions=[None], backend=backend)
    assert all(isinstance(term, Term) for term in found[None])


@pytest.fixture
def fresh(dataset, backend):
    """Comments of this test's own under B's question, indexed; taken out of
    the index afterwards (their rows go with the test's transaction)."""
    made = []

    def make(body, status=PUBLISHED):
        page = dataset.consultations["B"]
        comment = Comment.objects.create(
            consultation=page,
            question=page.ordered_questions[0],
            author=dataset.author,
            body=body,
            status=status,
            created=T0 + timedelta(days=3),
            seq=0,
        )
        made.append(comment.pk)
        index_ids(backend, [comment.pk])
        return comment

    yield make
    if made:
        backend.remove(made)


def b_terms(dataset, backend):
    question = dataset.question("B", 0)
    found = terms_of(
        dataset.consultations["B"].pk, questions=[question], min_count=1, limit=50, backend=backend
    )
    return {term.text: term.count for term in found[question]}


def test_an_edit_changes_the_terms(dataset, backend, fresh):
    comment = fresh("Bancas nuevas en el parque.")
    assert b_terms(dataset, backend)["parque"] == 3
    assert b_terms(dataset, backend)["bancas"] == 1
    comment.body = "Faltan luminarias."
    comment.save(update_fields=["body"])
    index_ids(backend, [comment.pk])
    terms = b_terms(dataset, backend)
    assert terms["parque"] == 2
    assert "bancas" not in terms
    assert terms["luminarias"] == 1


def test_a_status_change_changes_the_terms(dataset, backend, fresh):
    comment = fresh("Bancas nuevas en el parque.")
    assert b_terms(dataset, backend)["bancas"] == 1
    for status in (HIDDEN, REMOVED, HELD):
        comment.status = status
        comment.save(update_fields=["status"])
        index_ids(backend, [comment.pk])
        assert "bancas" not in b_terms(dataset, backend)
    comment.status, comment.body = DELETED, ""
    comment.save(update_fields=["status", "body"])
    index_ids(backend, [comment.pk])
    assert "bancas" not in b_terms(dataset, backend)
    assert b_terms(dataset, backend)["parque"] == 2


def test_the_same_as_counting_by_hand(dataset, backend):
    """Every scope's terms, with a minimum of one comment and no limit, are
    what counting the published comments' terms in Python gives."""
    page = dataset.consultations["A"]
    published = [c for c in dataset.comments.values() if c.status == PUBLISHED]
    site_counts = count_terms(published)
    mine = [c for c in published if c.consultation_id == page.pk]
    mine_counts = count_terms(mine)
    scopes = [None, *(question.pk for question in page.ordered_questions)]
    found = terms_of(page.pk, questions=scopes, min_count=1, limit=1000, backend=backend)
    for scope in scopes:
        members = mine if scope is None else [c for c in mine if c.question_id == scope]
        counts = count_terms(members)
        background, size = (
            (site_counts, len(published)) if scope is None else (mine_counts, len(mine))
        )
        expected = sorted(
            (
                (-jlh(count, len(members), background[key], size), -count, key)
                for key, count in counts.items()
            ),
        )
        expected = [(key, -count) for score, count, key in expected if score < 0]
        assert [(t.key, t.count) for t in found[scope]] == expected


def count_terms(comments):
    counts = {}
    for comment in comments:
        for key in summary_terms(comment.body):
            counts[key] = counts.get(key, 0) + 1
    return counts


# Sampled: every group larger than the sample is ranked from its first
# buckets; the counts shown stay exact.


def test_a_tiny_sample_gives_the_documented_answer_with_exact_counts(dataset, backend):
    page = dataset.consultations["A"]
    scopes = [None, *(question.pk for question in page.ordered_questions)]
    published = [c for c in dataset.comments.values() if c.status == PUBLISHED]
    sizes = [len([c for c in published if in_scope(c, page, s)]) for s in scopes]
    assert all(sample_buckets(size, 3) < BUCKETS for size in sizes)  # all sampled
    with override_settings(PUENTE_SUMMARY_TERMS_SAMPLE=3):
        found = terms_of(page.pk, questions=scopes, min_count=1, backend=backend)
    expected = sampled_by_hand(page, scopes, published, sample=3, min_count=1, limit=8)
    for scope in scopes:
        got = [(t.key, t.count, t.background) for t in found[scope]]
        assert got == [(key, count, behind) for key, count, behind, _ in expected[scope]]
        assert [t.score for t in found[scope]] == pytest.approx(
            [score for *_, score in expected[scope]]
        )
    # Something is found, and at least one count shown is larger than the
    # sample it was found in could give.
    assert any(found.values())
    assert any(
        t.count > sample_count
        for scope in scopes
        for t, (*_, sample_count) in zip(
            found[scope], sample_counts(page, scope, published, 3, expected), strict=True
        )
    )


def in_scope(comment, page, scope):
    return comment.consultation_id == page.pk and (scope is None or comment.question_id == scope)


def sampled(comments, size, sample):
    return [c for c in comments if bucket(c.pk) < sample_buckets(size, sample)]


def sampled_by_hand(page, scopes, published, *, sample, min_count, limit):
    """search/terms.py's method, counted in Python: {scope: [(key, count,
    background, score)]}."""
    mine = [c for c in published if c.consultation_id == page.pk]
    found = {}
    for scope in scopes:
        members = [c for c in mine if in_scope(c, page, scope)]
        behind = published if scope is None else mine
        share = len(members) / len(behind)
        own = sampled(members, len(members), sample)
        # The background's sample: the consultation's own for a question;
        # the site's, in the consultation's buckets, for the consultation.
        reference = sampled(behind, len(members) if scope is None else len(mine), sample)
        counts, background = count_terms(own), count_terms(reference)
        scored = []
        for key, count in counts.items():
            if count < min_count:
                continue
            subset = count / len(own)
            if share >= 1:
                score = subset
            else:
                superset = max(background.get(key, 0) / len(reference), subset * share)
                score = (subset - superset) * subset / superset if subset > superset else 0
            if score > 0:
                scored.append((-score, -count, key))
        chosen = sorted(scored)[:limit]
        exact, exact_behind = count_terms(members), count_terms(behind)
        rows = sorted((score, -exact[key], key) for score, _, key in chosen)
        found[scope] = [(key, -count, exact_behind[key], -score) for score, count, key in rows]
    return found


def sample_counts(page, scope, published, sample, expected):
    members = [c for c in published if in_scope(c, page, scope)]
    counts = count_terms(sampled(members, len(members), sample))
    return [(key, counts.get(key, 0)) for key, *_ in expected[scope]]


# A constant number of queries, however many questions.


@pytest.mark.parametrize("questions", [2, 6])
def test_queries_do_not_grow_with_questions(
    questions, make_consultation, django_assert_max_num_queries
):
    database = get_backend("database")
    page = make_consultation(questions=[f"¿Pregunta {n}?" for n in range(questions)])
    author = UserFactory(roles=[CITIZEN])
    for position, question in enumerate(page.ordered_questions):
        for n in range(4):
            comment = Comment.objects.create(
                consultation=page,
                question=question,
                author=author,
                body=f"Tema{position} común y corriente número {n}. Drenaje tapado.",
                status=PUBLISHED,
                created=T0,
                seq=0,
            )
            comment.root = comment
            comment.save(update_fields=["root"])
            index_ids(database, [comment.pk])
    scopes = [None, *(question.pk for question in page.ordered_questions)]
    for sample in (2000, 3):
        with (
            override_settings(PUENTE_SUMMARY_TERMS_SAMPLE=sample),
            django_assert_max_num_queries(4),
        ):
            found = terms_of(page.pk, questions=scopes, backend=database)
        for position, question in enumerate(page.ordered_questions):
            own = f"tema{position}"
            shown_terms = [(t.text, t.count, t.background) for t in found[question.pk]]
            if sample == 2000:
                # Read whole: each question's own word, and its phrase.
                assert shown_terms == [(own, 4, 4), (f"{own} común", 4, 4)]
            # Sampled or not, a count shown is every comment's: all four of
            # the question's have each of its words.
            for text, count, behind in shown_terms:
                assert count == 4
                assert behind == (4 if text.startswith(own) else 4 * questions)


# Grouped by stem, shown as written, and without the question's own words.


def test_singular_and_plural_are_one_term_shown_as_most_comments_wrote_it(dataset, backend, fresh):
    fresh("Los proyectos del parque.")
    fresh("Más proyectos, por favor.")
    fresh("Un proyecto bueno.")
    fresh("PROYECTOS con fechas.")
    terms = b_terms(dataset, backend)
    # Four comments, one term: "proyectos" in three of them.
    assert terms["proyectos"] == 4
    assert "proyecto" not in terms
    # "parque" in two of B's comments and the first above; "parques" joins.
    fresh("Cuiden los parques nuevos.")
    assert b_terms(dataset, backend)["parque"] == 4


def test_a_questions_own_words_and_the_titles_are_left_out(dataset, backend):
    page = dataset.consultations["A"]
    q0, q1 = dataset.question("A", 0), dataset.question("A", 1)
    found = significant_terms(page.pk, questions=[q0, q1], backend=backend)
    # "¿Transporte?": the word goes, a phrase with another word stays.
    assert shown(found[q0]) == [("público", 4, 4), ("transporte público", 4, 4)]
    # "¿Inundaciones?": singular or plural, it goes.
    assert shown(found[q1]) == [("drenaje", 3, 3)]
    # The title "Presupuesto" goes from the whole consultation's terms too.
    b = dataset.consultations["B"]
    whole = significant_terms(b.pk, questions=[None], backend=backend)[None]
    assert [term.text for term in whole] == ["presupuesto participativo", "participativo"]
    # The same given as texts, without reading the database.
    given = significant_terms(
        page.pk, questions=[q1], leave_out={q1: ["Las inundaciones"]}, backend=backend
    )
    assert given == {q1: found[q1]}


def test_a_tiny_sample_within_a_date_range_gives_the_documented_answer(dataset, backend):
    """A date-filtered group's comments are found first, then their terms
    (search/backends/database.py `_term_rows`): the same answer as counting
    the comments of those hours by hand, sampled."""
    page = dataset.consultations["A"]
    since, until = T0 + timedelta(hours=2), T0 + timedelta(hours=12)
    questions = [question.pk for question in page.ordered_questions]
    published = [
        c for c in dataset.comments.values() if c.status == PUBLISHED and since <= c.created < until
    ]
    mine = [c for c in published if c.consultation_id == page.pk]
    assert sample_buckets(len(mine), 2) < BUCKETS  # the background is sampled
    with override_settings(PUENTE_SUMMARY_TERMS_SAMPLE=2):
        found = terms_of(
            page.pk, questions=questions, since=since, until=until, min_count=1, backend=backend
        )
    expected = sampled_by_hand(page, questions, published, sample=2, min_count=1, limit=8)
    assert any(found.values())
    for scope in questions:
        got = [(t.key, t.count, t.background) for t in found[scope]]
        assert got == [(key, count, behind) for key, count, behind, _ in expected[scope]]
