"""The consultation page's forms answered in place (header X-Puente-Fragment,
sent by site/static/js/forms.js) and, without JavaScript, their messages
next to the form or comment. In English (/en/), whose texts need no
compiled catalog."""

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.utils import formats, timezone, translation

from comments import actions
from comments.models import Comment, Reaction
from moderation.models import FilteredWord, Flag, Review

FRAGMENT = {"HTTP_X_PUENTE_FRAGMENT": "1"}


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(sections=[("Objeto", "Qué regula.")], questions=["¿Qué cambiarías?"])


@pytest.fixture
def ana(make_user):
    return make_user("citizen", display_name="Ana")


@pytest.fixture
def beto(make_user):
    return make_user("citizen", display_name="Beto")


@pytest.fixture(autouse=True)
def _fresh_budget():
    cache.clear()
    yield
    cache.clear()


def key_of(page):
    return f"question-{page.ordered_questions[0].pk}"


def post_url(page):
    return f"/en/comentarios/consultas/{page.pk}/comentar/"


def say(user, page, body="Un comentario con sustancia", **anchor):
    anchor = anchor or {"question": page.ordered_questions[0].pk}
    return actions.do_post_comment(user, page, body=body, **anchor)


def en_url(page):
    with translation.override("en"):
        return page.get_url()


def english_page(client, page, **params):
    response = client.get(en_url(page), params)
    assert response.status_code == 200
    return response.content.decode()


# Posting ------------------------------------------------------------------------


def test_a_post_in_place_answers_the_new_comment(client, page, ana):
    client.force_login(ana)
    response = client.post(
        post_url(page),
        {"body": "Desde JavaScript", "question": page.ordered_questions[0].pk},
        **FRAGMENT,
    )
    comment = Comment.objects.get(body="Desde JavaScript")
    assert response.status_code == 201
    assert response["X-Puente-Fragment"] == "1"
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="comment" id="comment-{comment.pk}"')
    assert "<html" not in html
    assert re.search(
        r'<p class="comment__notice" data-notice>Your comment was published\.</p>', html
    )
    # Its own status region and the receipt with what posting followed.
    assert f'id="status-comment-{comment.pk}"' in html
    assert comment.folio in html
    # Nothing left for the next page load to say again.
    assert "Your comment was published" not in english_page(client, page)


