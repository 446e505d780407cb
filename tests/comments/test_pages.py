"""The discussion on the consultation page, and its forms without JavaScript
(in Spanish, the default language)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments import actions
from comments.models import Comment, CommentRevision, Reaction
from comments.threads import MAX_DISPLAY_DEPTH, THREADS_PER_PAGE


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(sections=[("Objeto", "Qué regula.")], questions=["¿Qué cambiarías?"])


@pytest.fixture
def ana(make_user):
    return make_user("citizen", display_name="Ana")


@pytest.fixture
def beto(make_user):
    return make_user("citizen", display_name="Beto")


def question_of(page):
    return page.ordered_questions[0]


def post(user, page, **kwargs):
    kwargs.setdefault("question", question_of(page).pk)
    return actions.do_post_comment(user, page, body=kwargs.pop("body", "Un comentario"), **kwargs)


def html_of(client, consultation, **params):
    response = client.get(consultation.url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_threads_show_under_their_question_and_section(client, page, ana, beto):
    on_question = post(ana, page, body="Sobre la pregunta")
    on_section = post(
        beto, page, body="Sobre el objeto", question=None, section=page.ordered_sections[0].pk
    )
    html = html_of(client, page)
    question_block = html[html.index(f'id="question-{question_of(page).pk}"') :]
    assert html.index(f'id="comment-{on_section.pk}"') < html.index('id="questions"')
    assert f'id="comment-{on_question.pk}"' in question_block
    assert "Sobre la pregunta" in html and "Ana" in html
    assert ana.email not in html


def test_replies_nest_to_the_display_cap_then_go_flat(client, page, ana, beto):
    chain = [post(ana, page, body="Nivel 1")]
    for depth in range(2, MAX_DISPLAY_DEPTH + 3):
        author = beto if depth % 2 == 0 else ana
        chain.append(post(author, page, body=f"Nivel {depth}", question=None, parent=chain[-1].pk))
    html = html_of(client, page)
    levels = dict(re.findall(r'data-comment-id="(\d+)" data-level="(\d+)"', html))
    assert [int(levels[str(c.pk)]) for c in chain] == [1, 2, 3, 4, 4]
    assert html.count("en respuesta a") == 2


def test_section_change_is_marked_on_older_comments(client, page, ana):
    section = page.ordered_sections[0]
    comment = post(ana, page, question=None, section=section.pk)
    Comment.objects.filter(pk=comment.pk).update(created=timezone.now() - timedelta(days=2))
    section.version.changed_at = timezone.now() - timedelta(days=3)
    section.version.save()
    assert "Este apartado cambió" not in html_of(client, page)
    section.version.changed_at = timezone.now() - timedelta(days=1)
    section.version.save()
    assert "Este apartado cambió después de escribirse el comentario." in html_of(client, page)


def test_deleted_comment_leaves_a_tombstone_and_its_replies(client, page, ana, beto):
    first = post(ana, page, body="Texto que se borrará")
    reply = post(beto, page, body="Respuesta que queda", question=None, parent=first.pk)
    actions.do_delete_comment(ana, first)
    html = html_of(client, page)
    assert "Texto que se borrará" not in html
    assert "Borrado por su autor" in html and "Respuesta que queda" in html
    assert f'id="comment-{reply.pk}"' in html


def test_sorting_and_pagination(client, page, ana, beto, settings):
    comments = []
    for n in range(THREADS_PER_PAGE + 2):
        comments.append(post(ana if n % 2 else beto, page, body=f"Comentario {n:02d}"))
    actions.do_react(beto, comments[5], "agree")  # comments[5] is Ana's
    key = f"question-{question_of(page).pk}"

    def ids(html):
        return [int(i) for i in re.findall(r'data-comment-id="(\d+)" data-level="1"', html)]

    assert ids(html_of(client, page))[:2] == [comments[0].pk, comments[1].pk]
    assert ids(html_of(client, page, sort="newest"))[0] == comments[-1].pk
    assert ids(html_of(client, page, sort="agreed"))[0] == comments[5].pk
    assert len(ids(html_of(client, page))) == THREADS_PER_PAGE
    assert f"?thread={key}" in html_of(client, page)
    second = ids(html_of(client, page, thread=key, page=2))
    assert second == [comments[-2].pk, comments[-1].pk]
    # Unknown values fall back to the defaults instead of failing.
    assert ids(html_of(client, page, sort="<x>", thread="question-999", page="zz"))[:1] == [
        comments[0].pk
    ]


@pytest.mark.parametrize("count", [10, 1000])
def test_page_query_count_is_constant(
    client, page, ana, beto, count, django_assert_max_num_queries
):
    now = timezone.now()
    question = question_of(page)
    roots = Comment.objects.bulk_create(
        Comment(
            consultation=page,
            question=question,
            author=ana if n % 2 else beto,
            body=f"Comentario {n}",
            created=now - timedelta(minutes=count - n),
            seq=n + 1,
        )
        for n in range(count)
    )
    Comment.objects.filter(pk__in=[r.pk for r in roots]).update(root_id=models_f("pk"))
    replies = Comment.objects.bulk_create(
        Comment(
            consultation=page,
            question=question,
            parent=root,
            root=root,
            depth=1,
            author=beto,
            body="Respuesta",
            created=now,
            seq=count + n + 1,
        )
        for n, root in enumerate(roots[:THREADS_PER_PAGE])
    )
    client.force_login(ana)
    # 25, one for the open-data links (the page's view restrictions), one
    # whether the person has new terms to accept, one for the footer's legal
    # pages (the settings row with its pages), one for what the person
    # follows on the page (the follow buttons), one for the site's identity
    # (core/identity.py: the SiteIdentity row with its logo, once per
    # request; the canonical and hreflang links reuse the request's site),
    # and one more when this is the process's first page (cold site and
    # content-type caches).
    with django_assert_max_num_queries(31):
        html = html_of(client, page)
    assert html.count('data-level="1"') == min(count, THREADS_PER_PAGE)
    assert html.count('data-level="2"') == len(replies)


def models_f(name):
    from django.db.models import F

    return F(name)


def test_closed_consultation_shows_comments_but_no_forms(client, make_consultation, ana, beto):
    page = make_consultation(questions=["¿Qué opinas?"])
    post(ana, page, body="Dicho mientras estaba abierta")
    type(page).objects.filter(pk=page.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    page.refresh_from_db()
    client.force_login(beto)
    html = html_of(client, page)
    assert "Dicho mientras estaba abierta" in html
    assert "Esta consulta está cerrada" in html
    assert 'class="comment-form"' not in html


def test_anonymous_sees_sign_in_and_sign_up_links_not_a_form(client, page):
    html = html_of(client, page)
    assert ">Inicia sesión</a> o <a" in html
    assert ">crea una cuenta</a> para comentar." in html
    # Both come back to the discussion they left.
    assert html.count(f"?next={page.url}%23discussion-") >= 2
    assert 'name="body"' not in html


# The forms without JavaScript ------------------------------------------------


def test_form_post_publishes_and_returns_to_the_comment(client, page, ana):
    client.force_login(ana)
    response = client.post(
        f"/comentarios/consultas/{page.pk}/comentar/",
        {"body": "Desde el formulario", "question": question_of(page).pk},
    )
    comment = Comment.objects.get(body="Desde el formulario")
    assert response.status_code == 302
    assert response["Location"] == f"{page.url}#comment-{comment.pk}"
    assert "Tu comentario se publicó." in client.get(page.url).content.decode()


def test_refused_post_keeps_the_text_and_says_why(client, page, ana):
    client.force_login(ana)
    key = f"question-{question_of(page).pk}"
    response = client.post(
        f"/comentarios/consultas/{page.pk}/comentar/",
        {"body": "x", "question": question_of(page).pk},
    )
    assert response["Location"] == f"{page.url}#form-{key}"
    html = client.get(page.url).content.decode()
    assert "Escribe al menos 2 caracteres." in html
    assert re.search(rf'id="body-{key}"[^>]*aria-invalid="true"[^>]*>x</textarea>', html)
    assert not Comment.objects.exists()
    # The draft is shown once.
    assert "Escribe al menos 2 caracteres." not in client.get(page.url).content.decode()


def test_form_post_rate_limited_says_when_to_retry(client, page, ana, settings):
    settings.PUENTE_COMMENT_RATE_LIMITS = {
        "interval": 60,
        "new_account_interval": 60,
        "new_account_days": 0,
    }
    client.force_login(ana)
    url = f"/comentarios/consultas/{page.pk}/comentar/"
    client.post(url, {"body": "Primero", "question": question_of(page).pk})
    client.post(url, {"body": "Segundo enseguida", "question": question_of(page).pk})
    html = client.get(page.url).content.decode()
    assert "Estás publicando demasiado rápido" in html
    assert "Segundo enseguida" in html  # kept in the form
    assert Comment.objects.count() == 1


def test_anonymous_form_post_goes_to_sign_in(client, page):
    response = client.post(
        f"/comentarios/consultas/{page.pk}/comentar/",
        {"body": "Hola", "question": question_of(page).pk},
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_form_posts_need_csrf(page, ana):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    response = client.post(
        f"/comentarios/consultas/{page.pk}/comentar/",
        {"body": "Hola", "question": question_of(page).pk},
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_form_edit_delete_and_react(client, page, ana, beto):
    comment = post(ana, page, body="Primera versión")
    client.force_login(beto)
    client.post(f"/comentarios/{comment.pk}/reaccionar/", {"stance": "agree"})
    assert Reaction.objects.get(comment=comment, user=beto).stance == "agree"
    assert 'aria-pressed="true"' in client.get(page.url).content.decode()
    # Someone else's comment: refused, nothing changes.
    client.post(f"/comentarios/{comment.pk}/editar/", {"body": "Cambiado por otro"})
    client.post(f"/comentarios/{comment.pk}/borrar/")
    comment.refresh_from_db()
    assert comment.body == "Primera versión" and comment.status == "published"

    client.force_login(ana)
    client.post(f"/comentarios/{comment.pk}/editar/", {"body": "Segunda versión"})
    comment.refresh_from_db()
    assert comment.body == "Segunda versión" and comment.edited
    assert CommentRevision.objects.get(comment=comment).body == "Primera versión"
    client.post(f"/comentarios/{comment.pk}/borrar/")
    comment.refresh_from_db()
    assert comment.status == "deleted" and comment.body == ""


def test_forms_on_unknown_or_unpublished_targets_are_404(client, make_consultation, ana):
    draft = make_consultation(publish=False, questions=["¿?"])
    client.force_login(ana)
    assert (
        client.post(f"/comentarios/consultas/{draft.pk}/comentar/", {"body": "Hola"}).status_code
        == 404
    )
    assert client.post("/comentarios/999999/editar/", {"body": "Hola"}).status_code == 404
    assert client.get(f"/comentarios/consultas/{draft.pk}/comentar/").status_code == 405


def test_reply_forms_open_one_at_a_time(client, page, ana, beto):
    first = post(ana, page, body="Primero")
    second = post(beto, page, body="Segundo")
    client.force_login(beto)
    html = html_of(client, page)
    assert f'href="?reply={first.pk}&amp;sort=oldest#comment-{first.pk}"' in html
    assert f'id="form-reply-{first.pk}"' not in html
    html = html_of(client, page, reply=first.pk)
    assert f'id="form-reply-{first.pk}"' in html
    assert f'id="form-reply-{second.pk}"' not in html
    assert f'name="parent" value="{first.pk}"' in html


def test_refused_reply_and_edit_keep_their_text(client, page, ana, beto):
    first = post(ana, page, body="Primero")
    client.force_login(beto)
    response = client.post(
        f"/comentarios/consultas/{page.pk}/comentar/", {"body": "y", "parent": first.pk}
    )
    assert response["Location"] == f"{page.url}?reply={first.pk}#form-reply-{first.pk}"
    html = client.get(response["Location"].split("#")[0]).content.decode()
    assert re.search(rf'id="body-reply-{first.pk}"[^>]*aria-invalid="true"[^>]*>y</textarea>', html)

    client.force_login(ana)
    client.post(f"/comentarios/{first.pk}/editar/", {"body": "z"})
    html = html_of(client, page)
    assert re.search(rf'id="edit-{first.pk}"[^>]*aria-invalid="true"[^>]*>z</textarea>', html)
    first.refresh_from_db()
    assert first.body == "Primero"
