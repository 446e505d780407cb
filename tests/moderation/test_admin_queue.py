"""The moderators' side of the Wagtail admin: the review queue, decisions
(one by one and in bulk), a person's page with block and unblock, the
decision log, the filtered words, the menu, and Wagtail's site history.

Every role tries every view; only moderators and superusers see data."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import CITIZEN, EDITOR, MODERATOR, PLANNER
from comments import actions as comment_actions
from comments.models import Comment, CommentStatus
from moderation import actions
from moderation.models import Decision, FilteredWord, Flag, Review
from moderation.queue import PAGE_SIZE
from notifications.models import Notice

pytestmark = pytest.mark.usefixtures("no_rate_limits")

ROLES = ("anonymous", CITIZEN, "author", PLANNER, EDITOR, MODERATOR, "superuser")
ALLOWED = {MODERATOR, "superuser"}
OFFENSIVE = "Texto ofensivo que nadie más debe leer"
HELD_TEXT = "Texto retenido por premoderación"


@pytest.fixture
def world(make_consultation, make_user):
    """Two consultations: "a" (post-moderated) with a flagged comment and a
    reply, "b" (pre-moderated) with a held comment; one user per role."""
    a = make_consultation(title="Consulta de movilidad", questions=["¿Qué cambiarías?"])
    b = make_consultation(
        title="Consulta de parques", questions=["¿Qué falta?"], moderation_mode="pre"
    )
    users = {
        CITIZEN: make_user(CITIZEN, display_name="Ciudadana"),
        "author": make_user(CITIZEN, display_name="Autora Pública"),
        PLANNER: make_user(PLANNER),
        EDITOR: make_user(EDITOR),
        MODERATOR: make_user(MODERATOR, display_name="Mod Erador"),
        "superuser": make_user(is_superuser=True, is_staff=True),
    }
    author = users["author"]
    parent = comment_actions.do_post_comment(
        users[CITIZEN],
        a,
        body="El comentario al que responden.",
        question=a.ordered_questions[0].pk,
    )
    flagged = comment_actions.do_post_comment(author, a, body=OFFENSIVE, parent=parent.pk)
    actions.do_flag(users[CITIZEN], flagged, reason="abusive")
    held = comment_actions.do_post_comment(
        author, b, body=HELD_TEXT, question=b.ordered_questions[0].pk
    )
    assert held.status == CommentStatus.HELD
    return {"a": a, "b": b, "users": users, "flagged": flagged, "held": held, "parent": parent}


def login(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])


def is_login_redirect(response):
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def assert_refused(response, role, *secrets):
    """A non-moderator gets a sign-in redirect (no admin access) or a 403
    (admin access, not a moderator); never the data."""
    if role in ("anonymous", CITIZEN, "author"):
        assert is_login_redirect(response), (role, response.status_code)
    else:
        assert response.status_code == 403, (role, response.status_code)
    content = response.content.decode()
    for secret in secrets:
        assert secret not in content


def messages_of(response):
    """The messages this request added (earlier ones wait in the session)."""
    return [str(m).strip() for m in response.wsgi_request._messages._queued_messages]


def queue(client, **params):
    return client.get(reverse("moderation_admin:queue"), params)


def shown_ids(response):
    return [row.comment.pk for row in response.context["rows"]]


# --- Who may see what ----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_page_is_for_moderators_only(client, world, role):
    login(client, world, role)
    response = queue(client)
    if role in ALLOWED:
        assert response.status_code == 200
        content = response.content.decode()
        assert OFFENSIVE in content and HELD_TEXT in content
        assert "Autora Pública" in content and "Consulta de parques" in content
    else:
        assert_refused(response, role, OFFENSIVE, HELD_TEXT)


@pytest.mark.parametrize("role", ROLES)
def test_the_item_fragment_is_for_moderators_only(client, world, role):
    login(client, world, role)
    url = reverse("moderation_admin:queue_item", args=[world["held"].pk])
    response = client.get(url)
    if role in ALLOWED:
        assert response.status_code == 200
        assert HELD_TEXT in response.content.decode()
    else:
        assert_refused(response, role, HELD_TEXT)
    # Asked from script, the admin refuses with a status, never a page.
    response = client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
    if role in ALLOWED:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert HELD_TEXT not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_a_persons_page_is_for_moderators_only(client, world, role):
    login(client, world, role)
    response = client.get(reverse("moderation_admin:user", args=[world["users"]["author"].pk]))
    if role in ALLOWED:
        assert response.status_code == 200
        assert HELD_TEXT in response.content.decode()
    else:
        assert_refused(response, role, HELD_TEXT, "Autora Pública")


@pytest.mark.parametrize("role", ROLES)
def test_the_decision_log_is_for_moderators_only(client, world, role):
    actions.do_decide(
        world["users"][MODERATOR], world["held"], action="hide", reason="spam", note="Nota secreta"
    )
    login(client, world, role)
    response = client.get(reverse("moderation_admin:log"))
    if role in ALLOWED:
        assert response.status_code == 200
        assert "Nota secreta" in response.content.decode()
    else:
        assert_refused(response, role, "Nota secreta")


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_can_decide(client, world, role):
    login(client, world, role)
    flagged = world["flagged"]
    response = client.post(
        reverse("moderation_admin:decide", args=[flagged.pk]), {"action": "hide", "reason": "spam"}
    )
    flagged.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert flagged.status == CommentStatus.HIDDEN
    else:
        assert_refused(response, role, OFFENSIVE)
        assert flagged.status == CommentStatus.PUBLISHED
        assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_can_decide_in_bulk(client, world, role):
    login(client, world, role)
    ids = [world["flagged"].pk, world["held"].pk]
    response = client.post(
        reverse("moderation_admin:bulk"), {"comments": ids, "action": "hide", "reason": "spam"}
    )
    statuses = set(Comment.objects.filter(pk__in=ids).values_list("status", flat=True))
    if role in ALLOWED:
        assert response.status_code == 302
        assert statuses == {CommentStatus.HIDDEN}
    else:
        assert_refused(response, role)
        assert statuses == {CommentStatus.PUBLISHED, CommentStatus.HELD}
        assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_can_block_and_unblock(client, world, role):
    login(client, world, role)
    author = world["users"]["author"]
    response = client.post(
        reverse("moderation_admin:block", args=[author.pk]), {"reason": "abusive"}
    )
    author.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302 and author.blocked
    else:
        assert_refused(response, role)
        assert not author.blocked
        type(author).objects.filter(pk=author.pk).update(blocked=True)
    response = client.post(reverse("moderation_admin:unblock", args=[author.pk]))
    author.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302 and not author.blocked
        assert list(Decision.objects.values_list("action", flat=True)) == ["unblock", "block"]
    else:
        assert_refused(response, role)
        assert author.blocked
        assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_manage_filtered_words(client, world, role):
    FilteredWord.objects.create(word="palabrota", language="es")
    login(client, world, role)
    index = client.get(reverse("filtered_words:index"))
    added = client.post(reverse("filtered_words:add"), {"word": "grosería", "language": "es"})
    if role in ALLOWED:
        assert index.status_code == 200 and "palabrota" in index.content.decode()
        assert added.status_code == 302
        assert FilteredWord.objects.filter(normalized="groseria").exists()
    else:
        # The admin's own refusals: sign in, or back to the dashboard.
        for response in (index, added):
            assert response.status_code in (302, 403)
            assert "palabrota" not in response.content.decode()
        assert not FilteredWord.objects.filter(normalized="groseria").exists()


def test_a_blocked_moderator_is_refused(client, world):
    moderator = world["users"][MODERATOR]
    type(moderator).objects.filter(pk=moderator.pk).update(blocked=True)
    client.force_login(moderator)
    response = queue(client)
    assert response.status_code == 403
    assert OFFENSIVE not in response.content.decode()


# --- The menu ------------------------------------------------------------------


def test_the_menu_item_shows_the_pending_count_to_moderators_only(world):
    from moderation.wagtail_hooks import register_moderation_menu

    menu = register_moderation_menu()
    queue_item = menu.menu.initial_menu_items[0]
    for role in ROLES:
        request = RequestFactory().get("/admin/")
        if role == "anonymous":
            from django.contrib.auth.models import AnonymousUser

            request.user = AnonymousUser()
        else:
            request.user = world["users"][role]
        assert queue_item.is_shown(request) is (role in ALLOWED), role
        if role in ALLOWED:
            component = queue_item.render_component(request)
            assert component.label.endswith("(2)")
            assert component.url == reverse("moderation_admin:queue")


@pytest.mark.parametrize("role", [PLANNER, EDITOR, MODERATOR])
def test_the_admin_sidebar_lists_the_queue_for_moderators(client, world, role):
    client.force_login(world["users"][role])
    content = client.get(reverse("wagtailadmin_home")).content.decode()
    assert ("moderation-queue" in content) is (role == MODERATOR)
    assert ("filtered-words" in content) is (role == MODERATOR)


# --- The queue: contents, filters, sorting, pages -------------------------------


def test_an_item_shows_the_comment_in_context(client, world):
    flagged = world["flagged"]
    author = world["users"]["author"]
    actions.do_decide(world["users"][MODERATOR], world["parent"], action="remove", reason="spam")
    client.force_login(world["users"][MODERATOR])
    response = queue(client, consultation=world["a"].pk)
    (row,) = response.context["rows"]
    assert row.comment == flagged
    assert row.item.flags == {"abusive": 1} and len(row.flags) == 1
    assert row.thread_url == f"/c/{flagged.pk}/"  # its permalink
    assert [action for action, *_ in row.actions] == ["approve", "hide", "remove"]
    content = response.content.decode()
    assert OFFENSIVE in content
    assert "El comentario al que responden." in content  # the parent, though removed
    assert "Consulta de movilidad" in content and "¿Qué cambiarías?" in content
    assert f'href="{row.thread_url}"' in content
    assert reverse("moderation_admin:user", args=[author.pk]) in content
    assert f'name="comments" value="{flagged.pk}" form="bulk-form"' in content


def test_moderators_read_hidden_and_removed_text(client, world, make_user):
    flagged = world["flagged"]
    for _ in range(2):  # with the first flag, three: hidden pending review
        actions.do_flag(make_user(CITIZEN), flagged, reason="spam")
    flagged.refresh_from_db()
    assert flagged.status == CommentStatus.HIDDEN
    client.force_login(world["users"][MODERATOR])
    response = queue(client)
    row = next(r for r in response.context["rows"] if r.comment.pk == flagged.pk)
    assert [a for a, *_ in row.actions] == ["approve", "hide", "remove", "restore"]
    assert row.item.flags == {"spam": 2, "abusive": 1}
    assert [n for _, n in row.flags] == [2, 1]  # most frequent first
    assert OFFENSIVE in response.content.decode()
    # The author's record counts the site's own hide, and their two comments.
    assert row.item.author_record == {"hide": 1, "comments": 2}
    assert len(row.record) == 2


def test_held_items_show_why_and_appeals_show_the_note(client, world):
    moderator, author = world["users"][MODERATOR], world["users"]["author"]
    held = world["held"]
    actions.do_decide(moderator, world["flagged"], action="hide", reason="abusive")
    actions.do_appeal(author, world["flagged"], note="No insulté a nadie, pido revisión.")
    client.force_login(moderator)
    response = queue(client)
    rows = {r.comment.pk: r for r in response.context["rows"]}
    assert rows[held.pk].review.hold_reason == "premoderation"
    assert rows[world["flagged"].pk].review.kind == "appealed"
    assert rows[world["flagged"].pk].appeal.note == "No insulté a nadie, pido revisión."
    assert "No insulté a nadie, pido revisión." in response.content.decode()


def test_the_filters_pick_the_right_items(client, world, make_user):
    flagged, held = world["flagged"], world["held"]
    client.force_login(world["users"][MODERATOR])
    assert set(shown_ids(queue(client))) == {flagged.pk, held.pk}
    assert shown_ids(queue(client, consultation=world["a"].pk)) == [flagged.pk]
    assert shown_ids(queue(client, consultation=world["b"].pk)) == [held.pk]
    assert shown_ids(queue(client, kind="held")) == [held.pk]
    assert shown_ids(queue(client, kind="flagged")) == [flagged.pk]
    assert shown_ids(queue(client, reason="abusive")) == [flagged.pk]
    assert shown_ids(queue(client, reason="spam")) == []
    assert shown_ids(queue(client, reason="premoderation")) == [held.pk]
    assert shown_ids(queue(client, reason="word")) == []
    assert shown_ids(queue(client, kind="held", consultation=world["a"].pk)) == []
    # Stale or forged values are ignored, not errors.
    for params in (
        {"consultation": "abc"},
        {"consultation": "١"},
        {"kind": "nonsense"},
        {"reason": "<script>"},
        {"sort": "random"},
        {"p": "9999"},
        {"p": "-1"},
    ):
        response = queue(client, **params)
        assert response.status_code == 200, params
        assert set(shown_ids(response)) == {flagged.pk, held.pk}, params
    assert shown_ids(queue(client, consultation=999_999)) == []


def test_the_selected_filters_are_kept_in_the_form(client, world):
    client.force_login(world["users"][MODERATOR])
    content = queue(client, consultation=world["b"].pk, kind="held", sort="oldest").content
    content = content.decode()
    assert f'<option value="{world["b"].pk}" selected>' in content
    assert '<option value="held" selected>' in content
    assert '<option value="oldest" selected>' in content
    # Each decision form carries them, to come back to the same view.
    assert f'<input type="hidden" name="back_consultation" value="{world["b"].pk}">' in content


def test_sorting(client, world, make_user):
    a = world["a"]
    more = comment_actions.do_post_comment(
        world["users"][CITIZEN],
        a,
        body="Otro más, con dos reportes.",
        question=a.ordered_questions[0].pk,
    )
    for _ in range(2):
        actions.do_flag(make_user(CITIZEN), more, reason="spam")
    flagged, held = world["flagged"], world["held"]
    client.force_login(world["users"][MODERATOR])
    # Opened: flagged, then held, then more.
    assert shown_ids(queue(client)) == [more.pk, flagged.pk, held.pk]
    assert shown_ids(queue(client, sort="most_flagged")) == [more.pk, flagged.pk, held.pk]
    assert shown_ids(queue(client, sort="oldest")) == [flagged.pk, held.pk, more.pk]
    assert shown_ids(queue(client, sort="newest")) == [more.pk, held.pk, flagged.pk]


def make_flagged(consultation, authors, reporter, n):
    """n flagged comments, each by its own author (so each row has its own
    record to load)."""
    comments = []
    for i in range(n):
        comment = comment_actions.do_post_comment(
            authors[i % len(authors)],
            consultation,
            body=f"Comentario reportado número {i}.",
            question=consultation.ordered_questions[0].pk,
        )
        actions.do_flag(reporter, comment, reason="spam")
        comments.append(comment)
    return comments


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_the_queue_page_makes_a_constant_number_of_queries(
    client, world, make_user, make_consultation
):
    client.force_login(world["users"][MODERATOR])
    url = reverse("moderation_admin:queue")
    count_queries(client, url)  # warm the site root paths' cache
    Review.objects.exclude(comment=world["flagged"]).delete()
    one, response = count_queries(client, url)
    assert len(response.context["rows"]) == 1
    # 29 more, by other people, in other consultations, some replies.
    others = [make_consultation(questions=["¿Y aquí?"]) for _ in range(3)]
    authors = [make_user(CITIZEN) for _ in range(5)]
    reporter = make_user(CITIZEN)
    for page, n in zip(others, (9, 9, 10), strict=True):
        make_flagged(page, authors, reporter, n)
    reply = comment_actions.do_post_comment(
        authors[0], world["a"], body="Una réplica.", parent=world["flagged"].pk
    )
    actions.do_flag(reporter, reply, reason="other", note="Fuera de lugar")
    many, response = count_queries(client, url)
    assert len(response.context["rows"]) == 30
    assert many == one


PAGES = 8


@pytest.mark.postgres_only
def test_many_pending_items_page_in_constant_queries(client, world, make_user):
    """Rows written in bulk, several pages of them: the first and the last
    page make the same queries as with one item. (Ten thousand items and the
    time they take: bench/moderation_queue.py.)"""
    from django.utils import timezone

    a, author = world["a"], world["users"]["author"]
    client.force_login(world["users"][MODERATOR])
    url = reverse("moderation_admin:queue")
    count_queries(client, url)
    few, _ = count_queries(client, url)
    now = timezone.now()
    last = Comment.objects.order_by("-seq").first().seq
    comments = Comment.objects.bulk_create(
        Comment(
            consultation=a,
            question=a.ordered_questions[0],
            author=author,
            body=f"Masivo {i}",
            created=now,
            seq=last + 1 + i,
        )
        for i in range(PAGES * PAGE_SIZE)
    )
    Review.objects.bulk_create(
        Review(comment=c, consultation=a, kind="flagged", flag_count=1, opened=now)
        for c in comments
    )
    many, response = count_queries(client, url)
    assert len(response.context["rows"]) == PAGE_SIZE
    assert response.context["paginator"].count == PAGES * PAGE_SIZE + 2
    assert many == few
    last_page, response = count_queries(client, f"{url}?p={PAGES + 1}")
    assert last_page == few and len(response.context["rows"]) == 2


# --- Decisions through the forms -------------------------------------------------


def decide(client, comment, **data):
    return client.post(reverse("moderation_admin:decide", args=[comment.pk]), data)


def test_hide_with_a_reason_through_the_form(client, world):
    flagged, moderator = world["flagged"], world["users"][MODERATOR]
    client.force_login(moderator)
    response = decide(
        client,
        flagged,
        action="hide",
        reason="abusive",
        note="Insulta a otra persona.",
        back_consultation=world["a"].pk,
        back_kind="flagged",
        back_sort="oldest",
    )
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("moderation_admin:queue")
    assert parse_qs(location.query) == {
        "consultation": [str(world["a"].pk)],
        "kind": ["flagged"],
        "sort": ["oldest"],
    }
    flagged.refresh_from_db()
    assert flagged.status == CommentStatus.HIDDEN
    decision = Decision.objects.get()
    assert (decision.moderator, decision.action, decision.reason, decision.note) == (
        moderator,
        "hide",
        "abusive",
        "Insulta a otra persona.",
    )
    assert Notice.objects.filter(user=flagged.author, comment=flagged, kind="hide").exists()
    assert not Review.objects.get(comment=flagged).pending
    assert len(messages_of(response)) == 1
    assert flagged.pk not in shown_ids(queue(client))


def test_approve_clears_the_flags(client, world):
    flagged = world["flagged"]
    client.force_login(world["users"][MODERATOR])
    assert decide(client, flagged, action="approve").status_code == 302
    assert Flag.objects.get(comment=flagged).cleared
    flagged.refresh_from_db()
    assert flagged.status == CommentStatus.PUBLISHED


def test_approve_publishes_a_held_comment(client, world):
    held = world["held"]
    client.force_login(world["users"][MODERATOR])
    decide(client, held, action="approve")
    held.refresh_from_db()
    assert held.status == CommentStatus.PUBLISHED


def test_remove_then_restore(client, world):
    flagged = world["flagged"]
    client.force_login(world["users"][MODERATOR])
    decide(client, flagged, action="remove", reason="personal_data")
    flagged.refresh_from_db()
    assert flagged.status == CommentStatus.REMOVED
    decide(client, flagged, action="restore")
    flagged.refresh_from_db()
    assert flagged.status == CommentStatus.PUBLISHED
    assert list(Decision.objects.values_list("action", flat=True)) == ["restore", "remove"]


@pytest.mark.parametrize(
    "data",
    [
        {"action": "hide"},  # no reason
        {"action": "remove", "reason": ""},
        {"action": "hide", "reason": "aburrido"},
        {"action": "destroy", "reason": "spam"},
        {"action": "block", "reason": "spam"},  # not a comment decision
        {"action": ""},
        {},
        {"action": "hide", "reason": "spam", "note": "x" * 1001},
    ],
    ids=[
        "no-reason",
        "blank-reason",
        "unknown-reason",
        "unknown-action",
        "block",
        "blank",
        "empty",
        "long-note",
    ],
)
def test_bad_decisions_are_refused_with_a_message(client, world, data):
    flagged = world["flagged"]
    client.force_login(world["users"][MODERATOR])
    response = decide(client, flagged, **data)
    assert response.status_code == 302
    assert response["Location"] == reverse("moderation_admin:queue")
    (message,) = messages_of(response)
    assert str(flagged.pk) in message
    flagged.refresh_from_db()
    assert flagged.status == CommentStatus.PUBLISHED
    assert Review.objects.get(comment=flagged).pending
    assert not Decision.objects.exists()


def test_a_decision_already_taken_is_a_conflict_message(client, world):
    flagged, moderator = world["flagged"], world["users"][MODERATOR]
    actions.do_decide(moderator, flagged, action="approve")
    client.force_login(moderator)
    response = decide(client, flagged, action="approve")
    (message,) = messages_of(response)
    assert Decision.objects.count() == 1
    response = decide(client, flagged, action="restore")
    assert len(messages_of(response)) == 1
    assert Decision.objects.count() == 1


def test_a_filter_of_another_consultation_only_shapes_the_way_back(client, world):
    """The decision is on the comment posted; the filters sent with it (here
    another consultation's) only choose the page to come back to."""
    flagged = world["flagged"]
    client.force_login(world["users"][MODERATOR])
    response = decide(
        client, flagged, action="hide", reason="spam", back_consultation=world["b"].pk
    )
    flagged.refresh_from_db()
    assert flagged.status == CommentStatus.HIDDEN
    assert parse_qs(urlparse(response["Location"]).query) == {"consultation": [str(world["b"].pk)]}
    # And a consultation filter never shows another consultation's items.
    assert world["held"].pk in shown_ids(queue(client, consultation=world["b"].pk))
    assert shown_ids(queue(client, consultation=world["a"].pk)) == []


def test_the_way_back_is_always_the_queue(client, world):
    client.force_login(world["users"][MODERATOR])
    response = decide(
        client,
        world["flagged"],
        action="approve",
        back_consultation="https://evil.example/",
        back_reason="spam",
        back_p="2",
    )
    assert response["Location"] == reverse("moderation_admin:queue") + "?reason=spam&p=2"


def test_unknown_comments_and_people_are_404(client, world):
    client.force_login(world["users"][MODERATOR])
    assert decide(client, Comment(pk=999_999), action="approve").status_code == 404
    assert client.get(reverse("moderation_admin:queue_item", args=[999_999])).status_code == 404
    assert client.get(reverse("moderation_admin:user", args=[999_999])).status_code == 404
    for name in ("block", "unblock"):
        response = client.post(
            reverse(f"moderation_admin:{name}", args=[999_999]), {"reason": "spam"}
        )
        assert response.status_code == 404
    assert not Decision.objects.exists()


def test_post_only_views_refuse_get(client, world):
    client.force_login(world["users"][MODERATOR])
    author = world["users"]["author"]
    for url in (
        reverse("moderation_admin:decide", args=[world["flagged"].pk]),
        reverse("moderation_admin:bulk"),
        reverse("moderation_admin:block", args=[author.pk]),
        reverse("moderation_admin:unblock", args=[author.pk]),
    ):
        assert client.get(url).status_code == 405, url
    assert not Decision.objects.exists()


def test_the_item_fragment_is_404_unless_pending_and_matching(client, world):
    flagged, held = world["flagged"], world["held"]
    client.force_login(world["users"][MODERATOR])
    url = reverse("moderation_admin:queue_item", args=[flagged.pk])
    response = client.get(url, {"consultation": world["a"].pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<li class="queue-item" id="queue-item-{flagged.pk}"')
    assert OFFENSIVE in content and 'name="csrfmiddlewaretoken"' in content
    assert f'<input type="hidden" name="back_consultation" value="{world["a"].pk}">' in content
    # Another consultation's filter, or a decided item: not on this page.
    assert client.get(url, {"consultation": world["b"].pk}).status_code == 404
    assert client.get(url, {"kind": "held"}).status_code == 404
    actions.do_decide(world["users"][MODERATOR], flagged, action="approve")
    assert client.get(url).status_code == 404
    # A comment that never was in the queue.
    assert (
        client.get(reverse("moderation_admin:queue_item", args=[world["parent"].pk])).status_code
        == 404
    )
    assert client.get(reverse("moderation_admin:queue_item", args=[held.pk])).status_code == 200


# --- Bulk decisions ---------------------------------------------------------------


def bulk(client, ids, **data):
    return client.post(reverse("moderation_admin:bulk"), {"comments": ids, **data})


def test_bulk_hide_reports_each_item(client, world):
    flagged, held = world["flagged"], world["held"]
    moderator = world["users"][MODERATOR]
    actions.do_decide(moderator, world["parent"], action="remove", reason="spam")
    client.force_login(moderator)
    response = bulk(
        client,
        [flagged.pk, held.pk, world["parent"].pk, 999_999],
        action="hide",
        reason="off_topic",
        note="Fuera de tema",
        back_kind="flagged",
        back_reason="abusive",
    )
    assert response.status_code == 302
    assert parse_qs(urlparse(response["Location"]).query) == {
        "kind": ["flagged"],
        "reason": ["abusive"],
    }
    assert set(
        Comment.objects.filter(pk__in=[flagged.pk, held.pk]).values_list("status", flat=True)
    ) == {CommentStatus.HIDDEN}
    messages = messages_of(response)
    assert len(messages) == 3  # two taken; the removed one and the missing one refused
    assert "2" in messages[0]
    assert any(str(world["parent"].pk) in m for m in messages[1:])
    assert any("999999" in m for m in messages[1:])
    assert Decision.objects.filter(action="hide", reason="off_topic").count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"comments": [], "action": "approve"},
        {"action": "approve"},
        {"comments": ["abc"], "action": "approve"},
        {"comments": ["1; DROP TABLE"], "action": "approve"},
        {"comments": ["-1"], "action": "approve"},
        {"comments": "IDS", "action": "hide"},  # no reason
        {"comments": "IDS", "action": "destroy", "reason": "spam"},
        {"comments": "IDS", "action": "hide", "reason": "nope"},
    ],
    ids=[
        "none",
        "missing",
        "not-a-number",
        "injection",
        "negative",
        "no-reason",
        "unknown-action",
        "unknown-reason",
    ],
)
def test_bad_bulk_decisions_change_nothing(client, world, data):
    client.force_login(world["users"][MODERATOR])
    if data.get("comments") == "IDS":
        data["comments"] = [world["flagged"].pk, world["held"].pk]
    response = client.post(reverse("moderation_admin:bulk"), data)
    assert response.status_code == 302
    assert len(messages_of(response)) == 1
    assert not Decision.objects.exists()
    assert Review.objects.filter(pending=True).count() == 2


