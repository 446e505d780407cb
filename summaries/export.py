"""A summary as tables, for the files planners download: the same figures
as the page, in the same order, one table per part. The CSV download is a
ZIP with one file per table (each one header row, then its rows: what a
spreadsheet or a script reads without cutting it apart); the XLSX one sheet
per table, days as date cells and links clickable. Links are absolute
(summaries/summary.py `absolute_url`)."""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from summaries.opendata import safe_cell


@dataclass
class Table:
    name: str
    # The table's file in the ZIP, without ".csv": the same in every language.
    file: str
    headers: list
    rows: list
    # Written in a sheet with no rows, so that no sheet is blank.
    empty: str = ""


class Link(str):
    """A cell holding an address: a hyperlink in the XLSX."""

    __slots__ = ()


def tables(summary, opinion_groups=None):
    """The summary's tables, and the opinion groups' two when
    `opinion_groups` (summaries.opinion_views.SummarySection) is given."""
    extra = opinion_group_tables(opinion_groups) if opinion_groups is not None else []
    p, s, m = summary.participation, summary.stance, summary.moderation
    comment_headers = [
        _("List"), _("Comment"), _("Excerpt"), _("Author"), _("Question or section"),
        _("Agree"), _("Disagree"), _("Pass"), _("Replies"), _("Link"),
    ]  # fmt: skip

    def comment_rows(label, refs):
        return [
            [label, r.id, r.excerpt, r.author, r.anchor, r.agree, r.disagree, r.passes,
             r.replies, Link(r.url) if r.url else ""]
            for r in refs
        ]  # fmt: skip

    named = (
        comment_rows(_("Most agreed"), summary.most_agreed)
        + comment_rows(_("Most divisive"), summary.most_divisive)
        + comment_rows(_("Broad agreement"), summary.broad_agreement)
    )
    for anchor in summary.anchors:
        named += comment_rows(anchor.label, anchor.representative)
    for theme in summary.themes:
        named += comment_rows(theme.name, theme.examples)
    return [
        Table(
            _("Overview"),
            "overview",
            [_("Figure"), _("Value")],
            [
                [_("Comments"), p.comments],
                [_("Replies"), p.replies],
                [_("People who commented"), p.commenters],
                [_("People who took part"), p.participants],
                [_("Reactions"), p.reactions],
                [_("Agree"), s.agree],
                [_("Disagree"), s.disagree],
                [_("Pass"), s.passes],
                [_("Comments with broad agreement"), s.broadly_agreed],
                [_("Flags"), m.flags],
                [_("Flagged comments"), m.flagged],
                [_("Held for review"), m.held],
                [_("Hidden"), m.hidden],
                [_("Removed"), m.removed],
                [_("Deleted by their authors"), m.deleted],
            ],
        ),
        Table(
            _("Per day"),
            "daily",
            [_("Day"), _("Comments"), _("Replies")],
            [[d.day, d.comments, d.replies] for d in summary.per_day],
            _("The consultation has not opened yet."),
        ),
        Table(
            _("Questions and sections"),
            "questions_and_sections",
            [
                _("Kind"),
                _("Question or section"),
                _("Comments"),
                _("Replies"),
                _("People who commented"),
                _("Agree"),
                _("Disagree"),
                _("Pass"),
            ],
            [
                [
                    _("Question") if a.kind == "question" else _("Section"),
                    a.label,
                    a.comments,
                    a.replies,
                    a.commenters,
                    a.agree,
                    a.disagree,
                    a.passes,
                ]
                for a in summary.anchors
            ],
            _("The consultation has no question or section."),
        ),  # fmt: skip
        Table(
            _("Themes"),
            "themes",
            [_("Theme"), _("Comments")],
            [[theme.name, theme.count] for theme in summary.themes],
            _("No comment has a theme yet."),
        ),
        Table(
            _("Significant terms"),
            "terms",
            [_("Question"), _("Term"), _("Comments"), _("Score")],
            [[_("Whole consultation"), t.text, t.count, round(t.score, 3)] for t in summary.terms]
            + [
                [anchor.label, t.text, t.count, round(t.score, 3)]
                for anchor in summary.questions
                for t in anchor.terms
            ],
            _("No term stands out yet."),
        ),
        Table(
            _("Moderation by reason"),
            "moderation_by_reason",
            [_("Reason"), _("Flags"), _("Flagged comments")],
            [[str(r.label), r.flags, r.comments] for r in m.by_reason],
            _("No comment in these figures was flagged."),
        ),
        Table(
            _("Comments named"),
            "comments",
            comment_headers,
            named,
            _("No published comment yet."),
        ),
        *extra,
    ]


