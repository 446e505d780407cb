"""Citizens flag comments; enough distinct flags hide one pending review."""

import pytest

from comments import actions
from comments.events import consultation_group
from comments.models import Comment
from moderation.models import Flag


@pytest.fixture
def setup(make_consultation, make_user, settings, no_rate_limits):
    page = make_consultation(questions=["¿Qué opinas?"])
    author = make_user("citizen", display_name="Autora")
    comment = actions.do_post_comment(
        author, page, body="Texto reportable", question=page.ordered_questions[0].pk
    )
    return page, author, comment


def flag(client, user, comment, **data):
    client.force_login(user)
    data.setdefault("reason", "spam")
    return client.post(
        f"/api/v1/comments/{comment.pk}/flags/", data, content_type="application/json"
    )


def test_a_flag_is_recorded_once_per_person(client, setup, make_user):
    _, _, comment = setup
    reporter = make_user("citizen")
    assert flag(client, reporter, comment, reason="abusive").status_code == 201
    again = flag(client, reporter, comment, reason="spam")
    assert again.status_code == 400 and "reason" in again.json()["errors"]
    assert Flag.objects.get(comment=comment).reason == "abusive"


def test_own_comment_anonymous_and_bad_input_are_refused(client, setup, make_user):
    _, author, comment = setup
    assert flag(client, author, comment).status_code == 403
    client.logout()
    anonymous = client.post(
        f"/api/v1/comments/{comment.pk}/flags/", {"reason": "spam"}, content_type="application/json"
    )
    assert anonymous.status_code == 403
    reporter = make_user("citizen")
    assert flag(client, reporter, comment, reason="aburrido").status_code == 400
    assert flag(client, reporter, comment, reason="other", note="").status_code == 400
    assert flag(client, reporter, comment, reason="other", note="x" * 5000).status_code == 400
    assert (
        client.post(
            f"/api/v1/comments/{comment.pk}/flags/", "{no json", content_type="application/json"
        ).status_code
        == 400
    )
    assert flag(client, reporter, Comment(pk=999999)).status_code == 404
    assert not Flag.objects.exists()


def test_the_note_is_plain_text(client, setup, make_user):
    _, _, comment = setup
    response = flag(
        client, make_user("citizen"), comment, reason="other", note="<script>x()</script>Insulta"
    )
    assert response.status_code == 201
    assert Flag.objects.get().note == "Insulta"


def test_the_nth_distinct_flag_hides_the_comment(
    client, setup, make_user, django_capture_on_commit_callbacks, monkeypatch
):
    page, _, comment = setup
    sent = []
    monkeypatch.setattr("comments.events.publish", lambda group, event: sent.append((group, event)))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert flag(client, make_user("citizen"), comment).status_code == 201
    comment.refresh_from_db()
    assert comment.status == "published" and sent == []  # N-1 flags: still shown

    with django_capture_on_commit_callbacks(execute=True):
        assert flag(client, make_user("citizen"), comment).status_code == 201
    comment.refresh_from_db()
    assert comment.status == "hidden"
    [(group, event)] = sent
    assert group == consultation_group(page.pk) and event["type"] == "comment.hidden"
    assert event["comment"]["body"] == "" and event["comment"]["author"] is None
    assert event["cursor"] == comment.seq

    # The public never sees its text or author again, and nobody can flag it more.
    listing = client.get(f"/api/v1/consultations/{page.pk}/comments/").content.decode()
    assert "Texto reportable" not in listing and "Autora" not in listing
    html = client.get(page.url).content.decode()
    assert "Texto reportable" not in html and "Oculto en espera de revisión" in html
    assert flag(client, make_user("citizen"), comment).status_code == 403
    assert Flag.objects.filter(comment=comment).count() == 3
