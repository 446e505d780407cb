"""¿Qué pasó con mi comentario? (/cuenta/mis-comentarios/): each of a
person's comments and replies with its folio and its fate as they were told
it, the replies, reactions and themes it received, and the published
response and commitments that answer it; never another person's comments,
never a removed comment's text; a constant number of queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import CITIZEN, MODERATOR, PLANNER
from comments import actions as comments
from comments.models import Comment, CommentStatus, Stance
from consultations.models import ConsultationPage
from moderation import actions as moderation
from moderation.models import FlagReason, ModerationSettings
from responses import actions as responses
from responses.models import CommitmentStatus

PAGE = "/en/cuenta/mis-comentarios/"
SAID = "Pedían más luz en los parques."
WILL_DO = "Instalaremos cuarenta luminarias nuevas."


def post(user, page, body, **kwargs):
    if "parent" not in kwargs:
        kwargs.setdefault("question", page.ordered_questions[0].pk)
    return comments.do_post_comment(user, page, body=body, **kwargs)


def close(page):
    ConsultationPage.objects.filter(pk=page.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    page.refresh_from_db()


def html_of(client, user, path=PAGE):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def url_of(page):
    """The page's address on the English site, where the tests read."""
    with translation.override("en"):
        return page.get_url()


def listed(html):
    return [int(n) for n in re.findall(r'id="contribution-(\d+)"', html)]


def entry(html, comment):
    """The list item of one contribution."""
    match = re.search(
        rf'<li class="notice-item contribution" id="contribution-{comment.pk}".*?</article>',
        html,
        re.S,
    )
    assert match, f"comment {comment.pk} is not listed"
    return match.group(0)


