"""The comment search page's form in the admin (issue 16): statuses as a
group of checkboxes, the question and the section chosen from lists grouped
by consultation, the author by display name, dates as date inputs; the
older query parameters (numbers, comma-separated statuses) still work, and
bad input is a form error on the page, never a server error."""

import re

import pytest
from django.test import Client
from wagtail.users.models import UserProfile

from accounts.roles import CITIZEN, MODERATOR
from comments.models import CommentStatus
from moderation import actions as moderation_actions
from tests.moderation.conftest import post

ADMIN = "/admin/search/comments/"


@pytest.fixture
def scene(make_consultation, make_user, no_rate_limits, django_capture_on_commit_callbacks):
    parks = make_consultation(title="Parques", questions=["¿Qué falta?", "¿Qué sobra?"])
    mobility = make_consultation(title="Movilidad", questions=["¿Qué cambiarías?"])
    moderator = make_user(MODERATOR)
    ana = make_user(CITIZEN, display_name="Ana Autora")
    beto = make_user(CITIZEN, display_name="Beto")
    with django_capture_on_commit_callbacks(execute=True):
        by_ana = post(ana, parks, body="Faltan bancas y sombra en el parque del centro.")
        by_beto = post(beto, mobility, body="Faltan bancas en las paradas del camión del centro.")
        hidden = post(beto, parks, body="Faltan bancas, y esto es spam de bancas.")
        moderation_actions.do_decide(moderator, hidden, action="hide", reason="spam")
    # The admin in English for this moderator (/admin/ is otherwise Spanish).
    profile = UserProfile.get_for_user(moderator)
    profile.preferred_language = "en"
    profile.save()
    client = Client()
    client.force_login(moderator)
    return {
        "client": client,
        "parks": parks,
        "mobility": mobility,
        "ana": ana,
        "beto": beto,
        "by_ana": by_ana,
        "by_beto": by_beto,
        "hidden": hidden,
        "make_user": make_user,
    }


def page(scene, params=None):
    response = scene["client"].get(ADMIN, params or {})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def found_ids(html):
    return {int(pk) for pk in re.findall(r'id="result-(\d+)"', html)}


def test_statuses_are_one_group_of_checkboxes(scene):
    html = page(scene)
    group = re.search(r'<fieldset class="search-statuses".*?</fieldset>', html, re.S).group(0)
    assert "<legend>" in group
    assert "<option" not in group
    boxes = re.findall(r'<input type="checkbox" name="status" value="(\w+)" id="(\w+)"', group)
    assert [value for value, _ in boxes] == ["published", "hidden", "removed", "held"]
    for _value, box_id in boxes:
        assert group.count(f'for="{box_id}"') == 1


def test_status_boxes_filter_and_stay_ticked(scene):
    html = page(scene, {"q": "bancas", "status": "hidden"})
    assert found_ids(html) == {scene["hidden"].pk}
    assert re.search(r'value="hidden" id="\w+" checked', html)
    assert not re.search(r'value="published" id="\w+" checked', html)
    # An older link's comma-separated statuses still tick their boxes.
    html = page(scene, {"q": "bancas", "status": "hidden,published"})
    assert found_ids(html) == {scene["hidden"].pk, scene["by_ana"].pk, scene["by_beto"].pk}
    assert re.search(r'value="hidden" id="\w+" checked', html)
    assert re.search(r'value="published" id="\w+" checked', html)


def test_questions_and_sections_are_lists_grouped_by_consultation(scene):
    html = page(scene)
    question = re.search(r'<select name="question".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', question)
    assert groups == ["Movilidad", "Parques"]
    parks_questions = scene["parks"].ordered_questions
    for q in parks_questions:
        assert f'value="{q.pk}"' in question
    assert '<select name="section"' in html
    # Choosing a question narrows to its comments.
    html = page(scene, {"q": "bancas", "question": parks_questions[0].pk})
    assert found_ids(html) == {scene["by_ana"].pk, scene["hidden"].pk}
    assert f'<option value="{parks_questions[0].pk}" selected>' in html


def test_unknown_or_huge_ids_and_bad_dates_are_form_errors(scene):
    for params, field in (
        ({"question": 2**63 + 5}, "question"),
        ({"question": 999999}, "question"),
        ({"section": "abc"}, "section"),
        ({"since": "10000-01-01"}, "since"),
        ({"since": "1999-12-31"}, "since"),
        ({"until": "2026-02-31"}, "until"),
        ({"author": 2**64}, "author"),
    ):
        html = page(scene, {"q": "bancas", **params})
        summary = re.search(r'id="search-errors".*?</div>', html, re.S)
        assert summary is not None, params
        assert f'href="#id_{field}"' in summary.group(0), (params, summary.group(0))
        assert found_ids(html) == set()


