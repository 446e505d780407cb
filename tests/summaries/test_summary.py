"""Every figure of the summary against the hand-built data set of conftest.py,
with each search backend answering the terms."""

from datetime import date

import pytest

from comments.models import Comment
from consultations.models import ConsultationPage
from search.significance import significant_terms
from summaries.summary import Scope, day_bounds, summarise
from tests.summaries.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(20, 12)


def summary_of(data, backend, **scope):
    return summarise(Scope(data.consultation, **scope), now=NOW, terms_backend=backend)


def ids(refs):
    return [ref.id for ref in refs]


def test_participation_counts_published_comments_and_everyone_who_took_part(data, terms_backend):
    summary = summary_of(data, terms_backend)
    participation = summary.participation
    assert (participation.comments, participation.replies) == (4, 2)
    # Ana, Beto, Caro, Dani and Eva wrote published comments; r1..r8 reacted
    # to them; Ana's own reaction and the other consultation's add nobody.
    assert participation.commenters == 5
    assert participation.participants == 13
    assert participation.reactions == 22


def test_stance_totals_and_broad_agreement(data, terms_backend):
    stance = summary_of(data, terms_backend).stance
    assert (stance.agree, stance.disagree, stance.passes) == (15, 6, 1)
    assert stance.broadly_agreed == 1


def test_most_agreed_most_divisive_and_broadly_agreed_comments(data, terms_backend):
    summary = summary_of(data, terms_backend)
    # Ties on agreement: fewer disagreements, then newest first.
    assert ids(summary.most_agreed) == data.ids("c1", "c4", "c2", "c10", "c3")
    # Both sides reached by two or more, the larger smaller side first.
    assert ids(summary.most_divisive) == data.ids("c2", "c4")
    # Seven votes, six agreeing (86 %); c4's 4 of 6 (67 %) is not broad.
    assert ids(summary.broad_agreement) == data.ids("c1")


def test_per_day_covers_the_consultations_days_in_the_site_calendar(data, terms_backend):
    days = summary_of(data, terms_backend).per_day
    assert [(d.day, d.comments, d.replies) for d in days] == [
        (date(2024, 3, 1), 2, 0),
        (date(2024, 3, 2), 1, 1),
        (date(2024, 3, 3), 1, 0),
        # 23:30 in Mexico City is the next day in UTC: still the 4th here.
        (date(2024, 3, 4), 0, 1),
    ]


def test_per_question_and_section_with_representative_comments(data, terms_backend):
    summary = summary_of(data, terms_backend)
    figures = {
        anchor.label: (
            anchor.kind,
            anchor.comments,
            anchor.replies,
            anchor.commenters,
            anchor.agree,
            anchor.disagree,
            anchor.passes,
            ids(anchor.representative),
        )
        for anchor in summary.anchors
    }
    assert list(figures) == ["¿Dónde hacen falta ciclovías?", "¿Qué transporte falta?", "Plazos"]
    assert figures["¿Dónde hacen falta ciclovías?"] == (
        "question",
        2,
        1,
        3,
        10,
        4,
        1,
        data.ids("c1", "c3", "c2"),
    )
    assert figures["¿Qué transporte falta?"] == ("question", 1, 0, 1, 4, 2, 0, data.ids("c4"))
    # Equal net support: the one with replies first.
    assert figures["Plazos"] == ("section", 1, 1, 2, 1, 0, 0, data.ids("c10", "c6"))


def test_themes_count_published_comments_with_examples(data, terms_backend):
    themes = summary_of(data, terms_backend).themes
    # The hidden comment's "Agua" and the other consultation's "Movilidad"
    # are not counted.
    assert [(t.name, t.count, ids(t.examples)) for t in themes] == [
        ("Agua", 2, data.ids("c6", "c2")),
        ("Movilidad", 2, data.ids("c1", "c2")),
    ]


def test_moderation_figures_by_status_and_reason(data, terms_backend):
    moderation = summary_of(data, terms_backend).moderation
    assert (moderation.held, moderation.hidden, moderation.removed, moderation.deleted) == (
        1,
        1,
        1,
        1,
    )
    assert (moderation.flags, moderation.flagged) == (4, 3)
    assert [(r.reason, r.flags, r.comments) for r in moderation.by_reason] == [
        ("spam", 2, 1),
        ("abusive", 1, 1),
        ("off_topic", 1, 1),
    ]


def test_comment_references_link_to_the_thread_and_never_name_unpublished_ones(data, terms_backend):
    summary = summary_of(data, terms_backend)
    named = [
        *summary.most_agreed,
        *summary.most_divisive,
        *summary.broad_agreement,
        *(ref for anchor in summary.anchors for ref in anchor.representative),
        *(ref for theme in summary.themes for ref in theme.examples),
    ]
    published = set(data.ids("c1", "c2", "c3", "c4", "c6", "c10"))
    assert {ref.id for ref in named} == published
    first = summary.most_agreed[0]
    # Absolute: a link copied into a file or a spreadsheet still opens.
    assert first.url.startswith("http")
    assert first.url.endswith(f"/c/{first.id}/")  # its permalink
    assert (first.author, first.anchor, first.agree, first.disagree) == (
        "Ana",
        "¿Dónde hacen falta ciclovías?",
        6,
        1,
    )


