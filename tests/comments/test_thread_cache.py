"""Threads kept for readers who are not signed in (comments/thread_cache.py):
a repeat view renders nothing and reads no comment, and every change a
reader could see shows at the next view."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import MODERATOR
from comments import actions, thread_cache
from comments.models import Comment
from moderation.actions import do_decide
from privacy.actions import do_change_display_name


@pytest.fixture
def page(make_consultation, no_rate_limits):
    cache.clear()  # the locmem cache outlives a test; ids may repeat on SQLite
    return make_consultation(sections=[("Objeto", "Qué regula.")], questions=["¿Qué cambiarías?"])


def post(user, page, body="Un comentario", **kwargs):
    kwargs.setdefault("question", page.ordered_questions[0].pk)
    return actions.do_post_comment(user, page, body=body, **kwargs)


def view(client, consultation, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(consultation.url, params)
    assert response.status_code == 200
    return response.content.decode(), queries


def comment_reads(queries):
    """The queries that read comments' texts (the threads)."""
    return [q["sql"] for q in queries if '"comments_comment"."body"' in q["sql"]]


def without_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def cursor_of(html):
    return int(re.search(r'data-cursor="(\d+)"', html).group(1))


def test_a_repeat_view_reads_no_comment_and_shows_the_same_threads(client, page, ana, beto):
    for n in range(5):
        post(ana if n % 2 else beto, page, body=f"Comentario número {n}")
    first, first_queries = view(client, page)
    again, again_queries = view(client, page)
    assert comment_reads(first_queries), "the first view reads the comments"
    assert comment_reads(again_queries) == []
    assert len(again_queries) < len(first_queries)
    assert without_tokens(again) == without_tokens(first)
    assert all(f"Comentario número {n}" in again for n in range(5))


def test_the_kept_threads_are_the_ones_a_fresh_render_gives(client, page, ana, beto, settings):
    post(ana, page, body="Primero")
    post(beto, page, body="Segundo", question=None, section=page.ordered_sections[0].pk)
    view(client, page)
    kept, _ = view(client, page)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    fresh, queries = view(client, page)
    assert comment_reads(queries)
    assert without_tokens(kept) == without_tokens(fresh)


def test_every_kind_of_change_shows_at_the_next_view(client, page, ana, beto, make_user):
    comment = post(ana, page, body="Texto original")
    view(client, page)
    reply = actions.do_post_comment(beto, page, body="Una respuesta nueva", parent=comment.pk)
    html, _ = view(client, page)
    assert "Una respuesta nueva" in html

    actions.do_react(beto, comment, "agree")
    html, _ = view(client, page)
    counts = re.search(rf'id="comment-{comment.pk}".*?data-count="agree">(\d+)<', html, re.S)
    assert counts.group(1) == "1"

    actions.do_edit_comment(ana, Comment.objects.get(pk=comment.pk), body="Texto corregido")
    html, _ = view(client, page)
    assert "Texto corregido" in html and "Texto original" not in html

    do_decide(make_user(MODERATOR), Comment.objects.get(pk=reply.pk), action="hide", reason="spam")
    html, _ = view(client, page)
    assert "Una respuesta nueva" not in html
    assert f'id="comment-{reply.pk}"' in html  # the tombstone keeps its place


def test_a_changed_public_name_shows_at_the_next_view(client, page, ana):
    post(ana, page)
    html, _ = view(client, page)
    assert "Ana Pública" in html
    do_change_display_name(ana, "Ana María")
    html, _ = view(client, page)
    assert "Ana María" in html


def test_a_login_does_not_throw_the_kept_threads_away(client, page, ana):
    post(ana, page)
    view(client, page)
    Client().force_login(ana)  # saves last_login only
    _, queries = view(client, page)
    assert comment_reads(queries) == []


def test_signed_in_readers_get_their_own_render(client, page, ana, beto):
    own = post(ana, page, body="Mi comentario")
    view(client, page)
    view(client, page)
    reader = Client()
    reader.force_login(ana)
    html, queries = view(reader, page)
    assert comment_reads(queries)
    assert f'action="{reverse("comments:delete", args=[own.pk])}"' in html
    other = Client()
    other.force_login(beto)
    html, _ = view(other, page)
    assert 'name="stance"' in html  # reaction buttons, not the static counts


def test_each_language_order_and_page_is_kept_apart(client, page, ana, beto):
    for n in range(3):
        post(ana if n % 2 else beto, page, body=f"Comentario {n}")
    spanish, _ = view(client, page)
    english = client.get("/en" + page.url).content.decode()
    assert 'lang="es-mx"' in spanish and "Responsible office" in english
    assert "1 comentario" not in english and "3 comments" in english
    oldest, _ = view(client, page, sort="oldest")
    newest, _ = view(client, page, sort="newest")
    assert oldest.index("Comentario 0") < oldest.index("Comentario 2")
    assert newest.index("Comentario 2") < newest.index("Comentario 0")


def test_made_up_page_numbers_are_rendered_not_kept(client, page, ana):
    post(ana, page)
    key = f"question-{page.ordered_questions[0].pk}"
    for number in ("1", "2"):
        view(client, page, thread=key, page=number)
        _, queries = view(client, page, thread=key, page=number)
        assert comment_reads(queries) == []
    for number in (str(thread_cache.MAX_CACHED_PAGE + 1), "x", "0", str(2**64)):
        view(client, page, thread=key, page=number)
        _, queries = view(client, page, thread=key, page=number)
        assert comment_reads(queries), number


def test_while_one_request_renders_a_new_state_the_others_show_the_last_with_its_cursor(
    client, page, ana, beto
):
    post(ana, page, body="Antes")
    before, _ = view(client, page)
    newer = post(beto, page, body="Después")
    prefix = f":1:threads:{thread_cache.VERSION}:"  # the locmem backend's keys
    keys = [k for k in cache._cache if k.startswith(prefix) and not k.endswith(":rendering")]
    assert len(keys) == 1
    variant = keys[0].split(":", 2)[2]
    cache.add(f"{variant}:rendering", 1, 30)  # another process is rendering it
    try:
        html, queries = view(client, page)
    finally:
        cache.delete(f"{variant}:rendering")
    assert "Después" not in html
    assert cursor_of(html) == cursor_of(before) < newer.seq
    assert comment_reads(queries) == []
    html, _ = view(client, page)
    assert "Después" in html and cursor_of(html) == newer.seq


def test_comments_written_without_a_cursor_are_read_on_every_view(client, page, ana):
    Comment.objects.create(
        consultation=page,
        author=ana,
        body="Escrito en bloque",
        seq=1,
        created=timezone.now(),
        question=page.ordered_questions[0],
    )
    view(client, page)
    html, queries = view(client, page)
    assert comment_reads(queries) and "Escrito en bloque" in html


def test_forget_kept_renders_them_again(client, page, ana):
    """After a restore the cursor may come back to a value whose kept entry
    shows comments the restore took away: deploy/entrypoint.sh release runs
    `manage.py forget_kept`."""
    post(ana, page)
    view(client, page)
    call_command("forget_kept", stdout=io.StringIO())
    _, queries = view(client, page)
    assert comment_reads(queries)
