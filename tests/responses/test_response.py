"""The planners' response ("what we heard / what we will do"): drafting,
validation, publishing (only once, only after closing), what the public page
shows, the notices and e-mails to the authors of linked comments, and the
admin pages that drive it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from accounts.roles import CITIZEN, MODERATOR, PLANNER
from comments import actions as comment_actions
from consultations.models import ConsultationPage
from consultations.status import Status
from core.errors import Conflict, Invalid
from core.models import OutgoingEmail
from moderation import actions as moderation_actions
from notifications.models import Notice
from responses import actions as responses
from responses.models import MAX_HEADING, MAX_ITEM_TEXT, Response, ResponseItem

SAID = "Muchas personas pidieron más luminarias en los parques."
WILL_DO = "Instalaremos cuarenta luminarias nuevas antes de fin de año."


@pytest.fixture(autouse=True)
def english():
    """Messages in English whatever the .po files say: the actions run, and the
    public pages are read, in English (/en/); staff use the admin in English."""
    with translation.override("en"):
        yield


def in_english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def url_of(page):
    """The page's address on the Spanish site, as the e-mails give it."""
    with translation.override(settings.LANGUAGE_CODE):
        return page.url


def post(user, page, body="Un comentario con sustancia sobre el barrio.", question=None):
    question = question or page.ordered_questions[0].pk
    return comment_actions.do_post_comment(user, page, body=body, question=question)


def close(page, when=None):
    """The consultation closed a minute ago (or at `when`)."""
    closes_at = when or timezone.now() - timedelta(minutes=1)
    ConsultationPage.objects.filter(pk=page.pk).update(closes_at=closes_at)
    page.refresh_from_db()
    return page


def item_fields(**overrides):
    fields = {
        "subject": "",
        "heading": "Alumbrado",
        "what_you_said": SAID,
        "what_we_will_do": WILL_DO,
        "comments": "",
        "themes": [],
    }
    fields.update(overrides)
    return fields


class Scene:
    """An open consultation with two questions, comments by three citizens,
    a planner and a moderator."""

    def __init__(self, make_consultation, make_user):
        self.page = make_consultation(questions=["¿Qué opinas del alumbrado?", "¿Y del tráfico?"])
        self.planner = in_english(make_user(PLANNER, display_name="Pilar Planificadora"))
        self.moderator = make_user(MODERATOR)
        self.ana = make_user(CITIZEN, display_name="Ana", email="ana@example.com")
        self.beto = make_user(CITIZEN, display_name="Beto", email="beto@example.com")
        self.carla = make_user(CITIZEN, display_name="Carla", email="carla@example.com")
        self.a1 = post(self.ana, self.page, "Faltan luces en el parque del centro.")
        self.a2 = post(self.ana, self.page, "Y también en la calle Mayor, de noche.")
        self.b1 = post(self.beto, self.page, "Las farolas viejas gastan demasiado.")
        self.c1 = post(self.carla, self.page, "El tráfico es lo más urgente.")

    @property
    def question(self):
        return self.page.ordered_questions[0]

    def item(self, **overrides):
        return responses.do_save_item(self.planner, self.page, **item_fields(**overrides))

    def publish(self, capture):
        close(self.page)
        with capture(execute=True):
            return responses.do_publish_response(self.planner, self.page)


@pytest.fixture
def scene(make_consultation, make_user, no_rate_limits):
    return Scene(make_consultation, make_user)


def public_html(client, page):
    """The page on the English site, where the msgids show."""
    response = client.get(f"/en{url_of(page)}")
    assert response.status_code == 200
    return response.content.decode()


# Drafting and validation ---------------------------------------------------


def test_a_draft_never_shows_on_the_public_page(scene, client):
    scene.item(comments=f"{scene.a1.pk}")
    close(scene.page)
    html = public_html(client, scene.page)
    assert SAID not in html
    assert 'id="response"' not in html
    assert scene.page.status == Status.CLOSED
    assert Response.objects.get().published_at is None