def test_a_refused_post_in_place_answers_the_form_with_its_errors(client, page, ana):
    client.force_login(ana)
    key = key_of(page)
    response = client.post(
        post_url(page), {"body": "x", "question": page.ordered_questions[0].pk}, **FRAGMENT
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    summary = re.search(r'<div class="error-summary" id="errors-(.*?)</div>', html, re.S).group(0)
    assert 'role="alert"' in summary and "There is a problem" in summary
    assert f'<a href="#body-{key}">Write at least 2 characters.</a>' in summary
    assert re.search(rf'id="body-{key}"[^>]*aria-invalid="true"[^>]*>x</textarea>', html)
    assert not Comment.objects.exists()


def test_a_refused_plain_post_shows_the_error_summary_at_the_form(client, page, ana):
    client.force_login(ana)
    key = key_of(page)
    response = client.post(post_url(page), {"body": "x", "question": page.ordered_questions[0].pk})
    assert response["Location"] == f"{en_url(page)}#form-{key}"
    html = english_page(client, page)
    form = re.search(rf'<form [^>]*id="form-{key}".*?</form>', html, re.S).group(0)
    assert 'class="error-summary"' in form
    assert f'<a href="#body-{key}">Write at least 2 characters.</a>' in form
    # Not at the top of the page: the flash is gone.
    assert 'class="messages"' not in html


def test_a_plain_post_says_next_to_the_comment_what_happened(client, page, ana):
    client.force_login(ana)
    client.post(
        post_url(page), {"body": "Sin JavaScript", "question": page.ordered_questions[0].pk}
    )
    comment = Comment.objects.get()
    html = english_page(client, page)
    card = re.search(rf'<li class="comment" id="comment-{comment.pk}".*?</article>', html, re.S)
    assert "Your comment was published." in card.group(0)


def test_a_comment_held_by_the_word_filter_says_so(client, page, ana):
    FilteredWord.objects.create(word="estúpido", language="es")
    client.force_login(ana)
    question = page.ordered_questions[0].pk
    response = client.post(
        post_url(page), {"body": "Qué estúpido plan", "question": question}, **FRAGMENT
    )
    assert response.status_code == 201
    html = response.content.decode()
    assert "Your comment is awaiting review" in html
    assert "published" not in html
    # And without JavaScript: next to the comment and in the flash.
    client.post(post_url(page), {"body": "Otro estúpido plan", "question": question})
    held = Comment.objects.get(body="Otro estúpido plan")
    assert held.status == "held"
    page_html = english_page(client, page)
    card = re.search(rf'id="comment-{held.pk}".*?</article>', page_html, re.S).group(0)
    assert "Your comment is awaiting review" in card
    assert "Your comment was published" not in page_html


# The shared budget and the posting interval -----------------------------------------


def test_the_in_place_forms_spend_the_apis_and_the_plain_forms_budget(
    client, settings, page, ana, beto
):
    settings.PUENTE_COMMENT_WRITE_RATE = "3/min"
    comment = say(ana, page)
    client.force_login(beto)
    api = f"/api/v1/comments/{comment.pk}/reactions/"
    react = f"/en/comentarios/{comment.pk}/reaccionar/"
    assert client.post(api, {"stance": "agree"}, content_type="application/json").status_code == 200
    assert client.post(react, {"stance": "pass"}).status_code == 302
    assert client.post(react, {"stance": "agree"}, **FRAGMENT).status_code == 200
    refused = client.post(react, {"stance": "disagree"}, **FRAGMENT)
    assert refused.status_code == 429
    assert "You are posting too fast. Try again in" in refused.content.decode()
    assert client.post(api, {"stance": "pass"}, content_type="application/json").status_code == 429
    assert Reaction.objects.get(user=beto).stance == "agree"


def test_a_new_account_is_told_the_interval_and_the_wait(client, settings, page, ana):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 15,
        "new_account_interval": 60,
        "new_account_days": 3,
    }
    client.force_login(ana)
    key = key_of(page)
    html = english_page(client, page)
    assert f'<p class="hint" id="interval-{key}">Your account is new: leave 60 seconds' in html
    question = page.ordered_questions[0].pk
    assert (
        client.post(
            post_url(page), {"body": "Primero", "question": question}, **FRAGMENT
        ).status_code
        == 201
    )
    refused = client.post(post_url(page), {"body": "Segundo", "question": question}, **FRAGMENT)
    assert refused.status_code == 429
    html = refused.content.decode()
    seconds = int(re.search(r'data-retry-after="(\d+)"', html).group(1))
    assert 55 <= seconds <= 60
    assert f"Try again in {seconds} seconds." in html
    assert ">Segundo</textarea>" in html
    # Without JavaScript: the same, at the form.
    client.post(post_url(page), {"body": "Tercero", "question": question})
    html = english_page(client, page)
    form = re.search(rf'<form [^>]*id="form-{key}".*?</form>', html, re.S).group(0)
    assert "Try again in" in form and ">Tercero</textarea>" in form
    assert Comment.objects.count() == 1


def test_an_older_account_is_not_told_an_interval(client, settings, page, make_user):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 15,
        "new_account_interval": 60,
        "new_account_days": 3,
    }
    old = make_user("citizen", date_joined=timezone.now() - timezone.timedelta(days=30))
    client.force_login(old)
    assert "Your account is new" not in english_page(client, page)


# Replying -------------------------------------------------------------------------


def test_the_reply_form_names_the_person_and_is_the_only_form(client, page, ana, beto):
    first = say(ana, page, body="Primero")
    client.force_login(beto)
    key = key_of(page)
    # In place: the form alone.
    response = client.get(f"/en/comentarios/{first.pk}/responder/", **FRAGMENT)
    assert response.status_code == 200 and response["X-Puente-Fragment"] == "1"
    form = response.content.decode()
    assert f'<label for="body-reply-{first.pk}">Your reply to Ana</label>' in form
    assert f'name="parent" value="{first.pk}"' in form and "data-cancel-reply" in form
    # Without JavaScript: the page with it open, the comment answered in view.
    plain = client.get(f"/en/comentarios/{first.pk}/responder/")
    assert plain["Location"] == f"{en_url(page)}?reply={first.pk}#comment-{first.pk}"
    html = english_page(client, page, reply=first.pk)
    assert f'id="form-reply-{first.pk}"' in html
    assert f'id="form-{key}"' not in html  # the thread's own form gives way
    assert f'href="?sort=oldest#form-{key}">Write a new comment instead</a>' in html
    assert html.index(f'id="comment-{first.pk}"') < html.index(f'id="form-reply-{first.pk}"')
    # Other discussions keep their forms.
    section_key = f"section-{page.ordered_sections[0].pk}"
    assert f'id="form-{section_key}"' in html


