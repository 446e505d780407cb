"""Pol.is interoperability: reading an export (summaries/polis.py), importing
it (summaries/polis_import.py, `manage.py import_polis`) and printing the
groups of a consultation (`manage.py opinion_groups`). Every export here is
written by the test into tmp_path, a few lines long."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from comments.models import Comment, CommentStatus, ConsultationActivity, Reaction
from consultations.models import ConsultationPage
from consultations.status import Status
from search.models import PendingIndex
from summaries.models import ImportedParticipant
from summaries.polis import PolisFormatError, read_export
from summaries.polis_import import import_export

T0 = 1_500_000_000_000  # 2017-07-14 02:40:00 UTC, in Pol.is's milliseconds
COMMENTS_HEADER = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"
VOTES_HEADER = "timestamp,datetime,comment-id,voter-id,vote"


def at(ms):
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def write(folder, files):
    """Write {name: text or bytes} into `folder` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return folder


def comments_csv(rows):
    """rows: (id, author, moderated, text) written at T0 + id seconds."""
    lines = [COMMENTS_HEADER]
    for comment_id, author, moderated, text in rows:
        body = '"' + text.replace('"', '""') + '"'
        lines.append(f"{T0 + comment_id * 1000},x,{comment_id},{author},0,0,{moderated},{body}")
    return "\n".join(lines) + "\n"


def votes_csv(rows):
    """rows: (timestamp offset in ms, comment, voter, vote)."""
    lines = [VOTES_HEADER]
    lines += [f"{T0 + offset},x,{comment},{voter},{vote}" for offset, comment, voter, vote in rows]
    return "\n".join(lines) + "\n"


def participants_votes_csv(comment_ids, rows):
    """rows: (participant, group-id or "", {comment: vote})."""
    header = "participant,group-id,n-comments,n-votes,n-agree,n-disagree," + ",".join(
        str(c) for c in comment_ids
    )
    lines = [header]
    for participant, group, votes in rows:
        cells = [str(votes.get(c, "")) for c in comment_ids]
        lines.append(f"{participant},{group},0,{len(votes)},0,0," + ",".join(cells))
    return "\n".join(lines) + "\n"


SUMMARY = (
    "topic,Parks for everyone\nurl,https://pol.is/abc\nvoters,3\n"
    'conversation-description,"What should our parks have?\nTell us."\n'
)
SMALL_COMMENTS = comments_csv(
    [
        (0, 10, 1, "More trees in every park."),
        (1, 11, 0, 'Longer opening hours, "please".'),
        (2, 12, -1, "Spam that was moderated out."),
    ]
)
SMALL_VOTES = votes_csv(
    [
        (5000, 0, 10, 1),
        (9000, 0, 11, 1),  # changed below, by an earlier line with a later time...
        (8000, 0, 11, -1),
        (20000, 0, 11, -1),  # ...and this one is the last by time
        (6000, 1, 11, 1),
        (7000, 1, 12, 0),
        (7000, 1, 12, -1),  # same time: the later line wins
        (7000, 2, 10, 1),  # on the comment moderated out
    ]
)
SMALL_MATRIX = participants_votes_csv(
    [0, 1, 2],
    [(10, 0, {0: 1, 2: 1}), (11, 1, {0: -1, 1: 1}), (12, "", {1: -1})],
)


def small_export(tmp_path, **files):
    base = {
        "summary.csv": SUMMARY,
        "comments.csv": SMALL_COMMENTS,
        "votes.csv": SMALL_VOTES,
        "participants-votes.csv": SMALL_MATRIX,
    }
    base.update(files)
    return write(tmp_path / "parks", {name: text for name, text in base.items() if text})


def vote_tuples(export):
    return [(v.participant, v.comment, v.vote) for v in export.votes]


# Reading ------------------------------------------------------------------


def test_reads_both_vote_files_the_last_vote_by_time_wins(tmp_path):
    export = read_export(small_export(tmp_path))
    assert export.topic == "Parks for everyone"
    assert export.url == "https://pol.is/abc"
    assert export.description == "What should our parks have?\nTell us."
    assert [(c.id, c.author, c.moderated) for c in export.comments] == [
        (0, 10, 1),
        (1, 11, 0),
        (2, 12, -1),
    ]
    assert export.comments[1].text == 'Longer opening hours, "please".'
    assert export.comments[1].created == at(T0 + 1000)
    assert vote_tuples(export) == [(10, 0, 1), (10, 2, 1), (11, 0, -1), (11, 1, 1), (12, 1, -1)]
    assert export.votes[2].created == at(T0 + 20000)
    assert export.groups == {10: 0, 11: 1, 12: None}
    assert export.participants == [10, 11, 12]