def test_significant_terms_per_question(data, terms_backend):
    summary = summary_of(data, terms_backend)
    by_question = {anchor.label: anchor.terms for anchor in summary.questions}
    cycle = data.anchors["q1"]["question"]
    # "ciclovía" is in three of the question's comments, but it is the
    # question's own word (and the title's): the summary leaves it out.
    everything = significant_terms(
        data.consultation.pk, questions=[cycle.pk], leave_out={}, backend=terms_backend
    )
    assert {term.text: term.count for term in everything[cycle.pk]}.get("ciclovía") == 3
    assert "ciclovía" not in {term.text for term in by_question["¿Dónde hacen falta ciclovías?"]}
    assert "ciclovía" not in {term.text for term in summary.terms}
    # No stop word is a term.
    assert not {"una", "la", "de", "con", "que"} & {term.text for term in summary.terms}


def test_question_filter(data, terms_backend):
    question = data.anchors["q1"]["question"].pk
    summary = summary_of(data, terms_backend, question=question)
    assert (summary.participation.comments, summary.participation.replies) == (2, 1)
    assert [anchor.label for anchor in summary.anchors] == ["¿Dónde hacen falta ciclovías?"]
    assert ids(summary.most_agreed) == data.ids("c1", "c2", "c3")
    assert summary.moderation.held == 1
    assert [t.name for t in summary.themes] == ["Movilidad", "Agua"]


def test_section_filter(data, terms_backend):
    section = data.anchors["s1"]["section"].pk
    summary = summary_of(data, terms_backend, section=section)
    assert (summary.participation.comments, summary.participation.replies) == (1, 1)
    assert [anchor.label for anchor in summary.anchors] == ["Plazos"]
    assert (summary.moderation.removed, summary.moderation.flags) == (1, 2)


def test_theme_filter_ignores_case(data, terms_backend):
    summary = summary_of(data, terms_backend, tag="AGUA")
    assert (summary.participation.comments, summary.participation.replies) == (2, 0)
    assert ids(summary.most_agreed) == data.ids("c2")
    # The hidden spam tagged "Agua" shows in the moderation figures only.
    assert (summary.moderation.hidden, summary.moderation.flags) == (1, 3)


def test_date_filter_takes_the_site_days_until_included(data, terms_backend):
    since, until = day_bounds(date(2024, 3, 2), date(2024, 3, 3))
    summary = summary_of(data, terms_backend, since=since, until=until)
    assert (summary.participation.comments, summary.participation.replies) == (2, 1)
    assert [d.day for d in summary.per_day] == [date(2024, 3, 2), date(2024, 3, 3)]
    assert summary.stance.agree == 5


def test_an_empty_consultation_has_zeros_and_every_day(make_consultation, terms_backend):
    empty = make_consultation(opens_at=local(1, 0), closes_at=local(3, 0), questions=["¿Y?"])
    summary = summarise(Scope(empty), now=NOW, terms_backend=terms_backend)
    assert summary.participation.participants == 0
    assert [d.total for d in summary.per_day] == [0, 0]
    assert summary.most_agreed == summary.themes == summary.terms == []
    assert [(a.label, a.total) for a in summary.anchors] == [("¿Y?", 0)]


def test_an_open_consultation_counts_days_until_now(make_consultation, terms_backend):
    running = make_consultation(opens_at=local(1, 0), closes_at=local(30, 0))
    summary = summarise(Scope(running), now=local(3, 12), terms_backend=terms_backend)
    assert [d.day.day for d in summary.per_day] == [1, 2, 3]


def test_query_count_does_not_grow_with_the_comments_named(
    data, terms_backend, django_assert_max_num_queries, django_assert_num_queries
):
    def fresh_scope():
        return Scope(ConsultationPage.objects.get(pk=data.consultation.pk))

    # Elasticsearch's index is checked against the database once in a while
    # (search/health.py), not per summary: the first one checks it.
    summarise(fresh_scope(), now=NOW, terms_backend=terms_backend)
    scope = fresh_scope()
    with django_assert_max_num_queries(25) as captured:
        summarise(scope, now=NOW, terms_backend=terms_backend)
    expected = len(captured)
    source = data.comments["c4"]
    for n in range(3):
        extra = Comment.objects.create(
            consultation=source.consultation,
            question=source.question,
            author=data.users[f"r{n + 1}"],
            body=f"Otro comentario {n} sobre transporte público.",
            created=source.created,
            seq=100 + n,
            agree_count=9 + n,
        )
        extra.tags.add("Movilidad", f"Tema {n}")
    scope = fresh_scope()
    with django_assert_num_queries(expected):
        summarise(scope, now=NOW, terms_backend=terms_backend)