# --- A person's page: block and unblock -------------------------------------------


def test_a_persons_page_shows_comments_and_decisions(client, world):
    moderator, author = world["users"][MODERATOR], world["users"]["author"]
    actions.do_decide(moderator, world["flagged"], action="hide", reason="abusive", note="Primera")
    client.force_login(moderator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("moderation_admin:user", args=[author.pk]))
    assert response.status_code == 200
    assert len(response.context["comments"]) == 2
    ((decision, url),) = response.context["decisions"]
    assert decision.action == "hide" and url == f"/c/{world['flagged'].pk}/"
    content = response.content.decode()
    assert OFFENSIVE in content and HELD_TEXT in content and "Primera" in content
    assert reverse("moderation_admin:block", args=[author.pk]) in content
    assert author.email not in content
    assert len(queries) < 30


def test_block_with_hide_content_hides_everything_they_published(client, world):
    moderator, author = world["users"][MODERATOR], world["users"]["author"]
    client.force_login(moderator)
    response = client.post(
        reverse("moderation_admin:block", args=[author.pk]),
        {"reason": "abusive", "note": "Insultos reiterados", "hide_content": "on"},
    )
    assert response["Location"] == reverse("moderation_admin:user", args=[author.pk])
    author.refresh_from_db()
    assert author.blocked
    assert set(Comment.objects.filter(author=author).values_list("status", flat=True)) == {
        CommentStatus.HIDDEN
    }
    assert sorted(Decision.objects.values_list("action", flat=True)) == ["block", "hide", "hide"]
    assert "2" in messages_of(response)[0]
    # The page now offers to unblock; blocking again is a conflict.
    content = client.get(reverse("moderation_admin:user", args=[author.pk])).content.decode()
    assert reverse("moderation_admin:unblock", args=[author.pk]) in content
    again = client.post(reverse("moderation_admin:block", args=[author.pk]), {"reason": "spam"})
    assert len(messages_of(again)) == 1
    assert Decision.objects.filter(action="block").count() == 1


