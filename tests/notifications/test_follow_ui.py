"""The follow buttons on the consultation page, and what the page says
after a comment is posted through the form: its receipt number (folio),
what posting followed and a one-click way to stop. Wording is asserted on
English pages (/en/): new strings reach the Spanish catalog later."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from comments import actions
from comments.models import Comment
from moderation import actions as moderation_actions
from notifications.models import Follow

EN = "/en"


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué cambiarías?"])


@pytest.fixture
def ana(make_user):
    return make_user("citizen", display_name="Ana Autora")


@pytest.fixture
def beto(make_user):
    return make_user("citizen", display_name="Beto Lector")


def post(user, page, body="Un comentario con sustancia.", **anchor):
    anchor = anchor or {"question": page.ordered_questions[0].pk}
    return actions.do_post_comment(user, page, body=body, **anchor)


def url_of(page):
    with override("en"):
        return page.get_url()


def html_of(client, page, **params):
    response = client.get(url_of(page), params)
    assert response.status_code == 200
    return response.content.decode()


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def forms_to(html, action):
    """The <form> elements of `html` posting to `action`."""
    return re.findall(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)


def thread_action(comment):
    return f"{EN}/avisos/seguir/hilos/{comment.pk}/"


def consultation_action(page):
    return f"{EN}/avisos/seguir/consultas/{page.pk}/"


def text_of(markup):
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def test_signed_in_people_get_a_follow_button_per_thread_and_for_the_consultation(page, ana, beto):
    thread = post(beto, page, body="Un hilo.")
    reply = post(beto, page, body="Una respuesta.", question=None, parent=thread.pk)
    html = html_of(as_user(ana), page)

    [consultation_form] = forms_to(html, consultation_action(page))
    assert 'name="following" value="1"' in consultation_form
    assert "Follow this consultation" in consultation_form
    assert f'name="next" value="{url_of(page)}#follow-consultation"' in consultation_form
    assert 'name="csrfmiddlewaretoken"' in consultation_form

    [thread_form] = forms_to(html, thread_action(thread))
    assert 'name="following" value="1"' in thread_form
    # The button says whose thread it is (the name is visually hidden).
    assert text_of(thread_form) == "Follow thread of the comment by Beto Lector"
    assert f'value="{url_of(page)}#comment-{thread.pk}"' in thread_form
    # Replies belong to their thread: no button of their own.
    assert forms_to(html, thread_action(reply)) == []


def test_the_buttons_say_what_the_person_follows(page, ana, beto):
    followed = post(beto, page, body="Un hilo seguido.")
    other = post(beto, page, body="Otro hilo.")
    post(ana, page, body="Mi respuesta.", question=None, parent=followed.pk)
    html = html_of(as_user(ana), page)
    [consultation_form] = forms_to(html, consultation_action(page))
    assert 'name="following" value="0"' in consultation_form
    assert "You follow this consultation." in consultation_form
    assert "Stop following this consultation" in consultation_form
    [followed_form] = forms_to(html, thread_action(followed))
    assert 'name="following" value="0"' in followed_form
    assert text_of(followed_form) == "Stop following the thread of the comment by Beto Lector"
    [other_form] = forms_to(html, thread_action(other))
    assert 'name="following" value="1"' in other_form


def test_a_tombstones_button_does_not_name_its_author(page, ana, beto, make_user):
    hidden = post(beto, page, body="Un hilo que se oculta.")
    moderation_actions.do_decide(
        make_user("moderator"), hidden, action="hide", reason="abusive", note=""
    )
    html = html_of(as_user(ana), page)
    [form] = forms_to(html, thread_action(hidden))
    assert "Beto" not in form
    assert text_of(form).startswith("Follow thread of the comment of ")


def test_anonymous_people_see_no_follow_button_but_a_sign_in_hint(client, page, beto):
    thread = post(beto, page, body="Un hilo.")
    html = html_of(client, page)
    assert forms_to(html, consultation_action(page)) == []
    assert forms_to(html, thread_action(thread)) == []
    assert "/avisos/seguir/" not in html
    assert "Sign in to follow this consultation." in html


def messages_in(html):
    return re.findall(r'<li class="message message--\w+">(.*?)</li>', html, re.S)


def posted_note(html, comment):
    start = html.index(f'id="posted-{comment.pk}"')
    return html[start : html.index("</div>\n</div>", start)]


def test_posting_says_the_folio_and_what_it_followed(page, ana):
    client = as_user(ana)
    question = page.ordered_questions[0].pk
    response = client.post(
        f"{EN}/comentarios/consultas/{page.pk}/comentar/",
        {"body": "Mi primer comentario.", "question": question},
    )
    comment = Comment.objects.get(author=ana)
    assert response["Location"] == f"{url_of(page)}#comment-{comment.pk}"
    html = html_of(client, page)
    assert re.fullmatch(r"PUE-\d{4}-\d{6,}", comment.folio)
    assert messages_in(html) == [
        f"Your comment was published. Its receipt number is {comment.folio}."
    ]
    note = posted_note(html, comment)
    # Next to the comment, inside its item.
    assert html.index(f'id="comment-{comment.pk}"') < html.index(f'id="posted-{comment.pk}"')
    assert f"Its receipt number is {comment.folio}." in note
    assert "You now follow this thread and this consultation." in note
    [stop_thread] = forms_to(note, thread_action(comment))
    assert 'name="following" value="0"' in stop_thread
    assert "Stop following this thread" in stop_thread
    [stop_consultation] = forms_to(note, consultation_action(page))
    assert 'name="following" value="0"' in stop_consultation
    # Said once: the next visit shows neither.
    again = html_of(client, page)
    assert messages_in(again) == [] and f'id="posted-{comment.pk}"' not in again

    # One click stops following the thread.
    stop = client.post(
        thread_action(comment), {"following": "0", "next": f"{url_of(page)}#comment-{comment.pk}"}
    )
    assert stop.status_code == 302
    assert not Follow.objects.get(user=ana, thread=comment).active
    assert Follow.objects.get(user=ana, consultation=page).active


def test_a_reply_says_its_threads_follow_and_keeps_a_stop(page, ana, beto):
    thread = post(beto, page, body="Un hilo.")
    post(ana, page, body="Mi primera respuesta.", question=None, parent=thread.pk)
    Follow.objects.filter(user=ana, thread=thread).update(active=False)
    client = as_user(ana)
    client.post(
        f"{EN}/comentarios/consultas/{page.pk}/comentar/",
        {"body": "Respondo otra vez.", "parent": thread.pk},
    )
    reply = Comment.objects.filter(author=ana).latest("pk")
    note = posted_note(html_of(client, page), reply)
    # Posting again did not undo the stop; the note offers to follow again.
    assert "You follow this consultation, not this thread." in note
    [follow_again] = forms_to(note, thread_action(thread))
    assert 'name="following" value="1"' in follow_again


def test_a_held_comment_gets_the_held_message_and_its_folio(make_consultation, ana):
    held_page = make_consultation(questions=["¿?"], moderation_mode="pre")
    client = as_user(ana)
    client.post(
        f"{EN}/comentarios/consultas/{held_page.pk}/comentar/",
        {"body": "Espero revisión.", "question": held_page.ordered_questions[0].pk},
    )
    comment = Comment.objects.get(author=ana)
    assert comment.status == "held"
    html = html_of(client, held_page)
    assert messages_in(html) == [
        "Your comment is awaiting review: only you can see it until a moderator approves it. "
        f"Its receipt number is {comment.folio}."
    ]
    assert "You now follow this thread and this consultation." in posted_note(html, comment)


def test_the_json_api_gives_the_author_the_folio(page, ana):
    response = as_user(ana).post(
        f"/api/v1/consultations/{page.pk}/comments/",
        {"body": "Por la API.", "question": page.ordered_questions[0].pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["folio"] == Comment.objects.get(pk=data["id"]).folio
    # Readers get the contract's shape, without it.
    listed = Client().get(f"/api/v1/consultations/{page.pk}/comments/").json()["results"]
    assert "folio" not in listed[0]


def make_threads(page, authors, count):
    now = timezone.now()
    question = page.ordered_questions[0]
    roots = Comment.objects.bulk_create(
        Comment(
            consultation=page,
            question=question,
            author=authors[n % len(authors)],
            body=f"Comentario {n}",
            created=now - timedelta(minutes=count - n),
            seq=n + 1,
        )
        for n in range(count)
    )
    Comment.objects.filter(pk__in=[r.pk for r in roots]).update(root_id=F("pk"))
    Comment.objects.bulk_create(
        Comment(
            consultation=page,
            question=question,
            parent=root,
            root=root,
            depth=1,
            author=authors[0],
            body="Respuesta",
            created=now,
            seq=count + n + 1,
        )
        for n, root in enumerate(roots)
    )
    return roots


def test_the_page_reads_follows_in_one_query_whatever_its_threads(
    make_consultation, no_rate_limits, ana, beto
):
    counts = {}
    for threads in (1, 20):
        page = make_consultation(questions=["¿Qué cambiarías?"])
        roots = make_threads(page, [ana, beto], threads)
        for root in roots[::2]:
            Follow.objects.create(user=ana, thread=root, created=timezone.now())
        client = as_user(ana)
        html_of(client, page)  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            html = html_of(client, page)
        assert html.count('class="inline-form follow-form follow-form--thread"') == threads
        assert html.count('name="following" value="0"') == len(roots[::2])
        follow_reads = [
            q["sql"] for q in queries.captured_queries if "notifications_follow" in q["sql"]
        ]
        assert len(follow_reads) == 1, follow_reads
        counts[threads] = len(queries.captured_queries)
    assert counts[1] == counts[20], counts