def test_an_item_keeps_its_comments_in_the_order_given_and_numbers_in_any_form(scene):
    item = scene.item(comments=f"#{scene.b1.pk}; {scene.a1.pk},{scene.a2.pk}  {scene.a1.pk}")
    assert set(item.comments.values_list("pk", flat=True)) == {
        scene.a1.pk,
        scene.a2.pk,
        scene.b1.pk,
    }
    assert item.title == "Alumbrado"


def test_an_item_may_answer_a_question_or_a_theme_and_then_needs_no_heading(scene):
    comment_actions.do_set_tags(scene.planner, scene.a1, ["Iluminación"])
    theme = scene.a1.tags.get()
    by_question = scene.item(subject=f"question-{scene.question.pk}", heading="")
    by_theme = scene.item(subject=f"theme-{theme.pk}", heading="", themes=[str(theme.pk)])
    assert by_question.title == scene.question.text
    assert by_theme.title == "Iluminación"
    assert list(by_theme.themes.all()) == [theme]
    assert list(ResponseItem.objects.values_list("sort_order", flat=True)) == [0, 1]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"what_you_said": "   "}, "what_you_said", "This field is required."),
        ({"what_we_will_do": ""}, "what_we_will_do", "This field is required."),
        ({"what_you_said": "x" * (MAX_ITEM_TEXT + 1)}, "what_you_said", "At most 5000"),
        ({"heading": "h" * (MAX_HEADING + 1)}, "heading", "At most 200"),
        ({"heading": ""}, "heading", "Give a heading"),
        ({"subject": "question-999999"}, "subject", "Choose one of this consultation's"),
        ({"subject": "theme-999999"}, "subject", "Choose a theme"),
        ({"subject": "page-1"}, "subject", "Choose a question, a theme"),
        ({"subject": "question-abc"}, "subject", "Choose a question, a theme"),
        ({"themes": ["abc"]}, "themes", "Choose themes"),
        ({"themes": ["999999"]}, "themes", "Choose themes given"),
        ({"comments": "12, doce, 1.5"}, "comments", "not comment numbers: “doce”, “1.5”"),
        ({"comments": "999999, 999998"}, "comments", "no comments with the numbers 999999, 999998"),
    ],
)
def test_bad_item_input_is_refused_with_a_clear_error(scene, overrides, field, message):
    with pytest.raises(Invalid) as raised:
        scene.item(**overrides)
    assert message in " ".join(raised.value.errors[field])
    assert not ResponseItem.objects.exists()


def test_comments_of_another_consultation_or_not_published_are_named(
    scene, make_consultation, django_capture_on_commit_callbacks
):
    other = make_consultation(questions=["¿Otra?"])
    elsewhere = post(scene.ana, other, "En otra consulta distinta.")
    held_page = scene.page
    deleted = post(scene.beto, held_page, "Lo borraré enseguida, perdón.")
    comment_actions.do_delete_comment(scene.beto, deleted)
    hidden = post(scene.carla, held_page, "Esto lo ocultará la moderación.")
    moderation_actions.do_decide(scene.moderator, hidden, action="hide", reason="spam")
    with pytest.raises(Invalid) as raised:
        scene.item(comments=f"{scene.a1.pk}, {elsewhere.pk}, {deleted.pk}, {hidden.pk}")
    errors = raised.value.errors["comments"]
    assert f"Comment {elsewhere.pk} belongs to another consultation." in errors
    assert f"Comments {deleted.pk}, {hidden.pk} are not published" in " ".join(errors)
    assert str(scene.a1.pk) not in " ".join(errors)


def test_too_many_comments_for_one_item(scene):
    numbers = ", ".join(str(n) for n in range(1, responses.MAX_LINKED_COMMENTS + 2))
    with pytest.raises(Invalid) as raised:
        scene.item(comments=numbers)
    assert "at most 200 comments" in raised.value.errors["comments"][0]


def test_texts_keep_paragraphs_and_drop_nul_and_trailing_spaces(scene):
    item = scene.item(what_you_said="Uno.  \r\n\r\n\r\n\r\nDos.\x00  ")
    assert item.what_you_said == "Uno.\n\nDos."