def test_block_without_hide_content_leaves_the_comments(client, world):
    author = world["users"]["author"]
    client.force_login(world["users"][MODERATOR])
    client.post(reverse("moderation_admin:block", args=[author.pk]), {"reason": "spam"})
    author.refresh_from_db()
    assert author.blocked
    statuses = set(Comment.objects.filter(author=author).values_list("status", flat=True))
    assert statuses == {CommentStatus.PUBLISHED, CommentStatus.HELD}


@pytest.mark.parametrize(
    "data", [{}, {"reason": ""}, {"reason": "odio"}, {"reason": "spam", "note": "x" * 1001}]
)
def test_bad_blocks_are_refused(client, world, data):
    author = world["users"]["author"]
    client.force_login(world["users"][MODERATOR])
    response = client.post(reverse("moderation_admin:block", args=[author.pk]), data)
    assert response.status_code == 302 and len(messages_of(response)) == 1
    author.refresh_from_db()
    assert not author.blocked and not Decision.objects.exists()


def test_a_moderator_cannot_block_themselves_or_unblock_the_unblocked(client, world):
    moderator, author = world["users"][MODERATOR], world["users"]["author"]
    client.force_login(moderator)
    response = client.post(
        reverse("moderation_admin:block", args=[moderator.pk]), {"reason": "spam"}
    )
    assert len(messages_of(response)) == 1
    response = client.post(reverse("moderation_admin:unblock", args=[author.pk]))
    assert len(messages_of(response)) == 1
    moderator.refresh_from_db()
    assert not moderator.blocked and not Decision.objects.exists()


