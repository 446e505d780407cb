"""The citizens' side of moderation on the public site, without JavaScript:
the report form, the moderation notices on the notifications page with
their appeal forms (moderation/notices.py), and how moderated comments show
in threads. The notifications page and its header link have their own
tests (tests/notifications/test_inbox.py).

New strings are not in the Spanish catalog until the lead regenerates it, so
wording is asserted on English pages (/en/, where the msgid shows) and
Spanish pages are checked by structure, ids, classes and data."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from moderation import actions
from moderation.models import Appeal, Flag, FlagReason, Review
from notifications.models import Notice
from tests.moderation.conftest import post, url_of

EN = "/en"


@pytest.fixture
def ana(make_user):
    return make_user("citizen", display_name="Ana Autora")


@pytest.fixture
def beto(make_user):
    return make_user("citizen", display_name="Beto Lector")


@pytest.fixture
def comment(page, ana):
    return post(ana, page, body="Texto de Ana para reportar")


def report_url(comment, prefix=""):
    return f"{prefix}/moderacion/comentarios/{comment.pk}/reportar/"


def appeal_url(comment, prefix=""):
    return f"{prefix}/moderacion/comentarios/{comment.pk}/apelar/"


def notices_url(prefix=""):
    return f"{prefix}/avisos/"


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def page_html(client, page, prefix=""):
    return html(client.get(url_of(page, prefix)))


def messages_on(client, page, prefix=EN):
    """The messages shown on the next page the client opens."""
    return re.findall(
        r'<li class="message message--(\w+)">(.*?)</li>', page_html(client, page, prefix)
    )


def comment_block(source, comment):
    """The markup of one comment's own card (up to its replies list)."""
    start = source.rindex("<li", 0, source.index(f'id="comment-{comment.pk}"'))
    return source[start : source.index("data-replies-of", start)]


# The "Report" link -----------------------------------------------------------


def test_report_link_only_for_participants_on_others_published_comments(
    client, page, comment, ana, beto, make_user
):
    link = f'href="{report_url(comment)}"'
    assert link not in page_html(client, page)  # anonymous

    client.force_login(ana)
    assert link not in page_html(client, page)  # own comment

    client.force_login(beto)
    block = comment_block(page_html(client, page), comment)
    assert link in block and 'class="comment__report-link"' in block

    blocked = make_user("citizen", blocked=True)
    client.force_login(blocked)
    assert link not in page_html(client, page)

    Comment.objects.filter(pk=comment.pk).update(status="hidden")
    client.force_login(beto)
    assert link not in page_html(client, page)