# Publishing ---------------------------------------------------------------


def test_publishing_before_the_consultation_closes_is_refused(scene):
    scene.item()
    with pytest.raises(Conflict) as raised:
        responses.do_publish_response(scene.planner, scene.page)
    assert "once the consultation closes" in str(raised.value.message)
    scene.page.refresh_from_db()
    assert scene.page.reported_at is None
    assert Response.objects.get().published_at is None


def test_publishing_without_items_is_refused(scene):
    responses.do_save_introduction(scene.planner, scene.page, introduction="Gracias.")
    close(scene.page)
    with pytest.raises(Conflict) as raised:
        responses.do_publish_response(scene.planner, scene.page)
    assert "at least one item" in str(raised.value.message)


def test_publishing_reports_the_consultation_once(scene, django_capture_on_commit_callbacks):
    scene.item(comments=str(scene.a1.pk))
    response, notified = scene.publish(django_capture_on_commit_callbacks)
    scene.page.refresh_from_db()
    assert response.published_at is not None
    assert scene.page.reported_at == response.published_at
    assert scene.page.status == Status.REPORTED
    assert notified == 1
    assert PageLogEntry.objects.filter(
        page=scene.page, action=responses.LOG_PUBLISH, user=scene.planner
    ).exists()
    with pytest.raises(Conflict) as raised:
        responses.do_publish_response(scene.planner, scene.page)
    assert "already published" in str(raised.value.message)
    assert Notice.objects.filter(kind=Notice.Kind.RESPONDED).count() == 1


def test_a_consultation_closing_exactly_now_may_be_reported(scene):
    scene.item()
    close(scene.page, when=timezone.now())
    response, _ = responses.do_publish_response(scene.planner, scene.page)
    assert response.is_published


def test_publishing_an_old_or_new_revision_keeps_reported_at(
    scene, django_capture_on_commit_callbacks
):
    old_revision = scene.page.latest_revision
    scene.item()
    scene.publish(django_capture_on_commit_callbacks)
    scene.page.refresh_from_db()
    reported_at = scene.page.reported_at
    assert reported_at is not None
    # An editor publishes a new revision of the text...
    page = ConsultationPage.objects.get(pk=scene.page.pk)
    page.summary = "Un resumen revisado después del informe."
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.reported_at == reported_at
    assert page.summary == "Un resumen revisado después del informe."
    # ...and then goes back to the revision from before the response.
    old_revision.refresh_from_db()
    old_revision.publish()
    page.refresh_from_db()
    assert page.reported_at == reported_at
    assert page.status == Status.REPORTED
    # The revision as the editor sees it carries today's value too.
    assert old_revision.as_object().reported_at == reported_at


def test_a_copy_of_a_reported_consultation_starts_unreported(
    scene, django_capture_on_commit_callbacks
):
    scene.item()
    scene.publish(django_capture_on_commit_callbacks)
    scene.page.refresh_from_db()
    copy = scene.page.copy(update_attrs={"slug": "copia", "title": "Copia"})
    copy = ConsultationPage.objects.get(pk=copy.pk)
    assert scene.page.reported_at is not None
    assert copy.reported_at is None
    assert copy.status == Status.CLOSED
    assert not Response.objects.filter(consultation=copy).exists()


def test_publishing_in_the_wagtail_editor_after_reporting_keeps_it_reported(
    scene, client, django_capture_on_commit_callbacks, make_user
):
    from accounts.roles import EDITOR

    # A draft of the text saved before the response: the editor opens it.
    draft = ConsultationPage.objects.get(pk=scene.page.pk)
    draft.summary = "Un resumen en borrador."
    draft.save_revision()
    scene.item()
    scene.publish(django_capture_on_commit_callbacks)
    scene.page.refresh_from_db()
    reported_at = scene.page.reported_at
    assert scene.page.has_unpublished_changes
    client.force_login(in_english(make_user(EDITOR)))
    edit_url = reverse("wagtailadmin_pages:edit", args=[scene.page.pk])
    form = client.get(edit_url)
    assert form.status_code == 200
    data = querydict_from_html(form.content.decode(), form_id="page-edit-form")
    data["title"] = "Título revisado"
    data["action-publish"] = "action-publish"
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(edit_url, data)
    assert saved.status_code == 302, getattr(saved, "context", None)
    scene.page.refresh_from_db()
    assert scene.page.title == "Título revisado"
    assert scene.page.summary == "Un resumen en borrador."
    assert scene.page.reported_at == reported_at
    assert scene.page.status == Status.REPORTED