# --- The decision log ---------------------------------------------------------------


def test_the_log_lists_decisions_in_constant_queries(client, world, make_user):
    moderator = world["users"][MODERATOR]
    client.force_login(moderator)
    url = reverse("moderation_admin:log")
    actions.do_decide(moderator, world["flagged"], action="hide", reason="spam", note="Una")
    count_queries(client, url)
    one, response = count_queries(client, url)
    assert len(response.context["decisions"]) == 1
    for i in range(12):
        person = make_user(CITIZEN)
        actions.do_block(moderator, person, reason="spam", note=f"Bloqueo {i}")
    actions.do_decide(moderator, world["held"], action="remove", reason="personal_data")
    many, response = count_queries(client, url)
    assert len(response.context["decisions"]) == 14
    assert many == one
    content = response.content.decode()
    assert "Bloqueo 11" in content and "Una" in content
    # Newest first; filtered by decision.
    assert response.context["decisions"][0][0].action == "remove"
    response = client.get(url, {"action": "block"})
    assert {d.action for d, _ in response.context["decisions"]} == {"block"}
    assert client.get(url, {"action": "nonsense", "p": "x"}).status_code == 200


def test_the_log_is_read_only(client, world):
    client.force_login(world["users"][MODERATOR])
    assert client.post(reverse("moderation_admin:log")).status_code == 405