def test_report_link_stays_when_the_consultation_closes(client, page, comment, beto):
    type(page).objects.filter(pk=page.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    page.refresh_from_db()
    client.force_login(beto)
    source = page_html(client, page)
    assert f'href="{report_url(comment)}"' in source
    assert 'class="comment-form"' not in source  # but no comment forms


# The report form -------------------------------------------------------------


def test_report_form_quotes_the_comment_and_asks_for_a_reason(client, comment, beto):
    client.force_login(beto)
    source = html(client.get(report_url(comment)))
    assert "Texto de Ana para reportar" in source and "Ana Autora" in source
    form = source[source.index('class="flag-form"') :]
    assert f'action="{report_url(comment)}"' in source
    assert "csrfmiddlewaretoken" in form
    fieldset = form[form.index("<fieldset") : form.index("</fieldset>")]
    assert "<legend>" in fieldset
    radios = re.findall(r'<input type="radio" name="reason" id="reason-(\w+)" value="(\w+)"', form)
    assert [value for _, value in radios] == FlagReason.values
    for value in FlagReason.values:
        assert f'<label for="reason-{value}">' in fieldset
    assert re.search(r'<label for="flag-note">', form)
    assert re.search(
        r'<textarea id="flag-note" name="note"[^>]*aria-describedby="flag-note-hint"', form
    )
    assert "error-summary" not in source and "aria-invalid" not in form
    # In English, the words of the form.
    english = html(client.get(report_url(comment, EN)))
    assert "Report a comment" in english
    assert "Why should the moderators review this comment?" in english


def test_anonymous_is_sent_to_sign_in(client, comment):
    for response in (
        client.get(report_url(comment)),
        client.post(report_url(comment), {"reason": "spam"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        assert "reportar" in response["Location"]
    assert not Flag.objects.exists()


def test_a_report_is_recorded_and_returns_to_the_comment(client, page, comment, beto):
    client.force_login(beto)
    response = client.post(report_url(comment), {"reason": "abusive", "note": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/c/{comment.pk}/"
    flag = Flag.objects.get()
    assert (flag.comment, flag.user, flag.reason, flag.note) == (comment, beto, "abusive", "")
    review = Review.objects.get(comment=comment)
    assert review.pending and review.flag_count == 1
    # On the English site the thanks are shown on the page it returns to.
    ana_comment = post(comment.author, page, body="Segundo texto de Ana")
    messages_on(client, page)  # the first report's thanks, consumed
    response = client.post(report_url(ana_comment, EN), {"reason": "spam"})
    assert response["Location"] == f"/en/c/{ana_comment.pk}/"
    assert messages_on(client, page) == [("success", "Thank you: the moderators will review it.")]


def test_own_comment_cannot_be_reported(client, page, comment, ana):
    client.force_login(ana)
    for request in (
        lambda: client.get(report_url(comment, EN)),
        lambda: client.post(report_url(comment, EN), {"reason": "spam"}),
    ):
        response = request()
        assert response.status_code == 302
        assert response["Location"] == f"/en/c/{comment.pk}/"
        assert messages_on(client, page) == [("error", "You cannot flag your own comment.")]
    assert not Flag.objects.exists()


def test_a_second_report_by_the_same_person_is_refused(client, page, comment, beto):
    client.force_login(beto)
    client.post(report_url(comment), {"reason": "spam"})
    assert [level for level, _ in messages_on(client, page)] == ["success"]
    for request in (
        lambda: client.get(report_url(comment, EN)),
        lambda: client.post(report_url(comment, EN), {"reason": "abusive", "note": "Otra vez"}),
    ):
        assert request().status_code == 302
        assert messages_on(client, page) == [("error", "You have already flagged this comment.")]
    flag = Flag.objects.get()
    assert flag.reason == "spam" and flag.note == ""
    assert Review.objects.get(comment=comment).flag_count == 1


def test_reports_stay_open_after_the_consultation_closes(client, page, comment, beto):
    type(page).objects.filter(pk=page.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    client.force_login(beto)
    assert client.get(report_url(comment)).status_code == 200
    assert client.post(report_url(comment), {"reason": "misinformation"}).status_code == 302
    assert Flag.objects.get().reason == "misinformation"


def test_missing_reason_shows_the_errors_and_keeps_the_note(client, comment, beto):
    client.force_login(beto)
    note = 'Mi nota <script>alert("x")</script> & más'
    source = html(client.post(report_url(comment), {"note": note}))
    summary = source[source.index('class="error-summary"') :]
    assert 'role="alert"' in source[source.index('class="error-summary"') - 60 :][:200]
    assert 'href="#reason-spam"' in summary
    assert re.search(r'<fieldset aria-describedby="reason-errors"', source)
    assert 'id="reason-errors"' in source
    # The note comes back as typed, escaped: never as markup.
    assert (
        "Mi nota &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; más</textarea>" in source
    )
    assert "<script>alert" not in source
    assert not Flag.objects.exists()
    english = html(client.post(report_url(comment, EN), {"note": note}))
    assert "Choose a reason." in english
    assert "<title>Error:" in english


def test_other_needs_a_note(client, comment, beto):
    client.force_login(beto)
    source = html(client.post(report_url(comment, EN), {"reason": "other", "note": "  "}))
    assert re.search(r'id="reason-other" value="other" checked', source)
    assert re.search(
        r'<textarea id="flag-note" name="note"[^>]*aria-describedby="flag-note-hint note-errors"'
        r'[^>]*aria-invalid="true"',
        source,
    )
    assert "Say what is wrong with this comment." in source
    assert 'href="#flag-note"' in source
    assert not Flag.objects.exists()


def test_unknown_reason_and_overlong_note_are_refused(client, comment, beto):
    client.force_login(beto)
    long_note = "x" * (actions.MAX_NOTE_LENGTH + 1)
    source = html(client.post(report_url(comment, EN), {"reason": "aburrido", "note": long_note}))
    assert "Choose a reason." in source
    assert f"A note can have at most {actions.MAX_NOTE_LENGTH} characters." in source
    assert f">{long_note}</textarea>" in source  # kept, to shorten
    assert 'value="aburrido"' not in source and " checked" not in source
    assert not Flag.objects.exists()


def test_markup_in_a_note_is_stored_as_plain_text(client, comment, beto):
    client.force_login(beto)
    note = "<script>alert(1)</script>Insulta <b>a</b> otra persona"
    assert client.post(report_url(comment), {"reason": "other", "note": note}).status_code == 302
    assert Flag.objects.get().note == "Insulta a otra persona"


def test_reports_on_comments_not_shown_or_unknown(
    client, make_consultation, page, comment, ana, beto, make_user
):
    client.force_login(beto)
    assert client.get("/moderacion/comentarios/999999/reportar/").status_code == 404
    # Someone else's held comment does not exist for the reader.
    held_page = make_consultation(questions=["¿?"], moderation_mode="pre")
    held = post(ana, held_page, body="Esperando revisión")
    assert held.status == "held"
    assert client.get(report_url(held)).status_code == 404
    assert client.post(report_url(held), {"reason": "spam"}).status_code == 404
    # A hidden comment: refused with a reason.
    Comment.objects.filter(pk=comment.pk).update(status="hidden")
    response = client.get(report_url(comment, EN))
    assert response.status_code == 302
    assert messages_on(client, page) == [("error", "This comment is no longer shown.")]
    # An unpublished consultation's comments: 404.
    draft = make_consultation(questions=["¿?"])
    on_draft = post(ana, draft)
    type(draft).objects.filter(pk=draft.pk).update(live=False)
    assert client.get(report_url(on_draft)).status_code == 404
    assert not Flag.objects.exists()


def test_blocked_people_cannot_report(client, page, comment, make_user):
    blocked = make_user("citizen", blocked=True)
    client.force_login(blocked)
    response = client.post(report_url(comment, EN), {"reason": "spam"})
    assert response.status_code == 302
    [(level, text)] = messages_on(client, page)
    assert level == "error" and "blocked" in text
    assert not Flag.objects.exists()


def test_report_form_answers_get_and_post_only(client, comment, beto):
    client.force_login(beto)
    assert client.put(report_url(comment), {"reason": "spam"}).status_code == 405
    assert client.delete(report_url(comment)).status_code == 405
    assert not Flag.objects.exists()


def test_report_form_needs_csrf(comment, beto):
    client = Client(enforce_csrf_checks=True)
    client.force_login(beto)
    assert client.post(report_url(comment), {"reason": "spam"}).status_code == 403
    assert not Flag.objects.exists()


def test_enough_reports_through_the_form_hide_the_comment(client, page, comment, make_user):
    for _ in range(3):
        client.force_login(make_user("citizen"))
        assert client.post(report_url(comment), {"reason": "spam"}).status_code == 302
    comment.refresh_from_db()
    assert comment.status == "hidden"
    notice = Notice.objects.get(user=comment.author)
    assert (notice.kind, notice.reason) == ("flagged", "spam")


# Thread display --------------------------------------------------------------


def test_a_held_comment_shows_to_its_author_only_marked(client, make_consultation, ana, beto):
    held_page = make_consultation(questions=["¿?"], moderation_mode="pre")
    held = post(ana, held_page, body="Mi texto en espera")
    client.force_login(ana)
    block = comment_block(page_html(client, held_page), held)
    assert 'class="comment comment--held"' in block and 'data-status="held"' in block
    assert "Mi texto en espera" in block and "Ana Autora" in block
    assert 'class="comment__held-mark"' in block
    assert 'class="reactions' not in block and "comment__report-link" not in block
    assert f'action="/comentarios/{held.pk}/borrar/"' in block  # it can be withdrawn
    english = comment_block(page_html(client, held_page, EN), held)
    assert "Awaiting review — only you can see this comment" in english

    for viewer in (beto, None):
        if viewer:
            client.force_login(viewer)
        else:
            client.logout()
        source = page_html(client, held_page)
        assert f'id="comment-{held.pk}"' not in source and "Mi texto en espera" not in source


def test_hidden_and_removed_comments_are_tombstones(client, page, ana, beto, moderator):
    hidden = post(ana, page, body="Texto oculto")
    removed = post(ana, page, body="Texto retirado")
    reply = post(beto, page, body="Respuesta visible", question=None, parent=hidden.pk)
    actions.do_decide(moderator, hidden, action="hide", reason="abusive")
    actions.do_decide(moderator, removed, action="remove", reason="personal_data")
    for viewer in (None, beto, ana):
        if viewer:
            client.force_login(viewer)
        source = page_html(client, page, EN)
        assert "Texto oculto" not in source and "Texto retirado" not in source
        assert "Respuesta visible" in source and f'id="comment-{reply.pk}"' in source
        hidden_block, removed_block = comment_block(source, hidden), comment_block(source, removed)
        assert 'data-status="hidden"' in hidden_block and "comment--deleted" in hidden_block
        assert "Hidden by moderation" in hidden_block and "Ana Autora" not in hidden_block
        assert 'data-status="removed"' in removed_block
        assert "Removed by moderation" in removed_block and "Ana Autora" not in removed_block
        assert "comment__report-link" not in hidden_block + removed_block
        # Only the author is pointed to the notices, where they can appeal.
        pointer = f'href="{EN}/avisos/"'
        assert (pointer in hidden_block and pointer in removed_block) == (viewer == ana)


def test_the_live_script_knows_every_tombstone(client, page):
    source = page_html(client, page, EN)
    config = source[
        source.index('id="live-config"') : source.index("></div>", source.index('id="live-config"'))
    ]
    assert 'data-deleted="Deleted by its author"' in config
    assert 'data-hidden="Hidden by moderation"' in config
    assert 'data-removed="Removed by moderation"' in config


# Notices and appeals ---------------------------------------------------------


@pytest.fixture
def decided(page, ana, moderator):
    """Ana's comments: one hidden, one removed, one approved after a hold."""
    hidden = post(ana, page, body="Mi comentario oculto")
    removed = post(ana, page, body="Mi comentario retirado")
    actions.do_decide(moderator, hidden, action="hide", reason="abusive", note="Cuida el tono.")
    actions.do_decide(moderator, removed, action="remove", reason="personal_data")
    return hidden, removed


def test_notices_list_what_was_decided_and_are_marked_read(client, page, ana, decided):
    hidden, removed = decided
    client.force_login(ana)
    assert Notice.objects.filter(user=ana, read=False).count() == 2
    source = html(client.get(notices_url(EN)))
    items = re.findall(r'<li class="notice-item notice-item--new" id="notice-(\d+)"', source)
    assert len(items) == 2
    assert "A moderator hid your comment. Reason: Abusive or offensive." in source
    assert "The moderator's note: Cuida el tono." in source
    assert "A moderator removed your comment. Reason: Personal data." in source
    assert f'href="/en/c/{hidden.pk}/"' in source
    # A removed comment is no longer shown: its notice leads to the page.
    assert f'href="{url_of(page, EN)}"' in source
    # A hidden comment's text is shown to its author; a removed one's is not.
    assert "Mi comentario oculto" in source and "Mi comentario retirado" not in source
    # Both can be appealed.
    assert f'action="{EN}/moderacion/comentarios/{hidden.pk}/apelar/"' in source
    assert f'action="{EN}/moderacion/comentarios/{removed.pk}/apelar/"' in source
    assert re.search(
        rf'<label for="appeal-note-{hidden.pk}">.*?<textarea id="appeal-note-{hidden.pk}" '
        rf'name="note"[^>]*required aria-describedby="appeal-hint-{hidden.pk}"',
        source,
        re.S,
    )
    assert not Notice.objects.filter(user=ana, read=False).exists()
    again = html(client.get(notices_url()))
    assert "notice-item--new" not in again and again.count('<li class="notice-item"') == 2


def test_notices_are_private_and_need_sign_in(client, ana, beto, decided):
    response = client.get(notices_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(beto)
    source = html(client.get(notices_url(EN)))
    assert "You have no notifications." in source and "notice-item" not in source
    assert Notice.objects.filter(user=ana, read=False).count() == 2  # not Beto's to read


def test_an_appeal_is_sent_once(client, ana, decided):
    hidden, _ = decided
    client.force_login(ana)
    response = client.post(appeal_url(hidden, EN), {"note": "Era una cita textual."})
    assert response.status_code == 302
    assert response["Location"] == f"{EN}/avisos/#appeal-{hidden.pk}"
    appeal = Appeal.objects.get()
    assert (appeal.comment, appeal.note) == (hidden, "Era una cita textual.")
    review = Review.objects.get(comment=hidden)
    assert review.pending and review.kind == "appealed"
    source = html(client.get(notices_url(EN)))
    assert "Appeal sent: a moderator will look at your comment again." in source
    sent = source[source.index(f'id="appeal-{hidden.pk}"') - 40 :][:300]
    assert 'class="appeal-sent"' in sent and "Appeal sent on" in sent
    assert f"/moderacion/comentarios/{hidden.pk}/apelar/" not in source

    response = client.post(appeal_url(hidden, EN), {"note": "Otra vez"})
    assert response.status_code == 302
    source = html(client.get(notices_url(EN)))
    assert "You have already appealed this decision." in source
    assert Appeal.objects.get().note == "Era una cita textual."


def test_an_appeal_without_a_note_comes_back_with_errors(client, ana, decided):
    hidden, _ = decided
    client.force_login(ana)
    response = client.post(appeal_url(hidden, EN), {"note": "   "})
    assert response["Location"] == f"{EN}/avisos/#appeal-{hidden.pk}"
    source = html(client.get(notices_url(EN)))
    assert "Write a note." in source
    assert re.search(
        rf'<textarea id="appeal-note-{hidden.pk}"[^>]*aria-describedby="appeal-hint-{hidden.pk} '
        rf'appeal-errors-{hidden.pk}" aria-invalid="true"',
        source,
    )
    long_note = "y" * (actions.MAX_NOTE_LENGTH + 1)
    client.post(appeal_url(hidden), {"note": long_note})
    assert f">{long_note}</textarea>" in html(client.get(notices_url()))
    assert not Appeal.objects.exists()


def test_appeals_refused_to_others_and_on_published_comments(client, page, ana, beto, decided):
    hidden, _ = decided
    published = post(ana, page, body="Sigue publicado")
    assert client.post(appeal_url(hidden), {"note": "Hola"})["Location"].startswith(
        "/accounts/login/"
    )
    client.force_login(beto)
    client.post(appeal_url(hidden, EN), {"note": "No es mío"})
    assert "Only the author of a comment can appeal a decision on it." in html(
        client.get(notices_url(EN))
    )
    client.force_login(ana)
    client.post(appeal_url(published, EN), {"note": "Nada que apelar"})
    assert "There is no decision on this comment to appeal." in html(client.get(notices_url(EN)))
    assert client.get(appeal_url(hidden)).status_code == 405
    assert client.post("/moderacion/comentarios/999999/apelar/", {"note": "x"}).status_code == 404
    assert not Appeal.objects.exists()


def test_a_blocked_author_can_still_appeal(client, ana, decided, moderator):
    hidden, _ = decided
    actions.do_block(moderator, ana, reason="abusive")
    client.force_login(ana)
    source = html(client.get(notices_url(EN)))
    assert "The moderators blocked your account" in source
    assert client.post(appeal_url(hidden), {"note": "Pido revisión"}).status_code == 302
    assert Appeal.objects.filter(comment=hidden).exists()


def test_one_appeal_form_per_comment_on_its_newest_notice(client, page, ana, moderator):
    comment = post(ana, page, body="Ocultado dos veces")
    actions.do_decide(moderator, comment, action="hide", reason="spam")
    actions.do_decide(moderator, comment, action="restore")
    actions.do_decide(moderator, comment, action="hide", reason="off_topic")
    client.force_login(ana)
    source = html(client.get(notices_url()))
    assert source.count('<li class="notice-item') == 3
    assert source.count(f'id="appeal-{comment.pk}"') == 1
    assert source.index(f'id="appeal-{comment.pk}"') < source.index('data-kind="restore"')


def make_hidden_with_notice(page, author, moderator, n):
    for i in range(n):
        comment = post(author, page, body=f"Comentario {i} que se ocultará")
        actions.do_decide(moderator, comment, action="hide", reason="spam")


@pytest.mark.parametrize("appeal_some", [False, True])
def test_notices_page_query_count_is_constant(client, page, make_user, moderator, appeal_some):
    counts = []
    for n in (1, 10):
        author = make_user("citizen")
        make_hidden_with_notice(page, author, moderator, n)
        if appeal_some:
            first = Comment.objects.filter(author=author).first()
            actions.do_appeal(author, first, note="Revisen")
        client.force_login(author)
        client.get(url_of(page))  # warm the site's caches
        with CaptureQueriesContext(connection) as queries:
            source = html(client.get(notices_url()))
        assert source.count('<li class="notice-item') == n
        assert source.count('class="appeal-form"') == n - appeal_some
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