def test_a_reply_in_place_answers_the_reply(client, page, ana, beto):
    first = say(ana, page, body="Primero")
    client.force_login(beto)
    response = client.post(
        post_url(page), {"body": "Una respuesta", "parent": first.pk}, **FRAGMENT
    )
    reply = Comment.objects.get(parent=first)
    assert response.status_code == 201
    assert f'id="comment-{reply.pk}"' in response.content.decode()
    assert 'data-level="2"' in response.content.decode()
    refused = client.post(post_url(page), {"body": "y", "parent": first.pk}, **FRAGMENT)
    assert refused.status_code == 400
    assert "Your reply to Ana" in refused.content.decode()


# Edit, delete, react, report --------------------------------------------------------


def test_edit_delete_and_react_in_place(client, page, ana, beto):
    comment = say(ana, page, body="Primera versión")
    client.force_login(beto)
    reacted = client.post(
        f"/en/comentarios/{comment.pk}/reaccionar/", {"stance": "agree"}, **FRAGMENT
    )
    assert reacted.status_code == 200
    html = reacted.content.decode()
    assert 'data-stance="agree" aria-pressed="true"' in html
    assert "Your reaction was saved." in html
    withdrawn = client.post(
        f"/en/comentarios/{comment.pk}/reaccionar/", {"stance": "agree"}, **FRAGMENT
    )
    assert "Your reaction was withdrawn." in withdrawn.content.decode()
    # Someone else's comment: refused, with the reason at the comment.
    refused = client.post(f"/en/comentarios/{comment.pk}/borrar/", **FRAGMENT)
    assert refused.status_code == 403
    assert f'id="errors-comment-{comment.pk}"' in refused.content.decode()

    client.force_login(ana)
    edited = client.post(
        f"/en/comentarios/{comment.pk}/editar/", {"body": "Segunda versión"}, **FRAGMENT
    )
    assert edited.status_code == 200
    assert "Segunda versión" in edited.content.decode()
    assert "Your comment was updated." in edited.content.decode()
    bad = client.post(f"/en/comentarios/{comment.pk}/editar/", {"body": "z"}, **FRAGMENT)
    assert bad.status_code == 400
    assert re.search(rf'<details open>.*id="errors-edit-{comment.pk}"', bad.content.decode(), re.S)
    assert re.search(rf'id="edit-{comment.pk}"[^>]*>z</textarea>', bad.content.decode())
    deleted = client.post(f"/en/comentarios/{comment.pk}/borrar/", **FRAGMENT)
    assert deleted.status_code == 200
    assert 'data-status="deleted"' in deleted.content.decode()
    assert "Your comment was deleted." in deleted.content.decode()
    comment.refresh_from_db()
    assert comment.body == "" and comment.status == "deleted"


def test_a_held_comment_deleted_in_place_is_gone(client, page, ana):
    FilteredWord.objects.create(word="estúpido", language="es")
    held = say(ana, page, body="Qué estúpido")
    client.force_login(ana)
    response = client.post(f"/en/comentarios/{held.pk}/borrar/", **FRAGMENT)
    assert response.status_code == 200
    assert f'data-gone="{held.pk}"' in response.content.decode()
    assert not Comment.objects.filter(pk=held.pk).exists()


REVIEWED_EDIT = "A moderator will review the change; until then your comment stays visible."


