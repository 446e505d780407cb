"""A summary as tables, for the CSV and XLSX files planners download: the
same figures as the page, in the same order, one table per part."""

import csv
import io
from dataclasses import dataclass

import xlsxwriter
from django.utils.translation import gettext as _

from summaries.opendata import safe_cell


@dataclass
class Table:
    name: str
    headers: list
    rows: list


def tables(summary):
    p, s, m = summary.participation, summary.stance, summary.moderation
    comment_headers = [
        _("List"), _("Comment"), _("Excerpt"), _("Author"), _("Question or section"),
        _("Agree"), _("Disagree"), _("Pass"), _("Replies"), _("Link"),
    ]  # fmt: skip

    def comment_rows(label, refs):
        return [
            [label, r.id, r.excerpt, r.author, r.anchor, r.agree, r.disagree, r.passes,
             r.replies, r.url]
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
            [_("Day"), _("Comments"), _("Replies")],
            [[d.day.isoformat(), d.comments, d.replies] for d in summary.per_day],
        ),
        Table(
            _("Questions and sections"),
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
        ),  # fmt: skip
        Table(
            _("Themes"),
            [_("Theme"), _("Comments")],
            [[theme.name, theme.count] for theme in summary.themes],
        ),
        Table(
            _("Significant terms"),
            [_("Question"), _("Term"), _("Comments"), _("Score")],
            [[_("Whole consultation"), t.text, t.count, round(t.score, 3)] for t in summary.terms]
            + [
                [anchor.label, t.text, t.count, round(t.score, 3)]
                for anchor in summary.questions
                for t in anchor.terms
            ],
        ),
        Table(
            _("Moderation by reason"),
            [_("Reason"), _("Flags"), _("Flagged comments")],
            [[str(r.label), r.flags, r.comments] for r in m.by_reason],
        ),
        Table(_("Comments named"), comment_headers, named),
    ]


def as_csv(summary):
    """Every table one after another: its name, its headers, its rows and an
    empty line. UTF-8 with a byte order mark, which spreadsheets in Spanish
    need to read accents right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for table in tables(summary):
        writer.writerow([table.name])
        writer.writerow(table.headers)
        writer.writerows([safe_cell(value) for value in row] for row in table.rows)
        writer.writerow([])
    return out.getvalue().encode("utf-8")


def as_xlsx(summary):
    """One sheet per table. Text is written as text (write_string), so no
    comment can become a formula."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    for table in tables(summary):
        # Sheet names: at most 31 characters, some characters forbidden.
        name = "".join(c for c in table.name if c not in "[]:*?/\\")[:31]
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, table.headers, bold)
        for row_number, row in enumerate(table.rows, start=1):
            for column, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(row_number, column, value)
                else:
                    sheet.write_number(row_number, column, value)
        sheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()