# The public page ------------------------------------------------------------


def test_the_published_response_shows_with_links_to_the_comments(
    scene, client, django_capture_on_commit_callbacks
):
    comment_actions.do_set_tags(scene.planner, scene.a1, ["Iluminación"])
    theme = scene.a1.tags.get()
    responses.do_save_introduction(
        scene.planner, scene.page, introduction="Gracias a quienes participaron.\n\nResumen."
    )
    scene.item(
        subject=f"question-{scene.question.pk}",
        heading="",
        comments=f"{scene.a1.pk}, {scene.b1.pk}",
        themes=[str(theme.pk)],
    )
    scene.publish(django_capture_on_commit_callbacks)
    html = public_html(client, scene.page)
    assert 'id="response"' in html
    assert "What we heard and what we will do" in html
    assert "<p>Gracias a quienes participaron.</p><p>Resumen.</p>" in html
    assert SAID in html and WILL_DO in html
    assert scene.question.text in html
    assert f'href="/en/c/{scene.a1.pk}/"' in html  # the comments' permalinks
    assert f'href="/en/c/{scene.b1.pk}/"' in html
    assert "Faltan luces en el parque del centro." in html
    assert f'href="/en/c/{scene.c1.pk}/"' not in html
    assert '<li class="tag">Iluminación</li>' in html
    assert (
        f'<time datetime="{timezone.localtime(Response.objects.get().published_at):%Y-%m-%d}'
        in html
    )
    # The headings go down one level at a time: h1, h2, h3, h4.
    start = html.index('id="response"')
    assert html.index("<h2", start) < html.index("<h3", start) < html.index("<h4", start)


def test_html_in_a_response_is_shown_as_text(scene, client, django_capture_on_commit_callbacks):
    script = '<script>alert("x")</script><b>negrita</b>'
    responses.do_save_introduction(scene.planner, scene.page, introduction=script)
    scene.item(heading=script, what_you_said=script, what_we_will_do=script)
    scene.publish(django_capture_on_commit_callbacks)
    html = public_html(client, scene.page)
    assert "<script>alert" not in html
    assert "<b>negrita</b>" not in html
    # The introduction, the heading and the two texts, each shown as typed.
    assert html.count("&lt;script&gt;alert(") == 4
    assert html.count("&lt;/script&gt;&lt;b&gt;negrita&lt;/b&gt;") == 4


def test_a_comment_hidden_after_publication_drops_out_of_the_links(
    scene, client, django_capture_on_commit_callbacks
):
    scene.item(comments=f"{scene.a1.pk}, {scene.b1.pk}")
    scene.publish(django_capture_on_commit_callbacks)
    moderation_actions.do_decide(scene.moderator, scene.b1, action="hide", reason="abusive")
    comment_actions.do_delete_comment(scene.ana, scene.a1)
    html = public_html(client, scene.page)
    assert f'href="/en/c/{scene.b1.pk}/"' not in html
    assert f'href="/en/c/{scene.a1.pk}/"' not in html
    assert "Las farolas viejas gastan demasiado." not in html
    assert SAID in html


def test_editing_a_published_response_keeps_it_published(
    scene, client, django_capture_on_commit_callbacks
):
    item = scene.item(comments=str(scene.a1.pk))
    response, _ = scene.publish(django_capture_on_commit_callbacks)
    published_at = response.published_at
    with django_capture_on_commit_callbacks(execute=True):
        responses.do_save_item(
            scene.planner,
            scene.page,
            item,
            **item_fields(what_we_will_do="Un plan nuevo y mejor.", comments=f"{scene.a1.pk}"),
        )
    response.refresh_from_db()
    assert response.published_at == published_at
    assert response.updated > published_at
    html = public_html(client, scene.page)
    assert "Un plan nuevo y mejor." in html
    assert 'class="response__updated"' in html and "Last updated on" in html
    assert PageLogEntry.objects.filter(page=scene.page, action=responses.LOG_EDIT).count() == 1