def _why_no_groups(section):
    """Why a scope has no opinion groups to list, in a sentence (None when
    it has some)."""
    view = section.groups
    if section.per_scope_only:
        return _("Opinion groups are computed for the whole consultation and each question only.")
    if view.pending:
        return _("Not computed yet: they are being computed in the background.")
    if view.status == "no_reactions":
        return _("Nobody has reacted to a published comment here yet.")
    if view.status == "too_few_people":
        return _("Too few people reacted to enough comments to form groups.")
    return None


def opinion_group_tables(section):
    """The opinion groups as two tables: their figures (one row each), and
    the comments that represent, bridge or divide them, one row per comment
    and group with that group's reactions (representative comments also get
    a row for the other people placed)."""
    why = _why_no_groups(section)
    view = section.groups
    figures, comments = [], []
    if why is None:
        local = timezone.localtime(view.computed_at)
        figures = [
            [_("Computed at"), local.strftime("%Y-%m-%d %H:%M")],
            [_("Up to date"), _("yes") if view.current else _("no, being updated")],
            [_("People who reacted"), view.participants],
            [_("People in the groups"), view.grouped],
            [_("Left out (too few reactions)"), view.left_out],
            [_("Comments"), view.comments],
            [_("Reactions"), view.reactions],
            [_("Groups"), len(view.groups)],
        ]
        if view.chosen_score is not None and view.status == "groups":
            figures.append([_("Silhouette score"), round(view.chosen_score, 3)])
        figures += [
            [_("Group %(number)s: people") % {"number": g.number}, g.size] for g in view.groups
        ]

        def row(label, group, ref, direction, rate, score):
            return [label, group, ref.id, ref.excerpt, direction, rate.agree, rate.disagree,
                    rate.seen, round(100 * rate.rate), round(score, 3),
                    Link(ref.url) if ref.url else ""]  # fmt: skip

        directions = {"agree": _("agree"), "disagree": _("disagree")}
        for g in view.groups:
            label = _("Group %(number)s: representative") % {"number": g.number}
            for item in g.representative:
                direction = directions[item.direction]
                inside = row(label, str(g.number), item.ref, direction, item.inside, item.score)
                others = _("Others (not %(number)s)") % {"number": g.number}
                outside = row(label, others, item.ref, direction, item.outside, item.score)
                comments += [inside, outside]
        for label, entries in ((_("Bridging"), view.bridging), (_("Divisive"), view.divisive)):
            for entry in entries:
                for rate in entry.groups:
                    if rate is not None:
                        number = str(rate.number)
                        comments.append(row(label, number, entry.ref, "", rate, entry.score))
    return [
        Table(
            _("Opinion groups"),
            "opinion_groups",
            [_("Figure"), _("Value")],
            figures,
            why or "",
        ),
        Table(
            _("Opinion group comments"),
            "opinion_group_comments",
            [
                _("List"),
                _("Group"),
                _("Comment"),
                _("Excerpt"),
                _("The group mostly"),
                _("Agree"),
                _("Disagree"),
                _("Reacted"),
                _("Agree rate (%)"),
                _("Score"),
                _("Link"),
            ],
            comments,
            why or _("No comment represents, bridges or divides the groups."),
        ),
    ]


def _csv(table):
    """One table as CSV: UTF-8 with a byte order mark, which spreadsheets in
    Spanish need to read accents right; one header row, then the rows (a
    table with no rows is its header alone)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([_csv_cell(value) for value in row] for row in table.rows)
    return out.getvalue().encode("utf-8")


def _csv_cell(value):
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def as_zip(summary, opinion_groups=None):
    """A ZIP of one CSV file per table, named by `Table.file`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables(summary, opinion_groups):
            archive.writestr(f"{table.file}.csv", _csv(table))
    return out.getvalue()


def as_xlsx(summary, opinion_groups=None):
    """One sheet per table. Text is written as text (write_string), so no
    comment can become a formula; days as dates, links as hyperlinks. A
    table with no rows gets a line saying why, never a blank sheet."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    italic = workbook.add_format({"italic": True})
    for table in tables(summary, opinion_groups):
        # Sheet names: at most 31 characters, some characters forbidden.
        name = "".join(c for c in table.name if c not in "[]:*?/\\")[:31]
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, table.headers, bold)
        if not table.rows:
            sheet.write_string(1, 0, table.empty, italic)
        for row_number, row in enumerate(table.rows, start=1):
            for column, value in enumerate(row):
                _write(sheet, row_number, column, value, day)
        sheet.freeze_panes(1, 0)
        sheet.autofit()
    workbook.close()
    return out.getvalue()


def _write(sheet, row, column, value, day):
    if isinstance(value, Link):
        # write_url refuses an address it cannot store (over 2,079
        # characters); the text then stays, unlinked.
        if sheet.write_url(row, column, value, string=value) >= 0:
            return
        sheet.write_string(row, column, value)
    elif isinstance(value, str):
        sheet.write_string(row, column, value)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, day)
    else:
        sheet.write_number(row, column, value)