def text(fragment):
    """The words of an HTML fragment, tags and runs of spaces gone."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


class World:
    """Ana's comments in every fate, in one consultation; Beto replies and
    reacts; a moderator decides; a planner answers."""

    def __init__(self, make_consultation, make_user):
        self.page = make_consultation(title="Parques y alumbrado", questions=["¿Qué opinas?"])
        self.ana = make_user(CITIZEN, display_name="Ana")
        self.beto = make_user(CITIZEN, display_name="Beto")
        self.carla = make_user(CITIZEN, display_name="Carla")
        self.moderator = make_user(MODERATOR)
        self.planner = make_user(PLANNER)
        self.published = post(self.ana, self.page, "Faltan luminarias en el parque central.")
        self.reply = post(self.ana, self.page, "Ana responde a Beto.", parent=self.published.pk)
        self.hidden = post(self.ana, self.page, "Un texto que la moderación ocultó.")
        self.removed = post(self.ana, self.page, "Un texto que la moderación retiró.")
        self.deleted = post(self.ana, self.page, "Un texto que Ana borró después.")
        self.flagged = post(self.ana, self.page, "Un texto que varias personas reportaron.")
        self.beto_comment = post(self.beto, self.page, "El comentario propio de Beto.")
        # Replies to the published comment: two published, one hidden.
        self.replies = [
            post(self.beto, self.page, f"Respuesta {n} de Beto.", parent=self.published.pk)
            for n in range(3)
        ]
        moderation.do_decide(self.moderator, self.replies[2], action="hide", reason=FlagReason.SPAM)
        comments.do_react(self.beto, self.published, Stance.AGREE)
        comments.do_react(self.carla, self.published, Stance.PASS)
        comments.do_set_tags(self.moderator, self.published, ["Movilidad", "alumbrado"])
        moderation.do_decide(
            self.moderator,
            self.hidden,
            action="hide",
            reason=FlagReason.OFF_TOPIC,
            note="No trata de los parques.",
        )
        moderation.do_decide(
            self.moderator,
            self.removed,
            action="remove",
            reason=FlagReason.PERSONAL_DATA,
            note="Incluía un teléfono.",
        )
        comments.do_delete_comment(self.ana, self.deleted)
        ConsultationPage.objects.filter(pk=self.page.pk).update(auto_hide_flags=1)
        moderation.do_flag(self.beto, self.flagged, reason=FlagReason.ABUSIVE)
        settings = ModerationSettings.for_site(self.page.get_site())
        settings.premoderation = True
        settings.save()
        self.held = post(self.ana, self.page, "Un texto que espera revisión.")
        settings.premoderation = False
        settings.save()
        for name in ("published", "reply", "hidden", "removed", "deleted", "flagged", "held"):
            setattr(self, name, Comment.objects.get(pk=getattr(self, name).pk))

    def respond(self, *, publish=True):
        """An item linking the published comment, a commitment from it with
        two dated updates; published after the consultation closes."""
        item = responses.do_save_item(
            self.planner,
            self.page,
            subject="",
            heading="Alumbrado de parques",
            what_you_said=SAID,
            what_we_will_do=WILL_DO,
            comments=str(self.published.pk),
            themes=[],
        )
        commitment = responses.do_save_commitment(
            self.planner, self.page, title="Cuarenta luminarias", items=[item.pk]
        )
        today = timezone.localdate()
        responses.do_add_update(
            self.planner,
            commitment,
            date=today,
            text="Ya hay veinte instaladas.",
            status=CommitmentStatus.IN_PROGRESS,
            progress=50,
        )
        responses.do_add_update(
            self.planner,
            commitment,
            date=today - timedelta(days=1),
            text="Empezó la obra.",
            status=CommitmentStatus.IN_PROGRESS,
            progress=10,
        )
        if publish:
            close(self.page)
            responses.do_publish_response(self.planner, self.page)
        return item, commitment


@pytest.fixture
def world(make_consultation, make_user, no_rate_limits):
    return World(make_consultation, make_user)


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


def test_it_is_linked_from_my_data(client, world):
    html = html_of(client, world.ana, "/en/cuenta/mis-datos/")
    assert f'href="{reverse("my-contributions")}"' in html


def test_every_contribution_is_listed_newest_first_with_its_folio(client, world):
    html = html_of(client, world.ana)
    mine = [
        world.held,
        world.flagged,
        world.deleted,
        world.removed,
        world.hidden,
        world.reply,
        world.published,
    ]
    assert listed(html) == [comment.pk for comment in mine]
    for comment in mine:
        assert re.fullmatch(r"PUE-\d{4}-\d{6,}", comment.folio)
        assert comment.folio in entry(html, comment)
    assert "You have posted 7 comments and replies." in text(html)


def test_a_published_comment_with_replies_reactions_themes_and_a_link(client, world):
    found = text(entry(html_of(client, world.ana), world.published))
    assert "Faltan luminarias en el parque central." in found
    assert "Status Published" in found
    # Two published replies by Beto and one by Ana herself; the hidden one does not count.
    assert "3 published replies" in found
    assert "1 agree, 0 disagree, 1 pass" in found
    assert "alumbrado Movilidad" in found
    assert f"Comment {world.published.folio} on “Parques y alumbrado”" in found
    html = entry(html_of(client, world.ana), world.published)
    assert f'href="/en/c/{world.published.pk}/"' in html  # its permalink
    assert "No published response answers it yet." in found


def test_a_reply_says_so(client, world):
    found = text(entry(html_of(client, world.ana), world.reply))
    assert f"Reply {world.reply.folio} in “Parques y alumbrado”" in found
    assert "(a reply)" in found and "Ana responde a Beto." in found


def test_a_hidden_comment_shows_its_text_the_reason_the_note_and_the_appeal(client, world):
    html = entry(html_of(client, world.ana), world.hidden)
    found = text(html)
    assert "Un texto que la moderación ocultó." in found
    assert "Status Hidden by moderation" in found
    assert "The reason you were told Off topic" in found
    assert "The moderator's note No trata de los parques." in found
    assert f'href="{reverse("notifications")}#appeal-{world.hidden.pk}"' in html
    # Not in its thread for anyone to read: no link to it.
    assert f"/c/{world.hidden.pk}/" not in html


def test_an_appealed_comment_says_the_appeal_was_sent(client, world):
    moderation.do_appeal(world.ana, world.hidden, note="Sí trata de los parques.")
    found = text(entry(html_of(client, world.ana), world.hidden))
    assert "Your appeal Appeal sent on" in found
    assert "A moderator will review it." in found
    assert "Appeal this decision" not in found


def test_a_removed_comment_never_shows_its_text(client, world):
    html = html_of(client, world.ana)
    assert "Un texto que la moderación retiró." not in html
    found = text(entry(html, world.removed))
    assert "Status Removed by moderation" in found
    assert "The reason you were told Personal data" in found
    assert "The moderator's note Incluía un teléfono." in found
    assert "Its text is no longer shown to anyone, you included" in found
    assert "Appeal this decision on your notifications page" in found


def test_a_deleted_comment_says_you_deleted_it(client, world):
    found = text(entry(html_of(client, world.ana), world.deleted))
    assert "Status Deleted by you" in found
    assert "You deleted it: its text is gone." in found
    assert "Un texto que Ana borró después." not in found
    assert "Appeal this decision" not in found


def test_a_comment_hidden_after_flags_says_why(client, world):
    found = text(entry(html_of(client, world.ana), world.flagged))
    assert world.flagged.status == CommentStatus.HIDDEN
    assert "Several people flagged it, so it is hidden until a moderator reviews it." in found
    assert "The reason you were told Abusive or offensive" in found
    assert "Un texto que varias personas reportaron." in found


def test_a_held_comment_is_awaiting_review_with_its_reason(client, world):
    html = entry(html_of(client, world.ana), world.held)
    found = text(html)
    assert world.held.status == CommentStatus.HELD
    assert "Status Awaiting review" in found
    assert "The reason you were told Pre-moderation" in found
    assert "Un texto que espera revisión." in found
    # Its author sees it in its thread.
    assert f"/c/{world.held.pk}/" in html
    assert "Appeal this decision" not in found


def test_an_approved_comment_says_a_moderator_published_it(client, world):
    moderation.do_decide(world.moderator, world.held, action="approve")
    found = text(entry(html_of(client, world.ana), world.held))
    assert "Status Published. A moderator reviewed it and published it." in found
    assert "The reason you were told" not in found


def test_a_restored_comment_no_longer_shows_the_old_reason(client, world):
    moderation.do_decide(world.moderator, world.hidden, action="restore")
    found = text(entry(html_of(client, world.ana), world.hidden))
    assert "Status Published. A moderator restored it after a review." in found
    assert "Off topic" not in found and "No trata de los parques." not in found


def test_another_persons_comments_are_never_listed(client, world):
    html = html_of(client, world.beto)
    assert set(listed(html)) == {world.beto_comment.pk, *(reply.pk for reply in world.replies)}
    for comment in (world.published, world.hidden, world.removed, world.held, world.flagged):
        assert comment.folio not in html
        assert comment.body not in html
    assert "Un texto que la moderación ocultó." not in html
    # Beto's own hidden reply is listed for him, with its text.
    assert "Respuesta 2 de Beto." in text(entry(html, world.replies[2]))


def test_a_draft_response_is_not_shown(client, world):
    world.respond(publish=False)
    html = html_of(client, world.ana)
    assert "Alumbrado de parques" not in html and WILL_DO not in html
    assert "Cuarenta luminarias" not in html
    assert "No published response answers it yet." in text(entry(html, world.published))


def test_the_published_response_and_its_commitments_with_their_latest_update(client, world):
    item, commitment = world.respond()
    html = entry(html_of(client, world.ana), world.published)
    found = text(html)
    assert "1 point of the published response answers it." in found
    assert "Alumbrado de parques" in found and WILL_DO in found
    assert f'href="{url_of(world.page)}#response-item-{item.pk}"' in html
    assert "Cuarenta luminarias" in found
    assert "Status In progress" in found and "Progress 50 %" in found
    # The latest dated update, not the one written last.
    assert "Ya hay veinte instaladas." in found
    assert "Empezó la obra." not in found
    assert timezone.localdate().isoformat() in html
    # Only the comment it links.
    for other in (world.reply, world.hidden):
        assert "Alumbrado de parques" not in entry(html_of(client, world.ana), other)


def test_a_commitment_without_updates_says_so(client, world):
    item, _ = world.respond()
    responses.do_save_commitment(
        world.planner, world.page, title="Un plan de mantenimiento", items=[item.pk]
    )
    found = text(entry(html_of(client, world.ana), world.published))
    assert "Un plan de mantenimiento Status Planned Progress 0 %" in found
    assert "Latest update No updates yet." in found


def test_an_unpublished_page_gets_no_links(client, world):
    world.respond()
    world.page.unpublish()
    html = entry(html_of(client, world.ana), world.published)
    assert "/c/" not in html and "#response-item-" not in html
    assert WILL_DO in html


def test_the_page_is_paginated(client, make_consultation, make_user, no_rate_limits):
    page = make_consultation(questions=["¿Qué opinas?"])
    ana = make_user(CITIZEN)
    sent = [post(ana, page, f"Comentario número {n} de Ana.") for n in range(23)]
    first = listed(html_of(client, ana))
    assert first == [comment.pk for comment in reversed(sent[3:])]
    second = html_of(client, ana, PAGE + "?page=2")
    assert listed(second) == [comment.pk for comment in reversed(sent[:3])]
    assert "Page 2 of 2" in second
    assert listed(html_of(client, ana, PAGE + "?page=zzz")) == first
    assert listed(html_of(client, ana, PAGE + "?page=99")) == listed(second)


def test_nobody_has_contributed_yet(client, citizen):
    assert "You have not posted any comments yet." in text(html_of(client, citizen))


def rich_contributions(make_consultation, make_user, count):
    """A person with `count` comments, each replied to, reacted to, tagged,
    some hidden (with a notice) and all linked by a published response item
    with a commitment and its updates."""
    page = make_consultation(questions=["¿Qué opinas?"])
    author, other = make_user(CITIZEN), make_user(CITIZEN)
    moderator, planner = make_user(MODERATOR), make_user(PLANNER)
    sent = []
    for n in range(count):
        comment = post(author, page, f"Comentario {n} con sustancia.")
        post(other, page, f"Respuesta a {n}.", parent=comment.pk)
        comments.do_react(other, comment, Stance.AGREE)
        comments.do_set_tags(moderator, comment, [f"Tema {n}", "Común"])
        sent.append(comment)
    item = responses.do_save_item(
        planner,
        page,
        subject="",
        heading="Todo",
        what_you_said=SAID,
        what_we_will_do=WILL_DO,
        comments=",".join(str(comment.pk) for comment in sent),
        themes=[],
    )
    for title in ("Uno", "Dos"):
        commitment = responses.do_save_commitment(planner, page, title=title, items=[item.pk])
        for days in (0, 1):
            responses.do_add_update(
                planner,
                commitment,
                date=timezone.localdate() - timedelta(days=days),
                text=f"Avance {days}.",
                status=CommitmentStatus.IN_PROGRESS,
                progress=20,
            )
    close(page)
    responses.do_publish_response(planner, page)
    for comment in sent[::2]:
        moderation.do_decide(moderator, comment, action="hide", reason=FlagReason.SPAM, note="N")
    return author


def test_a_constant_number_of_queries(
    client, make_consultation, make_user, no_rate_limits, django_assert_max_num_queries
):
    one = rich_contributions(make_consultation, make_user, 1)
    many = rich_contributions(make_consultation, make_user, 15)
    client.force_login(one)
    client.get(PAGE)  # caches filled (the site's root paths)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    client.force_login(many)
    with django_assert_max_num_queries(len(queries)):
        html = client.get(PAGE).content.decode()
    assert len(listed(html)) == 15
    assert html.count("Avance 0.") == 30 and "Avance 1." not in html
    assert html.count("Spam") == 8
