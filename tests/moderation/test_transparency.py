"""Each consultation page shows its moderation figures: how many comments are
hidden (and of those, how many wait for a moderator) and removed, by reason;
never which comments or whose. One query, whatever the number."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import actions as comment_actions
from comments.models import Comment
from moderation import actions
from moderation.models import Review
from moderation.transparency import figures_for
from tests.moderation.conftest import url_of


def make(page, author, status, *, reason="", pending=False, review=True, body="Texto"):
    """A comment in `status` with its queue item as the actions leave it."""
    seq = Comment.objects.filter(consultation=page).count() + 1
    comment = Comment.objects.create(
        consultation=page,
        question=page.ordered_questions[0],
        author=author,
        body=body,
        status=status,
        created=timezone.now() - timedelta(minutes=10),
        seq=seq,
    )
    Comment.objects.filter(pk=comment.pk).update(root=comment)
    if review:
        Review.objects.create(
            comment=comment,
            consultation_id=page.pk,
            kind="flagged",
            pending=pending,
            opened=timezone.now(),
            action={"hidden": "hide", "removed": "remove"}.get(status, "approve"),
            reason=reason,
        )
    return comment


def test_figures_from_a_hand_built_dataset(page, make_consultation, author, make_user):
    other_page = make_consultation(questions=["¿?"])
    # Hidden: 2 spam (1 hidden by flags, pending review), 1 abusive, 1 with no
    # reason recorded; 1 abusive whose hide is appealed (pending again).
    make(page, author, "hidden", reason="spam", pending=True)
    make(page, author, "hidden", reason="spam")
    make(page, author, "hidden", reason="abusive")
    make(page, author, "hidden", reason="abusive", pending=True)
    make(page, author, "hidden", reason="")
    # Removed: 2 personal data (one appealed), 1 misinformation.
    make(page, author, "removed", reason="personal_data")
    make(page, author, "removed", reason="personal_data", pending=True)
    make(page, author, "removed", reason="misinformation")
    # Not counted: approved and restored (published), flagged but still
    # published, held, deleted by its author after a hide, and another
    # consultation's hidden comment.
    make(page, author, "published", reason="")
    make(page, author, "published", reason="spam", pending=True)
    make(page, author, "held", pending=True)
    make(page, author, "deleted", reason="spam")
    make(other_page, author, "hidden", reason="spam")

    with CaptureQueriesContext(connection) as queries:
        figures = figures_for(page)
    assert len(queries) == 1
    assert (figures.hidden, figures.pending, figures.removed, figures.total) == (5, 2, 3, 8)
    assert [(r.reason, r.hidden, r.removed) for r in figures.reasons] == [
        ("spam", 2, 0),
        ("abusive", 2, 0),
        ("personal_data", 0, 2),
        ("misinformation", 0, 1),
        ("", 1, 0),
    ]
    assert figures_for(other_page).hidden == 1


def test_no_figures_for_a_consultation_without_moderation(page, author):
    make(page, author, "published")
    figures = figures_for(page)
    assert (figures.total, figures.reasons) == (0, [])


def section_of(source):
    start = source.index('<section class="moderation-figures"')
    return source[start : source.index("</section>", start)]


def test_the_page_says_so_when_nothing_was_hidden(client, page):
    section = section_of(client.get(url_of(page)).content.decode())
    assert 'id="moderation-figures"' in section and 'data-total="0"' in section
    assert 'aria-labelledby="moderation-figures-title"' in section
    assert "<table" not in section
    english = section_of(client.get(url_of(page, "/en")).content.decode())
    assert "No comment has been hidden or removed." in english
    assert '<h2 id="moderation-figures-title">Moderation</h2>' in english


def test_the_page_shows_the_figures_of_real_decisions(client, page, author, moderator, make_user):
    """Flags hide one comment (pending review), a moderator hides another
    and removes a third: the page counts them by reason, naming nobody."""

    def say(body):
        return comment_actions.do_post_comment(
            author, page, body=body, question=page.ordered_questions[0].pk
        )

    flagged, hidden, removed, kept = (
        say("Texto marcado"),
        say("Texto ocultado"),
        say("Texto retirado"),
        say("Texto aprobado"),
    )
    for _ in range(3):
        actions.do_flag(make_user("citizen"), flagged, reason="abusive")
    actions.do_decide(moderator, hidden, action="hide", reason="off_topic")
    actions.do_decide(moderator, removed, action="remove", reason="personal_data")
    actions.do_flag(make_user("citizen"), kept, reason="spam")
    actions.do_decide(moderator, kept, action="approve")

    source = client.get(url_of(page)).content.decode()
    section = section_of(source)
    assert 'data-total="3"' in section
    assert re.search(r'data-figure="hidden" data-count="2"', section)
    assert re.search(r'data-figure="pending" data-count="1"', section)
    assert re.search(r'data-figure="removed" data-count="1"', section)
    rows = re.findall(
        r'<tr data-reason="(\w+)"><th scope="row">[^<]+</th>'
        r'<td data-figure="hidden">(\d+)</td><td data-figure="removed">(\d+)</td></tr>',
        section,
    )
    assert rows == [("abusive", "1", "0"), ("off_topic", "1", "0"), ("personal_data", "0", "1")]
    assert "Ana Autora" not in section and "Mora Moderadora" not in section
    assert "Texto" not in section and "comment-" not in section

    english = section_of(client.get(url_of(page, "/en")).content.decode())
    assert "2 comments hidden" in english and "(1 awaiting a moderator's review)" in english
    assert "1 comment removed" in english
    assert '<th scope="row">Abusive or offensive</th>' in english
    assert "<caption>Hidden and removed comments by reason</caption>" in english


@pytest.mark.parametrize("signed_in", [False, True])
def test_page_query_count_does_not_grow_with_hidden_comments(
    client, page, author, moderator, make_user, signed_in
):
    """The consultation page, figures included, in as many queries with 1 as
    with 10 hidden comments (and as many removed ones)."""
    if signed_in:
        client.force_login(make_user("citizen"))
    counts = []
    for total in (1, 10):
        while Comment.objects.filter(consultation=page, status="hidden").count() < total:
            comment = comment_actions.do_post_comment(
                author, page, body="Será ocultado", question=page.ordered_questions[0].pk
            )
            actions.do_decide(moderator, comment, action="hide", reason="spam")
            comment = comment_actions.do_post_comment(
                author, page, body="Será retirado", question=page.ordered_questions[0].pk
            )
            actions.do_decide(moderator, comment, action="remove", reason="personal_data")
        client.get(url_of(page))  # warm the site's caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url_of(page))
        assert response.status_code == 200
        assert f'data-figure="hidden" data-count="{total}"' in response.content.decode()
        figure_queries = [q for q in queries if "moderation_review" in q["sql"]]
        assert len(figure_queries) == 1
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