def test_dates_are_date_inputs_and_filter(scene):
    html = page(scene)
    assert re.search(r'<input type="date" name="since"[^>]*min="2000-01-01"', html)
    assert re.search(r'<input type="date" name="until"', html)
    html = page(scene, {"q": "bancas", "since": "2000-01-01", "until": "2000-01-02"})
    assert found_ids(html) == set()
    assert 'value="2000-01-01"' in html


def test_the_author_by_display_name(scene):
    html = page(scene, {"q": "bancas", "author_name": "  ana   AUTORA "})
    assert found_ids(html) == {scene["by_ana"].pk}
    # An empty name searches everyone, whatever account number rode along.
    html = page(scene, {"q": "bancas", "author_name": "", "author": scene["ana"].pk})
    assert found_ids(html) == {scene["by_ana"].pk, scene["by_beto"].pk, scene["hidden"].pk}


def test_an_unknown_name_is_a_form_error(scene):
    html = page(scene, {"q": "bancas", "author_name": "<b>Nadie</b>"})
    assert "No account is called “&lt;b&gt;Nadie&lt;/b&gt;”." in html
    assert found_ids(html) == set()


def test_namesakes_are_offered_to_choose_from(scene):
    other_beto = scene["make_user"](CITIZEN, display_name="beto")
    html = page(scene, {"q": "bancas", "author_name": "Beto"})
    assert "Several accounts are called “Beto”" in html
    choice = re.search(r'<select name="author".*?</select>', html, re.S).group(0)
    assert f'value="{scene["beto"].pk}"' in choice
    assert f'value="{other_beto.pk}"' in choice
    html = page(scene, {"q": "bancas", "author_name": "Beto", "author": scene["beto"].pk})
    assert found_ids(html) == {scene["by_beto"].pk, scene["hidden"].pk}
    assert 'id="search-errors"' not in html


def test_older_links_with_the_account_number_still_work(scene):
    html = page(scene, {"q": "bancas", "author": scene["ana"].pk})
    assert found_ids(html) == {scene["by_ana"].pk}
    # The page names whom it searches.
    assert re.search(r'name="author_name" value="Ana Autora"', html)


def test_the_api_keeps_its_numbers(scene):
    response = scene["client"].get(
        "/api/v1/moderation/search/", {"q": "bancas", "author": scene["ana"].pk}
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [scene["by_ana"].pk]
    response = scene["client"].get(
        "/api/v1/moderation/search/", {"q": "bancas", "author_name": "Beto"}
    )
    # The name is the admin page's: the API ignores it.
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_every_field_is_labelled(scene):
    html = page(scene)
    for name in ("q", "consultation", "question", "section", "author_name", "since", "until"):
        assert f'for="id_{name}"' in html, name
    assert 'aria-describedby="id_author_name-help"' in html
    assert CommentStatus.HELD.value in html


AUTHORS = "/admin/search/comments/authors/"


def test_author_names_are_suggested_as_one_types(scene):
    scene["make_user"](CITIZEN, display_name="Ana Sin Comentarios")
    response = scene["client"].get(AUTHORS, {"q": "  an "})
    assert response.status_code == 200
    # People who wrote a comment only; two letters at least.
    assert response.json() == {"names": ["Ana Autora"]}
    assert scene["client"].get(AUTHORS, {"q": "a"}).json() == {"names": []}
    assert scene["client"].get(AUTHORS).json() == {"names": []}
    assert scene["client"].get(AUTHORS, {"q": "x" * 5000}).json() == {"names": []}


def test_many_namesakes_are_suggested_once_and_bounded(scene, django_assert_max_num_queries):
    for n in range(15):
        person = scene["make_user"](CITIZEN, display_name=f"Beto {n:02d}")
        post(person, scene["parks"], body="Un comentario más sobre las bancas del parque.")
    with django_assert_max_num_queries(8):
        names = scene["client"].get(AUTHORS, {"q": "beto"}).json()["names"]
    assert names == ["Beto", *[f"Beto {n:02d}" for n in range(9)]]


@pytest.mark.parametrize("role", ["anonymous", CITIZEN])
def test_names_are_for_readers_only(scene, role):
    client = Client()
    if role != "anonymous":
        client.force_login(scene["make_user"](role))
    response = client.get(AUTHORS, {"q": "an"})
    assert response.status_code == 302
    assert "Ana" not in response.content.decode()


def test_the_author_field_asks_for_suggestions(scene):
    html = page(scene)
    assert re.search(r'<input type="text" name="author_name"[^>]*list="author-names"', html)
    assert f'<datalist id="author-names" data-author-names="{AUTHORS}">' in html
    assert "js/comment_search.js" in html
