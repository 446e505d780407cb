"""`manage.py import_polis DIR`: a Pol.is open-data export as a new closed
consultation (summaries/polis.py reads it, summaries/polis_import.py writes
it, all or nothing). Progress goes to stderr; the new page's id alone is the
last line on stdout, for scripts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.parse import as_id
from summaries.polis import PolisFormatError, read_export
from summaries.polis_import import ImportRefused, find_parent, import_export


class Command(BaseCommand):
    help = (
        "Import a Pol.is open-data export (a folder with comments.csv, votes.csv or "
        "participants-votes.csv, and optionally summary.csv) as a new closed consultation: "
        "its comments (those moderated out left out), one pseudonymous account per "
        "participant keeping the Pol.is participant id, and their votes as reactions. "
        "Prints the new page's id alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", help="The folder of the export's files.")
        parser.add_argument(
            "--parent",
            metavar="PAGE_ID",
            help="The consultation index page to put it under (default: the site's first).",
        )

    def handle(self, *args, folder, parent=None, **options):
        parent_id = None
        if parent is not None:
            parent_id = as_id(parent)
            if parent_id is None:
                raise CommandError(f"--parent: {parent!r} is not a page id.")
        if not Path(folder).is_dir():
            raise CommandError(f"{folder}: not a folder.")
        try:
            export = read_export(folder)
        except PolisFormatError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            f"read {len(export.comments)} comments, {len(export.votes)} votes, "
            f"{len(export.participants)} participants"
        )
        try:
            page = import_export(export, parent=find_parent(parent_id), progress=self.stderr.write)
        except ImportRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(page.pk))
