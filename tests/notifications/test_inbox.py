"""The notifications page (/avisos/), without JavaScript: a person's notices
newest first, fifty a page, "New" and then read once shown; "mark all
read"; the header link with the unread count; the old moderation address
redirecting; the page's extension point (PUENTE_NOTICE_EXTRAS) that
moderation fills with the appeal form; and never a hidden or held comment's
text or author to anyone but its author.

New strings are not in the Spanish catalog until the lead regenerates it, so
wording is asserted on English pages (/en/) and Spanish pages by structure."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from moderation import actions as moderation_actions
from notifications import reading
from notifications.models import Notice
from tests.moderation.conftest import url_of

pytestmark = pytest.mark.usefixtures("no_rate_limits")

EN = "/en"
INBOX = "/avisos/"
READ_ALL = "/avisos/leidos/"
ITEM = re.compile(r'<li class="notice-item( notice-item--new)?" id="notice-(\d+)"')


@pytest.fixture
def page(make_consultation):
    return make_consultation(title="Parque Central", questions=["¿Qué cambiarías?"])


@pytest.fixture
def ana(make_user):
    return make_user(CITIZEN, display_name="Ana Autora")


@pytest.fixture
def beto(make_user):
    return make_user(CITIZEN, display_name="Beto Respondón")


@pytest.fixture
def moderator(make_user):
    return make_user(MODERATOR, display_name="Mora")


def say(user, page, body, **anchor):
    anchor = anchor or {"question": page.ordered_questions[0].pk}
    return comment_actions.do_post_comment(user, page, body=body, **anchor)


@pytest.fixture
def replied(page, ana, beto, django_capture_on_commit_callbacks):
    """Ana's comment and Beto's reply to it: Ana is told (in the background)."""
    with django_capture_on_commit_callbacks(execute=True):
        mine = say(ana, page, "Quiero más árboles en el parque.")
    with django_capture_on_commit_callbacks(execute=True):
        reply = say(beto, page, "Y bancas a la sombra, por favor.", question=None, parent=mine.pk)
    return mine, reply


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def items(source):
    """[(notice id, new?)] in the order the page lists them."""
    return [(int(pk), bool(new)) for new, pk in ITEM.findall(source)]


def notice(user, kind="unblock", minutes_ago=0, **fields):
    return Notice.objects.create(
        user=user, kind=kind, created=timezone.now() - timedelta(minutes=minutes_ago), **fields
    )


# The page ---------------------------------------------------------------------


def test_the_page_needs_sign_in_and_answers_get_only(client, ana):
    response = client.get(INBOX)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(ana)
    assert client.post(INBOX).status_code == 405
    assert client.head(INBOX).status_code == 200


def test_a_reply_is_listed_new_with_its_text_author_and_link_then_read(client, page, ana, replied):
    mine, reply = replied
    told = Notice.objects.get(user=ana)
    assert (told.kind, told.comment, told.read) == ("reply", reply, False)
    client.force_login(ana)
    with CaptureQueriesContext(connection) as queries:
        source = html(client.get(EN + INBOX))
    assert items(source) == [(told.pk, True)]
    assert '<strong class="badge">New</strong>' in source
    assert "Beto Respondón replied to your comment in “Parque Central”." in source
    assert "Beto Respondón wrote:" in source and "Y bancas a la sombra, por favor." in source
    assert f'href="{EN}/c/{reply.pk}/"' in source  # the reply's permalink
    # Marked read once shown, in one UPDATE.
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "moderation_notice" in updates[0]
    assert Notice.objects.get(pk=told.pk).read
    again = html(client.get(INBOX))
    assert items(again) == [(told.pk, False)] and "badge" not in again


def test_the_page_links_the_preferences(client, ana):
    client.force_login(ana)
    source = html(client.get(EN + INBOX))
    assert 'href="/en/avisos/preferencias/"' in source
    assert "You have no notifications." in source


def test_notices_are_private(client, ana, beto, replied):
    client.force_login(beto)
    source = html(client.get(EN + INBOX))
    assert items(source) == [] and "Y bancas a la sombra" not in source
    assert Notice.objects.get(user=ana).read is False  # not Beto's to read


def test_newest_first(client, ana):
    old = notice(ana, "block", minutes_ago=10, reason="spam")
    new = notice(ana, "unblock", minutes_ago=1)
    client.force_login(ana)
    assert [pk for pk, _ in items(html(client.get(INBOX)))] == [new.pk, old.pk]


# Never a hidden or held comment's words ---------------------------------------


@pytest.mark.parametrize("status", [CommentStatus.HIDDEN, CommentStatus.HELD, "removed"])
def test_a_reply_no_longer_shown_loses_its_text_author_and_anchor(
    client, page, ana, replied, status
):
    _mine, reply = replied
    Comment.objects.filter(pk=reply.pk).update(status=status)
    client.force_login(ana)
    source = html(client.get(EN + INBOX))
    assert "Y bancas a la sombra" not in source and "Beto Respondón" not in source
    assert "Someone replied to your comment in “Parque Central”; the reply is no longer shown." in (
        source
    )
    assert f"/c/{reply.pk}/" not in source
    assert f'href="{url_of(page, EN)}"' in source


def test_thread_activity_shows_only_published_comments(client, page, ana, beto):
    root = say(beto, page, "Empiezo un hilo sobre el parque.")
    later = say(beto, page, "Un texto que pronto se ocultará.", question=None, parent=root.pk)
    notice(ana, "thread", comment=later, thread=root, consultation=page, count=3)
    client.force_login(ana)
    source = html(client.get(EN + INBOX))
    assert "3 new comments in a thread you follow in “Parque Central”." in source
    assert "Beto Respondón wrote:" in source and "pronto se ocultará" in source
    Comment.objects.filter(pk=later.pk).update(status=CommentStatus.HIDDEN)
    source = html(client.get(EN + INBOX))
    assert "pronto se ocultará" not in source and "Beto Respondón" not in source


def test_the_author_sees_their_own_hidden_comment_but_not_a_removed_one(
    client, page, ana, moderator
):
    hidden = say(ana, page, "Mi texto oculto por la moderación.")
    removed = say(ana, page, "Mi texto retirado por la moderación.")
    moderation_actions.do_decide(moderator, hidden, action="hide", reason="spam")
    moderation_actions.do_decide(moderator, removed, action="remove", reason="spam")
    client.force_login(ana)
    source = html(client.get(EN + INBOX))
    assert "Your comment:" in source
    assert "Mi texto oculto" in source and "Mi texto retirado" not in source


# Paging and query counts -------------------------------------------------------


def test_notices_are_paged_and_only_those_shown_are_marked_read(client, ana):
    Notice.objects.bulk_create(
        Notice(user=ana, kind="unblock", created=timezone.now() - timedelta(minutes=i))
        for i in range(reading.PER_PAGE + 1)
    )
    client.force_login(ana)
    first = html(client.get(INBOX))
    assert [new for _, new in items(first)] == [True] * reading.PER_PAGE
    assert 'rel="next" href="?page=2"' in first
    oldest = Notice.objects.order_by("created").first()
    assert list(Notice.objects.filter(read=False)) == [oldest]
    # The header counts what is left; "mark all read" is offered for it.
    assert "(<span data-unread-count>1</span>" in first
    assert f'action="{READ_ALL}"' in first
    second = html(client.get(INBOX, {"page": 2}))
    assert items(second) == [(oldest.pk, True)]
    assert not Notice.objects.filter(read=False).exists()


def many_kinds(page, person, author, moderator, n):
    """`n` notices of each kind the page shows differently, about comments
    of different people, one appealed."""
    for i in range(n):
        mine = say(person, page, f"Comentario {i} de la persona.")
        reply = say(author, page, f"Respuesta {i}.", question=None, parent=mine.pk)
        notice(person, "reply", comment=reply, thread=mine, consultation=page)
        notice(person, "thread", comment=reply, thread=mine, consultation=page, count=2)
        notice(person, "opened", consultation=page)
        notice(person, "response", comment=mine)
        moderation_actions.do_decide(moderator, mine, action="hide", reason="spam")
        notice(person, "export")
    moderation_actions.do_appeal(
        person, Comment.objects.filter(author=person).first(), note="Revisen"
    )


def test_the_page_takes_a_constant_number_of_queries(
    client, page, make_user, moderator, django_assert_max_num_queries
):
    counts = []
    for n in (1, 8):
        person, author = make_user(CITIZEN), make_user(CITIZEN)
        many_kinds(page, person, author, moderator, n)
        client.force_login(person)
        client.get(url_of(page))  # warm the site's caches
        with CaptureQueriesContext(connection) as queries:
            source = html(client.get(INBOX))
        assert len(items(source)) == 6 * n
        assert source.count('class="appeal-form"') == n - 1
        assert source.count('class="appeal-sent"') == 1
        counts.append(len(queries))
        # Read now: the same page again, without the UPDATE.
        with django_assert_max_num_queries(counts[0]):
            html(client.get(INBOX))
    assert counts[0] == counts[1], counts


# Mark all read ------------------------------------------------------------------


def test_mark_all_read_marks_every_page_and_only_mine(client, ana, beto):
    for i in range(reading.PER_PAGE + 5):
        notice(ana, minutes_ago=i)
    others = notice(beto)
    client.force_login(ana)
    response = client.post(EN + READ_ALL)
    assert response.status_code == 302 and response["Location"] == EN + INBOX
    assert not Notice.objects.filter(user=ana, read=False).exists()
    assert Notice.objects.get(pk=others.pk).read is False
    assert "All your notifications are marked as read." in html(client.get(EN + INBOX))
    client.post(EN + READ_ALL)
    assert "You had no unread notifications." in html(client.get(EN + INBOX))


def test_mark_all_read_is_a_post_with_csrf_and_sign_in(client, ana):
    notice(ana)
    assert client.post(READ_ALL)["Location"].startswith("/accounts/login/")
    client.force_login(ana)
    assert client.get(READ_ALL).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ana)
    assert strict.post(READ_ALL).status_code == 403
    assert Notice.objects.filter(user=ana, read=False).count() == 1


def test_mark_all_read_is_rate_limited(client, ana, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"notifications-{uuid.uuid4().hex}",
        }
    }
    settings.PUENTE_COMMENT_WRITE_RATE = "1/min"
    notice(ana)
    client.force_login(ana)
    client.post(READ_ALL)
    notice(ana)
    response = client.post(EN + READ_ALL)
    assert response.status_code == 302
    assert "Try again in" in html(client.get(EN + INBOX))


# The old address -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/moderacion/avisos/", "/avisos/"),
        ("/en/moderacion/avisos/", "/en/avisos/"),
        ("/moderacion/avisos/?page=2", "/avisos/?page=2"),
    ],
)
def test_the_old_notices_address_redirects_for_good(client, ana, old, new):
    client.force_login(ana)
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new


# The extension point: moderation's appeal form -----------------------------------


def test_the_appeal_form_comes_through_the_extension_point(client, page, ana, moderator, settings):
    hidden = say(ana, page, "Un comentario que ocultarán.")
    moderation_actions.do_decide(moderator, hidden, action="hide", reason="spam")
    client.force_login(ana)
    assert f'id="appeal-{hidden.pk}"' in html(client.get(INBOX))
    settings.PUENTE_NOTICE_EXTRAS = []
    source = html(client.get(INBOX))
    assert f'id="notice-{Notice.objects.get(user=ana).pk}"' in source
    assert "appeal-" not in source


def test_an_appeal_goes_back_to_the_notifications_page(client, page, ana, moderator):
    hidden = say(ana, page, "Un comentario que ocultarán.")
    moderation_actions.do_decide(moderator, hidden, action="hide", reason="spam")
    client.force_login(ana)
    response = client.post(f"/moderacion/comentarios/{hidden.pk}/apelar/", {"note": "Revisen"})
    assert response["Location"] == f"/avisos/#appeal-{hidden.pk}"
    assert 'class="appeal-sent"' in html(client.get(INBOX))


def test_no_appeal_form_under_someone_elses_comment(client, page, ana, beto, moderator):
    """A reply notice about a hidden reply offers its reader no appeal."""
    mine = say(ana, page, "Mi comentario.")
    reply = say(beto, page, "Una respuesta que ocultarán.", question=None, parent=mine.pk)
    notice(ana, "reply", comment=reply, thread=mine, consultation=page)
    moderation_actions.do_decide(moderator, reply, action="hide", reason="spam")
    client.force_login(ana)
    assert "appeal-" not in html(client.get(INBOX))


# The header -------------------------------------------------------------------------

LINK = 'class="site-nav__notices"'


def header_link(source):
    start = source.rindex("<a ", 0, source.index(LINK))
    return source[start : source.index("</a>", start)]


def test_the_header_links_the_page_with_the_unread_count(client, page, ana, beto, replied):
    assert LINK not in html(client.get(url_of(page)))  # anonymous
    assert "notifications.js" not in html(client.get(url_of(page)))
    client.force_login(beto)
    link = header_link(html(client.get(url_of(page, EN))))
    assert 'href="/en/avisos/"' in link and 'data-notifications-socket="/ws/notifications/"' in link
    assert "Notifications<span" in link and "data-unread hidden" in link  # none unread

    client.force_login(ana)
    source = html(client.get(url_of(page, EN)))
    link = header_link(source)
    assert "data-unread>" in link
    assert '(<span data-unread-count>1</span><span class="visually-hidden"> unread</span>)' in link
    assert 'src="/static/js/notifications.js"' in source
    announcer = re.search(r'<div id="notifications-announcer"[^>]*>', source).group(0)
    assert 'role="status"' in announcer and 'aria-live="polite"' in announcer
    assert 'class="visually-hidden"' in announcer
    assert 'data-one="You have 1 unread notification."' in announcer
    assert 'data-many="You have %(count)s unread notifications."' in announcer

    # The page marks it read: the count goes, there and after.
    assert "data-unread hidden" in header_link(html(client.get(INBOX)))
    assert "data-unread hidden" in header_link(html(client.get(url_of(page))))


def test_the_unread_count_is_one_query_and_only_when_signed_in(client, page, ana, replied):
    with CaptureQueriesContext(connection) as queries:
        html(client.get(url_of(page)))
    assert not [q for q in queries if "moderation_notice" in q["sql"]]
    client.force_login(ana)
    with CaptureQueriesContext(connection) as queries:
        html(client.get(url_of(page)))
    counted = [q["sql"] for q in queries if "moderation_notice" in q["sql"]]
    assert len(counted) == 1 and "COUNT(" in counted[0]