def test_reads_votes_from_participants_votes_alone(tmp_path):
    export = read_export(small_export(tmp_path, **{"votes.csv": None, "summary.csv": None}))
    assert vote_tuples(export) == [(10, 0, 1), (10, 2, 1), (11, 0, -1), (11, 1, 1), (12, 1, -1)]
    assert {vote.created for vote in export.votes} == {None}
    assert export.groups == {10: 0, 11: 1, 12: None}
    # No summary.csv: the folder's name is the topic.
    assert (export.topic, export.url, export.description) == ("parks", "", "")


def test_reads_votes_csv_alone_without_groups(tmp_path):
    export = read_export(small_export(tmp_path, **{"participants-votes.csv": None}))
    assert export.groups == {}
    assert len(export.votes) == 5


# Every bad input, with its file and line ------------------------------------

BAD = {
    "no comments.csv": (
        {"comments.csv": None},
        "comments.csv: missing: an export needs its comments",
    ),
    "no vote file": (
        {"votes.csv": None, "participants-votes.csv": None},
        "votes.csv: missing, and so is participants-votes.csv: an export needs its votes",
    ),
    "empty comments.csv": (
        {"comments.csv": "\n"},
        "comments.csv, line 1: empty: the header row is missing",
    ),
    "a column missing": (
        {"comments.csv": "timestamp,comment-id,author-id,comment-body\n"},
        "comments.csv, line 1: no column 'moderated' in the header",
    ),
    "two columns missing": (
        {"votes.csv": "timestamp,comment-id\n"},
        "votes.csv, line 1: no column 'voter-id', 'vote' in the header",
    ),
    "a comment id not a number": (
        {"comments.csv": comments_csv([(0, 10, 1, "ok")]).replace(",0,10,", ",zero,10,")},
        "comments.csv, line 2: the comment id 'zero' is not a whole number",
    ),
    "a voter id not a number": (
        {"votes.csv": votes_csv([(0, 0, 10, 1), (0, 1, "1e3", 1)])},
        "votes.csv, line 3: the voter id '1e3' is not a whole number",
    ),
    "a vote of 2": (
        {"votes.csv": votes_csv([(0, 0, 10, 1), (0, 1, 11, 1), (0, 1, 12, 2)])},
        "votes.csv, line 4: the vote is 2; a vote is -1, 0 or 1",
    ),
    "a vote of agree": (
        {"votes.csv": votes_csv([(0, 0, 10, "agree")])},
        "votes.csv, line 2: the vote 'agree' is not a whole number",
    ),
    "a vote on an unknown comment": (
        {"votes.csv": votes_csv([(0, 0, 10, 1), (0, 7, 10, 1)])},
        "votes.csv, line 3: a vote on comment 7, which comments.csv does not have",
    ),
    "a matrix column for an unknown comment": (
        {"votes.csv": None, "participants-votes.csv": participants_votes_csv([0, 9], [])},
        "participants-votes.csv, line 1: a column for comment 9, which comments.csv does not have",
    ),
    "a matrix vote of -2": (
        {
            "votes.csv": None,
            "participants-votes.csv": participants_votes_csv(
                [0, 1], [(10, 0, {0: 1}), (11, 0, {1: -2})]
            ),
        },
        "participants-votes.csv, line 3: the vote is -2; a vote is -1, 0 or 1",
    ),
    "a matrix group not a number": (
        {"participants-votes.csv": participants_votes_csv([0], [(10, "A", {0: 1})])},
        "participants-votes.csv, line 2: the group id 'A' is not a whole number",
    ),
    "a participant twice": (
        {"participants-votes.csv": participants_votes_csv([0], [(10, 0, {}), (10, 1, {})])},
        "participants-votes.csv, line 3: participant 10 again (first on line 2)",
    ),
    "a comment twice": (
        {"comments.csv": comments_csv([(0, 10, 1, "a"), (1, 10, 1, "b"), (0, 11, 1, "c")])},
        "comments.csv, line 4: comment 0 again (first on line 2)",
    ),
    "moderated 2": (
        {"comments.csv": comments_csv([(0, 10, 2, "a")])},
        "comments.csv, line 2: moderated is 2; it is -1, 0 or 1",
    ),
    "a row too short": (
        {"votes.csv": VOTES_HEADER + "\n1,x,0,10,1\n2,x,0,10\n"},
        "votes.csv, line 3: 4 fields where the header has 5",
    ),
    "an unclosed quote": (
        {"comments.csv": COMMENTS_HEADER + '\n1,x,0,10,0,0,1,"Never closed\nstill\n'},
        "comments.csv, line 2: not valid CSV: unexpected end of data",
    ),
    "text after a quote": (
        {"votes.csv": VOTES_HEADER + '\n1,x,0,10,1\n2,x,"0"1,11,1\n'},
        "votes.csv, line 3: not valid CSV: ',' expected after '\"'",
    ),
    "a NUL byte": (
        {"votes.csv": VOTES_HEADER + "\n1,x,0,10,1\n2,x,0,\x0011,1\n"},
        "votes.csv, line 3: a NUL character",
    ),
    "not UTF-8": (
        {"comments.csv": (COMMENTS_HEADER + "\n1,x,0,10,0,0,1,caf").encode() + b"\xe9\n"},
        "comments.csv, line 2: not UTF-8 text",
    ),
    "an id of 2**63": (
        {"votes.csv": votes_csv([(0, 0, 2**63, 1)])},
        f"votes.csv, line 2: the voter id {2**63} is outside 0..{2**63 - 1}",
    ),
    "a negative id": (
        {"comments.csv": comments_csv([(0, -4, 1, "a")])},
        f"comments.csv, line 2: the author id -4 is outside 0..{2**63 - 1}",
    ),
    "a timestamp past year 9999": (
        {"votes.csv": votes_csv([(0, 0, 10, 1), (300_000_000_000_000, 0, 11, 1)])},
        "votes.csv, line 3: the timestamp 301500000000000 is outside 0..253402300799999",
    ),
    "a timestamp before 1970": (
        {"comments.csv": COMMENTS_HEADER + '\n-1,x,0,10,0,0,1,"a"\n'},
        "comments.csv, line 2: the timestamp -1 is outside 0..253402300799999",
    ),
}


