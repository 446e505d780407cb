"""ASCII slugs (an old slug with accents reached both ways) and the home
page's two lines and participation figures."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page

from accounts.roles import CITIZEN
from comments.models import Comment, CommentStatus
from consultations.models import ConsultationPage

pytestmark = pytest.mark.django_db

TITLE = "Parques y espacios públicos 2027"


@pytest.fixture(autouse=True)
def _fresh_figures():
    cache.clear()
    yield
    cache.clear()


def test_a_new_page_gets_an_ascii_slug(index):
    page = ConsultationPage(
        title=TITLE,
        summary="Un borrador.",
        opens_at="2027-01-10T10:00:00-06:00",
        closes_at="2027-02-10T10:00:00-06:00",
        responsible_office="Obras",
    )
    index.add_child(instance=page)  # Wagtail fills in the slug from the title
    assert page.slug == "parques-y-espacios-publicos-2027"


def test_an_old_accented_slug_is_reached_with_and_without_accents(client, make_consultation):
    page = make_consultation(title=TITLE, slug="parques")
    # Made before WAGTAIL_ALLOW_UNICODE_SLUGS was off.
    Page.objects.filter(pk=page.pk).update(
        slug="parques-y-espacios-públicos-2027",
        url_path=page.url_path.replace("/parques/", "/parques-y-espacios-públicos-2027/"),
    )
    parent = page.get_parent().url
    accented = client.get(parent + "parques-y-espacios-p%C3%BAblicos-2027/")
    plain = client.get(parent + "parques-y-espacios-publicos-2027/")
    assert accented.status_code == plain.status_code == 200
    assert f">{TITLE}</h1>" in plain.content.decode()
    canonical = f'<link rel="canonical" href="http://testserver{parent}parques-y-espacios-p%C3%BAblicos-2027/">'
    assert canonical in plain.content.decode()
    # Other near misses stay 404s.
    assert client.get(parent + "parques-y-espacios-publicos-2028/").status_code == 404
    assert client.get("/parques-y-espacios-publicos-2027/").status_code == 404


def test_an_address_with_the_accent_reaches_a_slug_edited_to_ascii(client, make_consultation):
    page = make_consultation(title=TITLE, slug="parques-y-espacios-publicos-2027")
    response = client.get(page.get_parent().url + "parques-y-espacios-p%C3%BAblicos-2027/")
    assert response.status_code == 200


def test_an_unpublished_page_is_not_reached_by_its_plain_address(client, make_consultation):
    page = make_consultation(title=TITLE, slug="parques-y-espacios-públicos-2027", publish=False)
    assert (
        client.get(page.get_parent().url + "parques-y-espacios-publicos-2027/").status_code == 404
    )


def post(consultation, author, status=CommentStatus.PUBLISHED):
    return Comment.objects.create(
        consultation=consultation,
        author=author,
        body="Opinión",
        status=status,
        created=consultation.opens_at,
        seq=1,
    )


def figures_html(client, prefix="/en"):
    html = client.get(prefix + "/").content.decode()
    start = html.index('<ul class="participation__figures">')
    start = html.index(">", start) + 1
    return " ".join(html[start : html.index("</ul>", start)].split())


def test_home_explains_the_site_and_counts_participation(
    client, home, make_consultation, make_user, django_assert_num_queries
):
    html = client.get("/en/").content.decode()
    assert "Here the municipality shares its draft plans and rules before deciding on them." in html
    assert "Read them, comment on each part and follow what is done with what people say." in html
    assert "<strong>0</strong> open consultations" in figures_html(client)

    cache.clear()
    with CaptureQueriesContext(connection) as empty:
        home.participation_figures()
    queries = len(empty.captured_queries)
    assert 0 < queries <= 4

    open_ = [make_consultation() for _ in range(3)]
    make_consultation(opens_at=timezone.now() + timedelta(days=3))  # upcoming
    draft = make_consultation(publish=False)
    people = [make_user(CITIZEN) for _ in range(4)]
    for consultation in open_:
        for person in people[:3]:
            post(consultation, person)
    post(open_[0], people[3], status=CommentStatus.HELD)
    post(draft, people[3])

    cache.clear()
    with django_assert_num_queries(queries):
        figures = home.participation_figures()
    assert figures == {"open": 3, "comments": 9, "participants": 3}
    # Counted once a minute: a second visit asks nothing for them.
    with django_assert_num_queries(0):
        home.participation_figures()
    assert figures_html(client) == (
        "<li><strong>3</strong> open consultations</li> "
        "<li><strong>9</strong> comments</li> "
        "<li><strong>3</strong> participants</li>"
    )


def test_figures_read_in_the_singular(client, make_consultation, make_user):
    post(make_consultation(), make_user(CITIZEN))
    assert figures_html(client) == (
        "<li><strong>1</strong> open consultation</li> "
        "<li><strong>1</strong> comment</li> "
        "<li><strong>1</strong> participant</li>"
    )
