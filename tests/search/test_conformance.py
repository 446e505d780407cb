"""The conformance suite: every backend (the database, PostgreSQL full text or
SQLite FTS5; Elasticsearch when ELASTICSEARCH_URL is set) answers the same
queries over the same comments (tests/search/conftest.py) with the same
results, as search/query.py defines them."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils.html import strip_tags

from comments.models import Comment, CommentStatus
from moderation.models import Flag
from search.documents import load_docs
from search.query import FACETS, MAX_QUERY_LENGTH, MAX_TERMS, QueryError, parse_text, sort_facet
from tests.search.conftest import MODERATOR_VIEW, PUBLIC_VIEW, T0, index_ids, query

pytestmark = pytest.mark.django_db

# Every comment whose text holds "participación" in some form, and those of
# them a citizen may see.
PARTICIPATION = {"acc", "unacc", "plural", "upper", "reply", "hidden", "removed", "held"}
PARTICIPATION_PUBLIC = {"acc", "unacc", "plural", "upper", "reply"}


def found(dataset, backend, text="", **criteria):
    return dataset.key_set(backend.search(query(text, **criteria)))


def facet_counts(result, name):
    return {value.value: value.count for value in result.facets[name]}


# Text: accents, case and plurals folded, in Spanish and in English.


@pytest.mark.parametrize(
    "text",
    ["participación", "participacion", "participaciones", "Participación", "PARTICIPACION"],
)
def test_spanish_accents_case_and_plurals_fold(dataset, backend, text):
    assert found(dataset, backend, text) == PARTICIPATION


def test_accent_folding_both_ways(dataset, backend):
    assert found(dataset, backend, "ciclovia") == {"bike"}
    assert found(dataset, backend, "CICLOVÍA") == {"bike"}
    assert found(dataset, backend, "semaforo") == {"long"}


@pytest.mark.parametrize("text", ["policy", "policies", "Policies", "POLICY"])
def test_english_plurals_fold(dataset, backend, text):
    assert found(dataset, backend, text) == {"policy", "policies"}


def test_every_word_must_match(dataset, backend):
    assert found(dataset, backend, "participación movilidad") == {"reply"}
    assert found(dataset, backend, "participación ciclovía") == set()
    assert found(dataset, backend, "palabrainexistente") == set()


# Phrases.


def test_quoted_phrase_finds_the_sequence_only(dataset, backend):
    assert found(dataset, backend, '"transporte público gratuito"') == {"phrase"}
    assert found(dataset, backend, '"transporte publico gratuito"') == {"phrase"}
    assert found(dataset, backend, '"transporte gratuito"') == {"shuffled"}
    assert found(dataset, backend, '"gratuito transporte"') == set()


def test_unquoted_words_find_any_order(dataset, backend):
    assert found(dataset, backend, "transporte público gratuito") == {"phrase", "shuffled"}
    assert found(dataset, backend, "gratuito transporte") == {"phrase", "shuffled"}


def test_phrase_and_word_together(dataset, backend):
    assert found(dataset, backend, '"transporte gratuito" ciudad') == {"shuffled"}
    assert found(dataset, backend, '"transporte gratuito" todos') == set()


def test_english_phrase(dataset, backend):
    assert found(dataset, backend, '"better policies"') == {"policies"}
    assert found(dataset, backend, '"policies better"') == set()


# Filters.


def test_filter_consultation(dataset, backend):
    for name, page in dataset.consultations.items():
        expected = {dataset.key(c.pk) for c in dataset.visible() if c.consultation_id == page.pk}
        assert found(dataset, backend, consultation=page.pk) == expected, name


def test_filter_question_and_section(dataset, backend):
    assert found(dataset, backend, question=dataset.question("A", 0)) == {
        "acc", "unacc", "phrase", "reply", "hidden",
    }  # fmt: skip
    assert found(dataset, backend, question=dataset.question("A", 1)) == {
        "policy", "shuffled", "twin_a", "twin_b",
    }  # fmt: skip
    assert found(dataset, backend, section=dataset.section("A", 0)) == {"plural", "held"}
    assert found(dataset, backend, section=dataset.section("A", 1)) == set()
    assert found(dataset, backend, section=dataset.section("B", 0)) == {"policies", "long"}


def test_filter_one_status(dataset, backend):
    for status in ("hidden", "removed", "held"):
        assert found(dataset, backend, statuses=(status,)) == {status}
    published = {dataset.key(c.pk) for c in dataset.visible(PUBLIC_VIEW)}
    assert found(dataset, backend, statuses=("published",)) == published


def test_filter_several_statuses(dataset, backend):
    assert found(dataset, backend, statuses=("hidden", "held")) == {"hidden", "held"}
    assert found(dataset, backend, "participación", statuses=("removed", "held")) == {
        "removed", "held",
    }  # fmt: skip


def test_deleted_is_never_found(dataset, backend):
    assert found(dataset, backend, "borrada") == set()
    assert found(dataset, backend, statuses=("deleted",)) == set()
    result = backend.search(query())
    assert "deleted" not in dataset.keys(result)


def test_filter_reason(dataset, backend):
    assert found(dataset, backend, reason="spam") == {"bike", "removed"}
    assert found(dataset, backend, reason="abusive") == {"hidden"}
    assert found(dataset, backend, reason="misinformation") == {"policies"}
    assert found(dataset, backend, reason="personal_data") == set()


@pytest.mark.parametrize("tag", ["Movilidad", "movilidad", "MOVILIDAD"])
def test_filter_tag_ignores_case(dataset, backend, tag):
    assert found(dataset, backend, tag=tag) == {"acc", "bike", "hidden"}


def test_filter_tag_other_and_unknown(dataset, backend):
    assert found(dataset, backend, tag="seguridad") == {"bike", "policy"}
    assert found(dataset, backend, tag="Movil") == set()
    assert found(dataset, backend, tag="Ninguno") == set()


def test_filter_author(dataset, backend):
    for name, user in dataset.users.items():
        expected = {dataset.key(c.pk) for c in dataset.visible() if c.author_id == user.pk}
        assert found(dataset, backend, author=user.pk) == expected, name


def test_filter_created_from_is_inclusive_and_created_to_exclusive(dataset, backend):
    assert found(
        dataset,
        backend,
        created_from=T0 + timedelta(hours=5),
        created_to=T0 + timedelta(hours=9),
    ) == {"bike", "policy", "policies", "phrase"}
    twins = T0 + timedelta(hours=16)
    assert found(dataset, backend, created_from=twins) == {"twin_a", "twin_b", "long"}
    assert found(dataset, backend, created_to=T0 + timedelta(hours=2)) == {"acc"}
    assert found(dataset, backend, created_from=twins, created_to=twins) == set()
    # One microsecond either side of an instant.
    tick = timedelta(microseconds=1)
    assert found(dataset, backend, created_from=twins - tick, created_to=twins + tick) == {
        "twin_a", "twin_b",
    }  # fmt: skip


def test_filter_created_in_another_time_zone(dataset, backend):
    """The same instant written with another offset is the same boundary."""
    mexico = (T0 + timedelta(hours=5)).astimezone(ZoneInfo("America/Mexico_City"))
    assert found(dataset, backend, created_from=mexico, created_to=mexico + timedelta(hours=1)) == {
        "bike"
    }


def test_filters_combined(dataset, backend):
    a, b = dataset.consultations["A"].pk, dataset.consultations["B"].pk
    assert found(dataset, backend, consultation=a, statuses=("hidden", "held")) == {
        "hidden", "held",
    }  # fmt: skip
    assert found(dataset, backend, "participación", consultation=b) == {"upper", "removed"}
    assert found(dataset, backend, "participación", tag="movilidad") == {"acc", "hidden"}
    assert found(dataset, backend, reason="spam", consultation=b, statuses=("published",)) == {
        "bike"
    }
    assert found(
        dataset,
        backend,
        "participación",
        consultation=a,
        author=dataset.users["carla"].pk,
        created_from=T0 + timedelta(hours=3),
    ) == {"plural", "hidden"}
    assert found(
        dataset, backend, reason="spam", tag="seguridad", author=dataset.users["ana"].pk
    ) == {"bike"}
    assert found(dataset, backend, reason="abusive", consultation=b) == set()


def test_pages_and_total(dataset, backend):
    everything = dataset.ordered_keys(dataset.visible())
    seen = []
    for page in range(1, 5):
        result = backend.search(query(page=page, per_page=5))
        assert result.total == len(everything)
        seen.extend(dataset.keys(result))
        assert len(result.hits) == min(5, len(everything) - (page - 1) * 5)
    assert seen == everything
    beyond = backend.search(query(page=10, per_page=5))
    assert (beyond.total, beyond.hits) == (len(everything), [])


def test_pages_with_text(dataset, backend):
    pages = [backend.search(query("participación", page=page, per_page=3)) for page in (1, 2, 3)]
    assert [result.total for result in pages] == [len(PARTICIPATION)] * 3
    keys = [key for result in pages for key in dataset.keys(result)]
    assert sorted(keys) == sorted(PARTICIPATION)
    assert [len(result.hits) for result in pages] == [3, 3, 2]


# Order.


def test_order_without_text_is_newest_first_then_id(dataset, backend):
    result = backend.search(query())
    assert dataset.keys(result) == dataset.ordered_keys(dataset.visible())
    twins = [key for key in dataset.keys(result) if key.startswith("twin")]
    assert twins == ["twin_b", "twin_a"]


def test_order_without_text_filtered(dataset, backend):
    result = backend.search(query(visible=PUBLIC_VIEW, consultation=dataset.consultations["A"].pk))
    expected = [
        c
        for c in dataset.visible(PUBLIC_VIEW)
        if c.consultation_id == dataset.consultations["A"].pk
    ]
    assert dataset.keys(result) == dataset.ordered_keys(expected)


def test_order_with_equal_relevance_is_newest_first(dataset, backend):
    """The twins differ in one word only: equally relevant, newest (higher
    id) first."""
    assert dataset.keys(backend.search(query("gemelo bancos"))) == ["twin_b", "twin_a"]


# Facets.


def test_facets_of_a_text_query(dataset, backend):
    result = backend.search(query("participación"))
    a, b = dataset.consultations["A"].pk, dataset.consultations["B"].pk
    assert set(result.facets) == set(FACETS)
    assert result.facets["consultation"] == sort_facet({a: 6, b: 2})
    assert result.facets["status"] == sort_facet(
        {"published": 5, "hidden": 1, "removed": 1, "held": 1}
    )
    # Comments, not flags: the hidden one has two abusive flags.
    assert result.facets["reason"] == sort_facet({"abusive": 1, "spam": 1})
    assert result.facets["tag"] == sort_facet({"Movilidad": 2})


def test_facets_of_everything(dataset, backend):
    result = backend.search(query())
    visible = dataset.visible()
    a, b = dataset.consultations["A"].pk, dataset.consultations["B"].pk
    in_a = sum(c.consultation_id == a for c in visible)
    assert result.facets["consultation"] == sort_facet({a: in_a, b: len(visible) - in_a})
    assert result.facets["status"] == sort_facet(
        {"published": len(visible) - 3, "hidden": 1, "removed": 1, "held": 1}
    )
    assert result.facets["reason"] == sort_facet(
        {"spam": 2, "abusive": 1, "misinformation": 1, "off_topic": 1}
    )
    assert [value.value for value in result.facets["reason"]] == [
        "spam", "abusive", "misinformation", "off_topic",
    ]  # fmt: skip
    assert result.facets["tag"] == sort_facet({"Movilidad": 3, "Seguridad": 2})


def test_facets_count_all_matches_not_the_page(dataset, backend):
    result = backend.search(query("participación", per_page=2))
    assert len(result.hits) == 2
    assert sum(value.count for value in result.facets["status"]) == len(PARTICIPATION)


def test_facets_apply_every_filter(dataset, backend):
    b = dataset.consultations["B"].pk
    result = backend.search(query(consultation=b, statuses=("published", "removed")))
    assert result.facets["consultation"] == sort_facet({b: result.total})
    assert result.facets["reason"] == sort_facet({"spam": 2, "off_topic": 1, "misinformation": 1})
    assert result.facets["tag"] == sort_facet({"Movilidad": 1, "Seguridad": 1})


def test_facet_values_have_their_types(dataset, backend):
    result = backend.search(query())
    assert all(type(value.value) is int for value in result.facets["consultation"])
    for name in ("status", "reason", "tag"):
        assert all(type(value.value) is str for value in result.facets[name]), name


def test_no_match_no_facet_counts(dataset, backend):
    result = backend.search(query("palabrainexistente"))
    assert (result.total, result.hits) == (0, [])
    assert result.facets == {name: [] for name in FACETS}


# Highlights.

TAGS = re.compile(r"</?([a-zA-Z][\w-]*)")


def only_marks(html):
    return all(name == "mark" for name in TAGS.findall(html))


def highlights(dataset, result):
    return {dataset.key(hit.id): str(hit.highlight) for hit in result.hits}


def test_highlight_marks_the_matched_word(dataset, backend):
    marked = highlights(dataset, backend.search(query("movilidad")))
    assert set(marked) == {"bike", "reply"}
    for key, html in marked.items():
        assert "<mark>movilidad</mark>" in html, (key, html)
        assert only_marks(html), (key, html)


def test_highlight_marks_folded_forms_as_written(dataset, backend):
    marked = highlights(dataset, backend.search(query("participacion")))
    assert "<mark>participación</mark>" in marked["acc"], marked["acc"]
    assert "<mark>participacion</mark>" in marked["unacc"], marked["unacc"]
    assert "<mark>participaciones</mark>" in marked["plural"], marked["plural"]
    assert "<mark>PARTICIPACIÓN</mark>" in marked["upper"], marked["upper"]


def test_highlight_marks_english_plurals(dataset, backend):
    marked = highlights(dataset, backend.search(query("policy")))
    assert "<mark>policy</mark>" in marked["policy"], marked["policy"]
    assert "<mark>policies</mark>" in marked["policies"], marked["policies"]


def test_highlight_of_a_phrase(dataset, backend):
    marked = highlights(dataset, backend.search(query('"transporte público gratuito"')))
    html = marked["phrase"]
    assert "<mark>" in html and only_marks(html), html
    assert "transporte público gratuito" in strip_tags(html), html


def test_highlight_escapes_the_body(dataset, backend):
    marked = highlights(dataset, backend.search(query("aparcamiento")))
    html = marked["html"]
    assert "<mark>aparcamiento</mark>" in html, html
    assert "<script>" not in html, html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, html
    assert only_marks(html), html


def test_highlight_of_a_long_body_is_a_snippet(dataset, backend):
    html = highlights(dataset, backend.search(query("semáforo")))["long"]
    assert "<mark>semáforo</mark>" in html, html
    assert len(strip_tags(html)) <= 400, len(strip_tags(html))


def test_no_highlight_without_text(dataset, backend):
    result = backend.search(query(consultation=dataset.consultations["A"].pk))
    assert result.hits
    assert all(hit.highlight == "" for hit in result.hits)


# Permission: what a citizen or a planner searches never shows or counts a
# comment that is not published.


def test_public_search_never_returns_unpublished(dataset, backend):
    assert found(dataset, backend, "participación", visible=PUBLIC_VIEW) == PARTICIPATION_PUBLIC
    assert found(dataset, backend, "oculta", visible=PUBLIC_VIEW) == set()
    assert found(dataset, backend, "oculta") == {"hidden"}
    everything = backend.search(query(visible=PUBLIC_VIEW))
    assert set(dataset.keys(everything)) == {
        dataset.key(c.pk) for c in dataset.visible(PUBLIC_VIEW)
    }
    assert everything.total == len(dataset.visible(PUBLIC_VIEW))


@pytest.mark.parametrize(
    "statuses", [("hidden",), ("removed",), ("held",), ("hidden", "removed", "held"), ("deleted",)]
)
def test_asking_for_unpublished_statuses_does_not_widen_public_search(dataset, backend, statuses):
    result = backend.search(query(visible=PUBLIC_VIEW, statuses=statuses))
    assert (result.total, dataset.keys(result)) == (0, [])
    assert result.facets == {name: [] for name in FACETS}
    result = backend.search(query("participación", visible=PUBLIC_VIEW, statuses=statuses))
    assert (result.total, dataset.keys(result)) == (0, [])


def test_public_facets_count_published_only(dataset, backend):
    result = backend.search(
        query("participación", visible=PUBLIC_VIEW, statuses=("published", "hidden"))
    )
    a, b = dataset.consultations["A"].pk, dataset.consultations["B"].pk
    assert result.total == len(PARTICIPATION_PUBLIC)
    assert result.facets["status"] == sort_facet({"published": 5})
    assert result.facets["consultation"] == sort_facet({a: 4, b: 1})
    assert result.facets["reason"] == []
    assert result.facets["tag"] == sort_facet({"Movilidad": 1})


def test_public_filters_find_nothing_unpublished(dataset, backend):
    assert found(dataset, backend, visible=PUBLIC_VIEW, reason="abusive") == set()
    assert found(dataset, backend, visible=PUBLIC_VIEW, reason="spam") == {"bike"}
    assert found(dataset, backend, visible=PUBLIC_VIEW, tag="movilidad") == {"acc", "bike"}
    assert found(dataset, backend, visible=PUBLIC_VIEW, section=dataset.section("A", 0)) == {
        "plural"
    }


# Edits and deletions reach the index.


@pytest.fixture
def fresh(dataset, backend):
    """A comment of this test's own, indexed; taken out of the index again
    afterwards (its row goes with the test's transaction)."""
    made = []

    def make(body, status=CommentStatus.PUBLISHED):
        page = dataset.consultations["B"]
        comment = Comment.objects.create(
            consultation=page,
            question=page.ordered_questions[0],
            author=dataset.users["ana"],
            body=body,
            status=status,
            created=T0 + timedelta(days=30),
            seq=0,
        )
        made.append(comment.pk)
        index_ids(backend, [comment.pk])
        return comment

    yield make
    if made:
        backend.remove(made)


def test_edit_is_reflected(dataset, backend, fresh):
    comment = fresh("Faltan marquesinas en la parada.")
    assert found(dataset, backend, "marquesinas") == {dataset.key(comment.pk)}
    comment.body = "Faltan papeleras en la parada."
    comment.save(update_fields=["body"])
    index_ids(backend, [comment.pk])
    assert found(dataset, backend, "marquesinas") == set()
    assert found(dataset, backend, "papeleras") == {dataset.key(comment.pk)}
    assert found(dataset, backend, "papelera") == {dataset.key(comment.pk)}
    assert backend.search(query()).total == len(dataset.visible()) + 1


def test_status_change_is_reflected(dataset, backend, fresh):
    comment = fresh("Las marquesinas nuevas.")
    assert found(dataset, backend, "marquesinas", visible=PUBLIC_VIEW) == {dataset.key(comment.pk)}
    comment.status = CommentStatus.HIDDEN
    comment.save(update_fields=["status"])
    index_ids(backend, [comment.pk])
    assert found(dataset, backend, "marquesinas", visible=PUBLIC_VIEW) == set()
    assert found(dataset, backend, "marquesinas") == {dataset.key(comment.pk)}
    assert found(dataset, backend, statuses=("hidden",)) == {"hidden", dataset.key(comment.pk)}


def test_flags_and_tags_are_reflected(dataset, backend, fresh):
    comment = fresh("Las marquesinas nuevas.")
    Flag.objects.create(comment=comment, user=dataset.users["beto"], reason="personal_data")
    comment.tags.add("Paradas")
    index_ids(backend, [comment.pk])
    key = dataset.key(comment.pk)
    assert found(dataset, backend, reason="personal_data") == {key}
    assert found(dataset, backend, tag="paradas") == {key}
    result = backend.search(query("marquesinas"))
    assert result.facets["reason"] == sort_facet({"personal_data": 1})
    assert result.facets["tag"] == sort_facet({"Paradas": 1})


def test_deletion_is_reflected(dataset, backend, fresh):
    comment = fresh("Pocas marquesinas en la zona.")
    key = dataset.key(comment.pk)
    assert found(dataset, backend, "marquesinas") == {key}
    comment.status, comment.body = CommentStatus.DELETED, ""
    comment.save(update_fields=["status", "body"])
    # load_docs has nothing for it any more: it leaves the index.
    assert load_docs([comment.pk]) == []
    backend.remove([comment.pk])
    assert found(dataset, backend, "marquesinas") == set()
    assert comment.pk not in {hit.id for hit in backend.search(query()).hits}
    assert backend.search(query()).total == len(dataset.visible())


def test_removing_unknown_ids_is_harmless(dataset, backend):
    backend.remove([10**9])
    assert backend.search(query()).total == len(dataset.visible())


def test_indexing_again_replaces(dataset, backend):
    index_ids(backend, list(dataset.ids(*dataset.comments)))
    assert backend.search(query()).total == len(dataset.visible())
    assert found(dataset, backend, "movilidad") == {"bike", "reply"}


# Bad text: the parser bounds it, and whatever it lets through the backends run.


def test_unbalanced_quote_searches_the_words(dataset, backend):
    assert parse_text('"transporte público').phrases == ()
    assert found(dataset, backend, '"transporte público') == {"phrase", "shuffled"}
    assert found(dataset, backend, 'movilidad "') == {"bike", "reply"}
    assert found(dataset, backend, '"transporte gratuito" "público') == {"shuffled"}


def test_too_long_text_is_refused_by_the_parser():
    with pytest.raises(QueryError):
        parse_text("participación " * 715)  # 10,010 characters
    with pytest.raises(QueryError):
        parse_text("a" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(QueryError):
        parse_text(" ".join(f"palabra{n}" for n in range(MAX_TERMS + 1)))


@pytest.mark.parametrize(
    "text",
    [
        "partici\u200bpación",  # a zero-width space inside the word
        "participacio\u0301n",  # a combining accent, composed by NFKC
        "\u200fparticipación\u200f",  # right-to-left marks
        "Ｐａｒｔｉｃｉｐａｃｉóｎ",  # full-width letters
        "🗳️ participación 🗳️",
        "\ufeffparticipación",
    ],
)
def test_odd_unicode_still_finds_the_word(dataset, backend, text):
    assert found(dataset, backend, text) == PARTICIPATION


ODD_TEXTS = [
    "",
    "   \t\n ",
    '"',
    '""',
    '"""',
    '" "',
    "\x00participación\x00",
    "\ud800movilidad",
    "*:&|!()<>~^",
    "movilidad:* & !ciclovía | (policy)",
    "movilidad AND NOT policy OR +ciclovía -bancos",
    "' OR 1=1 --",
    "\\",
    "%_%",
    "___",
    "_",
    "0",
    "2024",
    "el",
    "de la y",
    "the of and",
    "مشاركة المواطنين",
    "参与 移动",
    "Ελληνικά",
    "🚲🚲🚲",
    "a" * MAX_QUERY_LENGTH,
    " ".join(["movilidad"] * MAX_TERMS),
    " ".join(f'"p{n} q{n}"' for n in range(MAX_TERMS // 2)),
    "x" * 300 + " movilidad",
]


@pytest.mark.parametrize("text", ODD_TEXTS, ids=range(len(ODD_TEXTS)))
def test_odd_text_runs_without_error(dataset, backend, text):
    parsed = parse_text(text)
    for visible in (MODERATOR_VIEW, PUBLIC_VIEW):
        result = backend.search(query(text, visible=visible))
        assert result.total >= len(result.hits)
        assert set(result.facets) == set(FACETS)
        if parsed:
            assert all(isinstance(hit.highlight, str) for hit in result.hits)


def test_words_without_letters_of_any_analysis_find_only_their_own(dataset, backend):
    assert found(dataset, backend, "مشاركة") == set()
    assert found(dataset, backend, "🚲 movilidad") == {"bike", "reply"}