@pytest.mark.parametrize("files, message", BAD.values(), ids=BAD.keys())
def test_bad_exports_name_the_file_and_the_line(tmp_path, files, message):
    with pytest.raises(PolisFormatError) as raised:
        read_export(small_export(tmp_path, **files))
    assert str(raised.value) == message
    assert raised.value.file == message.split(",")[0].split(":")[0]


def test_a_file_is_not_a_folder(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text(SMALL_COMMENTS)
    with pytest.raises(PolisFormatError, match="not a folder"):
        read_export(path)


# Importing -------------------------------------------------------------------


def counts():
    return (
        ConsultationPage.objects.count(),
        get_user_model().objects.count(),
        ImportedParticipant.objects.count(),
        Comment.objects.count(),
        Reaction.objects.count(),
        ConsultationActivity.objects.count(),
    )


def run_import(*args, language="en"):
    """The command's output; its refusals are in the active language (an
    operator's), English here unless `language` says otherwise."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override(language):
        call_command("import_polis", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_import_creates_a_closed_consultation_with_its_people_comments_and_reactions(
    tmp_path, index
):
    out, err = run_import(small_export(tmp_path))
    page = ConsultationPage.objects.get(pk=int(out.splitlines()[-1]))
    assert out.splitlines()[-1] == str(page.pk)
    assert "3 accounts" in err and "reactions: 5 of 5" in err
    assert page.get_parent().pk == index.pk and page.live
    assert page.title == "Parks for everyone"
    assert page.summary == "What should our parks have?\nTell us."
    assert page.status == Status.CLOSED
    # From the first comment to just after the last vote.
    assert page.opens_at == at(T0)
    assert page.closes_at == at(T0 + 20000) + timedelta(seconds=1)
    question = page.questions.get()
    assert question.text == "Parks for everyone"

    people = {
        row.polis_id: row.user
        for row in ImportedParticipant.objects.filter(consultation=page).select_related("user")
    }
    assert sorted(people) == [10, 11, 12]
    ana = people[10]
    assert ana.display_name == "Pol.is participant 10"
    assert ana.email == f"polis-{page.pk}-10@polis.invalid"
    assert not ana.has_usable_password()

    comments = list(Comment.objects.filter(consultation=page).order_by("seq"))
    # The comment moderated out comes in removed, with the vote on it (the
    # opinion groups count it as Pol.is does); it shows nowhere.
    assert [c.body for c in comments] == [
        "More trees in every park.",
        'Longer opening hours, "please".',
        "Spam that was moderated out.",
    ]
    assert [c.seq for c in comments] == [1, 2, 3]
    assert ConsultationActivity.objects.get(consultation=page).last_seq == 3
    assert [c.status for c in comments] == [
        CommentStatus.PUBLISHED,
        CommentStatus.PUBLISHED,
        CommentStatus.REMOVED,
    ]
    assert all(c.question_id == question.pk for c in comments)
    assert all(c.root_id == c.pk and c.parent_id is None for c in comments)
    assert [c.author_id for c in comments] == [people[10].pk, people[11].pk, people[12].pk]
    assert comments[1].created == at(T0 + 1000)
    assert [(c.agree_count, c.disagree_count, c.pass_count) for c in comments] == [
        (1, 1, 0),
        (1, 1, 0),
        (1, 0, 0),
    ]
    reactions = {
        (r.comment_id, r.user_id): r.stance for r in Reaction.objects.filter(comment__in=comments)
    }
    first, second, removed = comments
    assert reactions == {
        (first.pk, people[10].pk): "agree",  # Pol.is counts the author's own vote
        (first.pk, people[11].pk): "disagree",
        (second.pk, people[11].pk): "agree",
        (second.pk, people[12].pk): "disagree",
        (removed.pk, people[10].pk): "agree",
    }
    # Queued for the search index, as every comment write is.
    assert set(PendingIndex.objects.values_list("comment_id", flat=True)) >= {first.pk, second.pk}


@pytest.mark.django_db
def test_import_writes_in_bulk(tmp_path, index, django_assert_max_num_queries):
    """The same queries whatever the size (most of them Wagtail's, creating
    and publishing the page): two camps of 7 people and 112 reactions take
    no more than three people and four reactions."""
    export = read_export(small_export(tmp_path))
    import_export(export, parent=index)  # the next ones have a sibling alike
    with django_assert_max_num_queries(200) as small:
        import_export(export, parent=index)
    export = read_export(two_camps(tmp_path))
    with django_assert_max_num_queries(len(small.captured_queries)):
        import_export(export, parent=index)


@pytest.mark.django_db
def test_importing_twice_makes_two_consultations(tmp_path, index):
    folder = small_export(tmp_path)
    first = int(run_import(folder)[0].splitlines()[-1])
    second = int(run_import(folder, "--parent", index.pk)[0].splitlines()[-1])
    pages = ConsultationPage.objects.in_bulk([first, second])
    assert pages[first].slug == "parks-for-everyone"
    assert pages[second].slug == "parks-for-everyone-2"
    assert ImportedParticipant.objects.filter(consultation_id=second).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "files, message", [BAD["a vote of 2"], BAD["not UTF-8"], BAD["no vote file"]]
)
def test_a_bad_export_imports_nothing(tmp_path, index, files, message):
    before = counts()
    with pytest.raises(CommandError) as raised:
        run_import(small_export(tmp_path, **files))
    assert str(raised.value) == message
    assert counts() == before


@pytest.mark.django_db
def test_a_failure_halfway_leaves_nothing_half_imported(tmp_path, index):
    """One transaction: a failure after the page, the accounts and the
    comments were written takes them all back."""
    export = read_export(two_camps(tmp_path))
    before = counts()

    def fail_at_reactions(message):
        if message.startswith("reactions"):
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        import_export(export, parent=index, progress=fail_at_reactions)
    assert counts() == before


@pytest.mark.django_db
def test_activity_after_now_is_refused(tmp_path, index):
    future = comments_csv([(0, 10, 1, "From the future.")]).replace(str(T0), "4102444800000", 1)
    folder = small_export(
        tmp_path,
        **{
            "comments.csv": future,
            "participants-votes.csv": None,
            "votes.csv": votes_csv([(0, 0, 10, 1)]),
        },
    )
    before = counts()
    with pytest.raises(CommandError, match="activity after now"):
        run_import(folder)
    with pytest.raises(CommandError, match="actividad posterior a este momento"):
        run_import(folder, language="es")
    assert counts() == before


@pytest.mark.django_db
def test_import_refuses_a_folder_that_is_not_one(tmp_path, index):
    with pytest.raises(CommandError, match="not a folder"):
        run_import(tmp_path / "nowhere")
    (tmp_path / "file.csv").write_text("x")
    with pytest.raises(CommandError, match="not a folder"):
        run_import(tmp_path / "file.csv")


@pytest.mark.django_db
def test_import_refuses_a_parent_that_is_not_a_consultation_index(tmp_path, index, home):
    folder = small_export(tmp_path)
    before = counts()
    with pytest.raises(CommandError, match=f"Page {home.pk} is not a consultation index page"):
        run_import(folder, "--parent", home.pk)
    with pytest.raises(CommandError, match="There is no page 999999"):
        run_import(folder, "--parent", 999999)
    for wrong in ("abc", str(2**63), "-3"):
        with pytest.raises(CommandError, match="is not a page id"):
            run_import(folder, "--parent", wrong)
    assert counts() == before


@pytest.mark.django_db
def test_import_without_a_consultation_index(tmp_path, home):
    with pytest.raises(CommandError, match="There is no consultation index page"):
        run_import(small_export(tmp_path))


# The groups, as JSON ------------------------------------------------------------

CAMP_A = range(100, 107)  # Pol.is ids, unlike any account's id here
CAMP_B = range(200, 207)


def two_camps(tmp_path):
    """Seven people agree with comments 0-3 and disagree with 4-7, seven the
    opposite; each passes on one comment of the other camp's."""
    comments = [(c, CAMP_A[c] if c < 4 else CAMP_B[c - 4], 1, f"Statement {c}.") for c in range(8)]
    votes = []
    for n, person in enumerate(CAMP_A):
        for c in range(8):
            vote = 0 if c == 4 + n % 4 else (1 if c < 4 else -1)
            votes.append((c * 1000 + n, c, person, vote))
    for n, person in enumerate(CAMP_B):
        for c in range(8):
            vote = 0 if c == n % 4 else (-1 if c < 4 else 1)
            votes.append((c * 1000 + n, c, person, vote))
    return write(
        tmp_path / "camps",
        {"comments.csv": comments_csv(comments), "votes.csv": votes_csv(votes)},
    )


def groups_json(*args):
    out = io.StringIO()
    call_command("opinion_groups", *[str(arg) for arg in args], "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_opinion_groups_json_keys_people_by_their_polis_id(tmp_path, index):
    page_id = int(run_import(two_camps(tmp_path))[0].splitlines()[-1])
    data = groups_json(page_id)
    assert data["status"] == "groups"
    assert {"version", "settings", "grouped", "left_out", "groups", "bridging", "map"} <= set(data)
    assert len(data["groups"]) == 2 and data["grouped"] == 14 and data["left_out"] == 0
    participants = data["participants"]
    assert set(participants) == {str(p) for p in [*CAMP_A, *CAMP_B]}
    camp_a = {participants[str(p)] for p in CAMP_A}
    camp_b = {participants[str(p)] for p in CAMP_B}
    assert len(camp_a) == len(camp_b) == 1 and camp_a != camp_b
    assert camp_a | camp_b == {1, 2}
    # The same for the consultation's one question.
    question = ConsultationPage.objects.get(pk=page_id).questions.get()
    assert groups_json(page_id, "--question", question.pk)["participants"] == participants


@pytest.mark.django_db
def test_opinion_groups_json_people_left_out_are_null(tmp_path, index):
    folder = two_camps(tmp_path)
    votes = (folder / "votes.csv").read_text() + f"{T0},x,0,999,1\n"
    (folder / "votes.csv").write_text(votes)
    page_id = int(run_import(folder)[0].splitlines()[-1])
    participants = groups_json(page_id)["participants"]
    assert participants["999"] is None
    assert participants["100"] is not None


@pytest.mark.django_db
def test_opinion_groups_summary_in_words(tmp_path, index):
    page_id = int(run_import(two_camps(tmp_path))[0].splitlines()[-1])
    out = io.StringIO()
    call_command("opinion_groups", str(page_id), stdout=out)
    text = out.getvalue()
    assert "14 grouped, 0 left out" in text
    assert "2 groups chosen" in text
    assert "group 1: 7 people" in text and "group 2: 7 people" in text


@pytest.mark.django_db
def test_opinion_groups_refuses_what_is_not_there(tmp_path, make_consultation):
    page = make_consultation(questions=["Q"])
    other = make_consultation(questions=["Other Q"])
    cases = [
        ((999999,), "There is no consultation 999999"),
        ((2**63,), f"'{2**63}' is not a consultation id"),
        (("abc",), "'abc' is not a consultation id"),
        (
            (page.pk, "--question", other.questions.get().pk),
            f"has no question {other.questions.get().pk}",
        ),
        ((page.pk, "--question", 2**63), f"has no question {2**63}"),
        ((page.pk, "--question", "x"), "has no question x"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError, match=message):
            call_command("opinion_groups", *[str(arg) for arg in args], stdout=io.StringIO())