def test_an_edit_the_word_filter_sends_for_review_says_so(client, page, ana):
    FilteredWord.objects.create(word="estúpido", language="es")
    comment = say(ana, page, body="Primera versión")
    client.force_login(ana)
    url = f"/en/comentarios/{comment.pk}/editar/"
    # A clean edit: updated, nothing more.
    clean = client.post(url, {"body": "Segunda versión"}, **FRAGMENT)
    assert clean.status_code == 200
    assert "Your comment was updated." in clean.content.decode()
    assert REVIEWED_EDIT not in clean.content.decode()
    assert not Review.objects.filter(comment=comment).exists()

    # With JavaScript: the card says the edit went to the moderators.
    held = client.post(url, {"body": "Una versión estúpido"}, **FRAGMENT)
    assert held.status_code == 200
    html = held.content.decode()
    assert f"Your comment was updated. {REVIEWED_EDIT}" in html
    assert "Una versión estúpido" in html
    review = Review.objects.get(comment=comment)
    assert review.pending and review.hold_reason == "word"
    comment.refresh_from_db()
    assert comment.status == "published"

    # Without JavaScript: next to the comment, and in the flash.
    response = client.post(url, {"body": "Otra versión estúpido"})
    assert response["Location"] == f"{en_url(page)}#comment-{comment.pk}"
    card = re.search(
        rf'id="comment-{comment.pk}".*?</article>', english_page(client, page), re.S
    ).group(0)
    assert f"Your comment was updated. {REVIEWED_EDIT}" in card


def test_a_plain_reaction_says_so_at_the_comment(client, page, ana, beto):
    comment = say(ana, page)
    client.force_login(beto)
    response = client.post(f"/en/comentarios/{comment.pk}/reaccionar/", {"stance": "pass"})
    assert response["Location"] == f"{en_url(page)}#comment-{comment.pk}"
    card = re.search(
        rf'id="comment-{comment.pk}".*?</article>', english_page(client, page), re.S
    ).group(0)
    assert "Your reaction was saved." in card


def test_reporting_in_place(client, page, ana, beto):
    comment = say(ana, page)
    client.force_login(beto)
    url = f"/en/moderacion/comentarios/{comment.pk}/reportar/"
    opened = client.get(url, **FRAGMENT)
    assert opened.status_code == 200 and opened["X-Puente-Fragment"] == "1"
    panel = opened.content.decode()
    assert panel.lstrip().startswith(f'<div class="flag-panel" id="flag-{comment.pk}"')
    assert f'<label for="flag-note-{comment.pk}">' in panel and "<html" not in panel
    invalid = client.post(url, {"reason": "other", "note": ""}, **FRAGMENT)
    assert invalid.status_code == 400
    assert f'href="#flag-note-{comment.pk}"' in invalid.content.decode()
    sent = client.post(url, {"reason": "spam"}, **FRAGMENT)
    assert sent.status_code == 200
    assert "Thank you: the moderators will review it." in sent.content.decode()
    assert Flag.objects.filter(comment=comment, user=beto).count() == 1
    again = client.get(url, **FRAGMENT)
    assert again.status_code == 409 and "data-flag-done" in again.content.decode()
    # The page itself is unchanged without the header.
    assert client.get(url).status_code == 302


def test_fragments_need_csrf_like_the_forms(page, ana):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    response = client.post(
        post_url(page), {"body": "Hola", "question": page.ordered_questions[0].pk}, **FRAGMENT
    )
    # Not a fragment: forms.js falls back to the plain form (and its refusal).
    assert response.status_code == 403 and "X-Puente-Fragment" not in response
    assert not Comment.objects.exists()


# One date format ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es-mx", r"10 de [Ee]nero de 2026 a las 14:05"), ("en", r"January 10, 2026, 2:05 PM")],
)
def test_dates_follow_the_sites_format_in_its_time_zone(language, expected):
    moment = datetime(2026, 1, 10, 20, 5, tzinfo=UTC)
    with translation.override(language):
        shown = formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    assert re.fullmatch(expected, shown), shown


def test_the_page_gives_live_js_the_servers_date_format(client, page, ana):
    say(ana, page)
    html = english_page(client, page)
    assert 'data-datetime-format="F j, Y, g:i A"' in html
    assert 'data-months="January|February|March|' in html
    assert 'data-time-zone="America/Mexico_City"' in html


def test_the_api_tells_the_author_an_edit_went_for_review(client, page, ana):
    FilteredWord.objects.create(word="estúpido", language="es")
    comment = say(ana, page, body="Primera versión")
    client.force_login(ana)
    url = f"/api/v1/comments/{comment.pk}/"
    clean = client.patch(url, {"body": "Segunda versión"}, content_type="application/json")
    assert clean.status_code == 200
    assert clean.json()["sent_for_review"] is False
    reviewed = client.patch(url, {"body": "Una versión estúpido"}, content_type="application/json")
    assert reviewed.status_code == 200
    assert reviewed.json()["sent_for_review"] is True
    assert reviewed.json()["status"] == "published"