# Telling the authors -------------------------------------------------------


def test_each_author_of_a_linked_published_comment_is_told_once(
    scene, client, django_capture_on_commit_callbacks
):
    deleted = post(scene.carla, scene.page, "Me arrepiento de esto.")
    scene.item(comments=f"{scene.a1.pk}, {scene.a2.pk}, {deleted.pk}")
    scene.item(heading="Farolas", comments=f"{scene.a2.pk}, {scene.b1.pk}")
    comment_actions.do_delete_comment(scene.carla, deleted)
    mail.outbox.clear()
    _response, notified = scene.publish(django_capture_on_commit_callbacks)
    assert notified == 2
    notices = Notice.objects.filter(kind=Notice.Kind.RESPONDED)
    assert sorted(notices.values_list("user__display_name", flat=True)) == ["Ana", "Beto"]
    assert notices.get(user=scene.ana).comment_id == scene.a1.pk
    rows = OutgoingEmail.objects.filter(about="notice response")
    answered = [m for m in mail.outbox if m.subject in {row.subject for row in rows}]
    assert sorted(m.to[0] for m in answered) == ["ana@example.com", "beto@example.com"]
    # Carla follows the consultation (she commented): she hears of the
    # response, but not that it answers her (deleted) comment.
    assert [m.to[0] for m in mail.outbox if m not in answered] == ["carla@example.com"]
    assert Notice.objects.get(user=scene.carla).kind == Notice.Kind.REPORTED
    message = answered[0]
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    assert scene.page.title in message.subject
    assert f"{url_of(scene.page)}#response" in message.body
    # The notice on the site links to the response.
    client.force_login(scene.ana)
    notices_page = client.get(reverse("notifications")).content.decode()
    assert f'{url_of(scene.page)}#response"' in notices_page
    assert scene.page.title in notices_page