def test_wagtails_site_history_shows_the_decisions(client, world):
    moderator, superuser = world["users"][MODERATOR], world["users"]["superuser"]
    actions.do_decide(moderator, world["flagged"], action="hide", reason="spam")
    actions.do_block(moderator, world["users"]["author"], reason="abusive")
    client.force_login(superuser)
    response = client.get(reverse("wagtailadmin_reports:site_history"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Autora Pública" in content  # the blocked person, the object of the entry
    assert str(moderator) in content
    entries = list(response.context["object_list"])
    assert {e.action for e in entries} >= {"puente.moderation.hide", "puente.moderation.block"}
    # Filtered by action, as the report's filter offers it.
    response = client.get(
        reverse("wagtailadmin_reports:site_history"), {"action": "puente.moderation.block"}
    )
    assert response.status_code == 200
    assert {e.action for e in response.context["object_list"]} == {"puente.moderation.block"}


# --- Filtered words --------------------------------------------------------------------


def test_moderators_add_edit_and_delete_filtered_words(client, world):
    client.force_login(world["users"][MODERATOR])
    response = client.post(
        reverse("filtered_words:add"), {"word": "  Estúpido  ", "language": "es"}
    )
    assert response.status_code == 302
    word = FilteredWord.objects.get()
    assert (word.word, word.normalized, word.language) == ("Estúpido", "estupido", "es")
    response = client.post(
        reverse("filtered_words:edit", args=[word.pk]), {"word": "Idiota", "language": "es"}
    )
    assert response.status_code == 302
    word.refresh_from_db()
    assert word.normalized == "idiota"
    response = client.post(reverse("filtered_words:delete", args=[word.pk]))
    assert response.status_code == 302
    assert not FilteredWord.objects.exists()


@pytest.mark.parametrize("spelling", ["estupido", "ESTÚPIDO", "Estúpido", " estúpido "])
def test_a_duplicate_word_is_a_form_error(client, world, spelling):
    FilteredWord.objects.create(word="estúpido", language="es")
    client.force_login(world["users"][MODERATOR])
    response = client.post(reverse("filtered_words:add"), {"word": spelling, "language": "es"})
    assert response.status_code == 200
    assert "word" in response.context["form"].errors
    assert FilteredWord.objects.count() == 1
    # The same word on the other language's list is fine.
    response = client.post(reverse("filtered_words:add"), {"word": spelling, "language": "en"})
    assert response.status_code == 302
    assert FilteredWord.objects.count() == 2


def test_editing_a_word_into_a_duplicate_is_a_form_error(client, world):
    FilteredWord.objects.create(word="tonto", language="es")
    other = FilteredWord.objects.create(word="bobo", language="es")
    client.force_login(world["users"][MODERATOR])
    url = reverse("filtered_words:edit", args=[other.pk])
    response = client.post(url, {"word": "TONTO", "language": "es"})
    assert response.status_code == 200 and "word" in response.context["form"].errors
    # Saving a word unchanged is not a duplicate of itself.
    assert client.post(url, {"word": "Bobo", "language": "es"}).status_code == 302


@pytest.mark.parametrize(
    "data",
    [
        {"word": "", "language": "es"},
        {"word": "   ", "language": "es"},
        {"word": "\u00ad\u200b", "language": "es"},  # invisible only
        {"word": "palabra", "language": "fr"},
        {"word": "x" * 101, "language": "es"},
        {"word": "\ufb03" * 50, "language": "es"},  # ligatures that normalise longer
    ],
    ids=["empty", "spaces", "invisible", "language", "too-long", "expands"],
)
def test_bad_words_are_form_errors(client, world, data):
    client.force_login(world["users"][MODERATOR])
    response = client.post(reverse("filtered_words:add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not FilteredWord.objects.exists()


def test_the_moderator_group_may_change_the_moderation_settings(client, world):
    client.force_login(world["users"][MODERATOR])
    response = client.get(
        reverse("wagtailsettings:edit", args=["moderation", "moderationsettings"]), follow=True
    )
    assert response.status_code == 200
    assert "auto_hide_flags" in response.content.decode()
    client.force_login(world["users"][PLANNER])
    response = client.get(
        reverse("wagtailsettings:edit", args=["moderation", "moderationsettings"])
    )
    assert response.status_code in (302, 403)


def test_ensure_role_groups_is_idempotent(db):
    from django.contrib.auth.models import Group

    from accounts.roles import ensure_role_groups

    ensure_role_groups()
    before = set(Group.objects.get(name=MODERATOR).permissions.values_list("codename", flat=True))
    ensure_role_groups()
    after = set(Group.objects.get(name=MODERATOR).permissions.values_list("codename", flat=True))
    assert before == after
    assert after >= {
        "access_admin",
        "add_filteredword",
        "change_filteredword",
        "delete_filteredword",
        "change_moderationsettings",
    }
    for role in (PLANNER, EDITOR, CITIZEN):
        codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert not codenames & {"add_filteredword", "change_moderationsettings"}