def test_newly_linked_authors_are_told_when_a_published_response_changes(
    scene, django_capture_on_commit_callbacks
):
    item = scene.item(comments=str(scene.a1.pk))
    scene.publish(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        responses.do_save_item(
            scene.planner,
            scene.page,
            item,
            **item_fields(comments=f"{scene.a1.pk}, {scene.a2.pk}, {scene.b1.pk}"),
        )
    assert [m.to for m in mail.outbox] == [["beto@example.com"]]
    assert Notice.objects.filter(kind=Notice.Kind.RESPONDED, user=scene.ana).count() == 1


def test_a_draft_tells_nobody(scene, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scene.item(comments=f"{scene.a1.pk}, {scene.b1.pk}")
    assert mail.outbox == []
    assert not Notice.objects.filter(kind=Notice.Kind.RESPONDED).exists()


def _publish_queries(make_consultation, make_user, people):
    page = make_consultation(questions=["¿Qué opinas?"])
    planner = make_user(PLANNER)
    comments = [
        post(make_user(CITIZEN), page, f"Comentario número {n} con sustancia.")
        for n in range(people)
    ]
    responses.do_save_item(
        planner, page, **item_fields(comments=", ".join(str(c.pk) for c in comments))
    )
    close(page)
    mail.outbox.clear()
    # The e-mail is sent on commit: counted too.
    with (
        CaptureQueriesContext(connection) as queries,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        responses.do_publish_response(planner, page)
    assert len(mail.outbox) == people
    return len(queries)


def test_publishing_costs_the_same_queries_for_2_or_30_people(
    make_consultation, make_user, no_rate_limits
):
    few = _publish_queries(make_consultation, make_user, 2)
    many = _publish_queries(make_consultation, make_user, 30)
    assert few == many
    # The linked authors' notices, their e-mail through the outbox, and the
    # consultation's followers (the same people here: skipped, not told twice).
    assert many <= 24


def test_a_failing_mail_server_does_not_undo_the_publication(
    scene, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    scene.item(comments=str(scene.a1.pk))
    response, notified = scene.publish(django_capture_on_commit_callbacks)
    response.refresh_from_db()
    assert response.is_published and notified == 1
    assert Notice.objects.filter(kind=Notice.Kind.RESPONDED, user=scene.ana).exists()


# Query counts on the public page -------------------------------------------


def _grow(scene, n):
    """n more items, each linking two comments and a theme, and n more
    commitments with two updates each; published."""
    from responses.models import CommitmentStatus

    planner = scene.planner
    comment_actions.do_set_tags(planner, scene.a1, ["Iluminación"])
    theme = scene.a1.tags.get()
    for i in range(n):
        item = scene.item(
            heading=f"Punto {i}",
            comments=f"{scene.a1.pk}, {scene.b1.pk}",
            themes=[str(theme.pk)],
        )
        commitment = responses.do_save_commitment(
            planner, scene.page, title=f"Compromiso {i}", description="Hacerlo.", items=[item.pk]
        )
        for status, progress in ((CommitmentStatus.IN_PROGRESS, 40), (CommitmentStatus.DONE, 100)):
            responses.do_add_update(
                planner,
                commitment,
                date=timezone.localdate(),
                text="Avance.",
                status=status,
                progress=progress,
            )


def test_the_public_page_reads_a_constant_number_of_queries(
    scene, client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    _grow(scene, 2)
    scene.publish(django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as small:
        html = public_html(client, scene.page)
    assert html.count('class="response-item"') == 2
    _grow(scene, 12)
    with django_assert_max_num_queries(len(small)):
        html = public_html(client, scene.page)
    assert html.count('class="response-item"') == 14
    assert html.count('class="timeline__entry"') == 28


def test_the_response_reads_seven_queries(scene, django_capture_on_commit_callbacks):
    _grow(scene, 5)
    scene.publish(django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as queries:
        response = responses.published_response(scene.page)
        for item in response.items.all():
            _ = (item.title, list(item.comments.all()), list(item.themes.all()))
        for commitment in response.commitments.all():
            _ = [i.title for i in commitment.items.all()] + list(commitment.updates.all())
    assert len(queries) == 7


# The admin pages ----------------------------------------------------------------


def test_a_planner_drafts_and_publishes_through_the_admin(
    scene, client, django_capture_on_commit_callbacks
):
    client.force_login(scene.planner)
    index = client.get(reverse("responses_admin:index"))
    assert index.status_code == 200
    assert scene.page.title in index.content.decode()
    overview = reverse("responses_admin:response", args=[scene.page.pk])
    assert client.get(overview).status_code == 200
    intro = client.post(overview, {"introduction": "Gracias por participar."})
    assert intro.status_code == 302
    add = reverse("responses_admin:add_item", args=[scene.page.pk])
    assert client.get(add).status_code == 200
    saved = client.post(
        add,
        {
            "subject": f"question-{scene.question.pk}",
            "heading": "",
            "what_you_said": SAID,
            "what_we_will_do": WILL_DO,
            "comments": f"{scene.a1.pk}, {scene.b1.pk}",
        },
    )
    assert saved.status_code == 302, saved.content.decode()
    item = ResponseItem.objects.get()
    assert item.question == scene.question
    edit = client.get(reverse("responses_admin:edit_item", args=[scene.page.pk, item.pk]))
    assert f'value="{scene.a1.pk}, {scene.b1.pk}"' in edit.content.decode()
    # Too early: the button is not offered and the action refuses.
    page_html = client.get(overview).content.decode()
    assert 'id="publish-refusal"' in page_html
    publish = reverse("responses_admin:publish", args=[scene.page.pk])
    client.post(publish)
    assert not Response.objects.get().is_published
    close(scene.page)
    assert 'action="' + publish + '"' in client.get(overview).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(publish, follow=True)
    assert "2 people whose comments it links were told" in done.content.decode()
    assert Response.objects.get().is_published
    twice = client.post(publish, follow=True)
    assert "already published" in twice.content.decode()


def test_the_admin_item_form_names_the_bad_numbers(scene, client):
    hidden = post(scene.carla, scene.page, "Esto lo ocultará la moderación.")
    moderation_actions.do_decide(scene.moderator, hidden, action="hide", reason="spam")
    client.force_login(scene.planner)
    add = reverse("responses_admin:add_item", args=[scene.page.pk])
    response = client.post(
        add,
        {
            "heading": "",
            "what_you_said": "",
            "what_we_will_do": WILL_DO,
            "comments": f"{scene.a1.pk}, 99999999, {hidden.pk}, tres",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "These are not comment numbers: “tres”" in html
    assert "There is no comment number 99999999." in html
    assert f"Comment {hidden.pk} is not published" in html
    assert "Give a heading" in html
    assert "This field is required." in html
    assert not ResponseItem.objects.exists()


def test_admin_items_move_and_delete(scene, client):
    first, second = scene.item(heading="Primero"), scene.item(heading="Segundo")
    client.force_login(scene.planner)
    move = reverse("responses_admin:move_item", args=[scene.page.pk, second.pk])
    assert client.post(move, {"to": "up"}).status_code == 302
    assert list(ResponseItem.objects.values_list("heading", flat=True)) == ["Segundo", "Primero"]
    delete = reverse("responses_admin:delete_item", args=[scene.page.pk, first.pk])
    assert client.post(delete).status_code == 302
    assert list(ResponseItem.objects.values_list("heading", flat=True)) == ["Segundo"]
    assert client.get(delete).status_code == 405


def test_an_item_of_another_consultation_is_not_found(scene, client, make_consultation):
    item = scene.item()
    other = make_consultation()
    client.force_login(scene.planner)
    url = reverse("responses_admin:edit_item", args=[other.pk, item.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("responses_admin:delete_item", args=[other.pk, item.pk])).status_code
        == 404
    )
    assert client.get(reverse("responses_admin:response", args=[999999])).status_code == 404
    assert ResponseItem.objects.filter(pk=item.pk).exists()


def test_a_post_without_csrf_token_is_refused(scene):
    scene.item()
    close(scene.page)
    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.planner)
    response = client.post(reverse("responses_admin:publish", args=[scene.page.pk]))
    assert response.status_code == 403
    add = client.post(
        reverse("responses_admin:add_item", args=[scene.page.pk]),
        {"heading": "Sin token", "what_you_said": SAID, "what_we_will_do": WILL_DO},
    )
    assert add.status_code == 403
    assert not Response.objects.get().is_published
    assert ResponseItem.objects.count() == 1


def test_the_item_form_finds_comments_to_link_without_losing_the_draft(scene, client):
    hidden = post(scene.carla, scene.page, "Farolas: esto lo ocultará la moderación.")
    moderation_actions.do_decide(scene.moderator, hidden, action="hide", reason="spam")
    client.force_login(scene.planner)
    add = reverse("responses_admin:add_item", args=[scene.page.pk])
    found = client.post(
        add,
        {
            "heading": "Borrador sin guardar",
            "what_you_said": SAID,
            "comments": f"{scene.a1.pk}",
            "q": "farolas",
            "find": "1",
        },
    )
    assert found.status_code == 200
    html = found.content.decode()
    assert f"<strong>{scene.b1.pk}</strong> — Beto: Las farolas viejas" in html
    assert f"<strong>{hidden.pk}</strong>" not in html
    # What the planner typed stays; the numbers given are shown with their text.
    assert 'value="Borrador sin guardar"' in html and SAID in html
    assert f"<strong>{scene.a1.pk}</strong> — Ana: Faltan luces" in html
    assert not ResponseItem.objects.exists()
    by_number = client.post(add, {"q": f"#{scene.c1.pk}", "find": "1"}).content.decode()
    assert f"<strong>{scene.c1.pk}</strong> — Carla" in by_number
    nothing = client.post(add, {"q": "zzzz", "find": "1"}).content.decode()
    assert "No published comment of this consultation matches." in nothing
