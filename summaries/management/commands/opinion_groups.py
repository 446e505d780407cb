"""`manage.py opinion_groups CONSULTATION_ID [--question ID] [--json]`: the
opinion groups computed now (summaries.opinions.compute), not the stored
ones, for operators and to compare with Pol.is's own groups.

`manage.py opinion_groups --stale`: the scheduler's safety net
(core/scheduled.py): recompute and store the groups of every consultation
whose stored ones are behind its cursor (a refresh task lost)."""

import json

from django.core.management.base import BaseCommand, CommandError

from consultations.models import ConsultationPage
from core.parse import as_id
from summaries.models import WHOLE_CONSULTATION, ImportedParticipant
from summaries.opinions import compute, refresh, stale_consultation_ids


class Command(BaseCommand):
    help = (
        "Compute a consultation's opinion groups now and print them. With --json, one JSON "
        'object: the stored analysis plus "participants": {key: group number or null '
        "(left out of the grouping)}, where key is the Pol.is participant id for accounts "
        "made by import_polis and the account's user id otherwise. The group membership "
        "printed here is never shown on the site: keep the output private."
    )

    def add_arguments(self, parser):
        parser.add_argument("consultation", metavar="CONSULTATION_ID", nargs="?")
        parser.add_argument(
            "--stale",
            action="store_true",
            help="Instead: recompute and store the groups of every consultation whose "
            "stored groups are behind its comments and reactions.",
        )
        parser.add_argument(
            "--question",
            metavar="ID",
            help="One question of the consultation (default: the whole consultation).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, consultation=None, question=None, **options):
        if options["stale"]:
            if consultation is not None:
                raise CommandError("Give a consultation id or --stale, not both.")
            stale = stale_consultation_ids()
            for stale_id in stale:
                refresh(stale_id)
            self.stdout.write(f"{len(stale)} consultations' opinion groups recomputed.")
            return
        if consultation is None:
            raise CommandError("Give a consultation id (or --stale).")
        consultation_id = as_id(consultation)
        if consultation_id is None:
            raise CommandError(f"{consultation!r} is not a consultation id.")
        page = ConsultationPage.objects.filter(pk=consultation_id).first()
        if page is None:
            raise CommandError(f"There is no consultation {consultation}.")
        scope = WHOLE_CONSULTATION
        if question is not None:
            scope = as_id(question)
            if scope is None or not page.questions.filter(pk=scope).exists():
                raise CommandError(f"Consultation {page.pk} has no question {question}.")
        analysis = compute(page, scope)
        if options["json"]:
            self.stdout.write(self._json(page, analysis))
        else:
            self.stdout.write(self._summary(page, analysis))

    def _json(self, page, analysis):
        polis_ids = dict(
            ImportedParticipant.objects.filter(consultation=page).values_list("user_id", "polis_id")
        )
        data = analysis.to_json()
        data["participants"] = {
            str(polis_ids.get(user_id, user_id)): None if group is None else int(group)
            for user_id, group in sorted(analysis.membership.items())
        }
        return json.dumps(data, ensure_ascii=False)

    def _summary(self, page, analysis):
        data = analysis.to_json()
        lines = [f"{page.title} ({page.pk}): {data['status']}"]
        lines.append(
            f"{data['participants']} participants, {data['grouped']} grouped, "
            f"{data['left_out']} left out; {data['comments']} comments, "
            f"{data['reactions']} reactions"
        )
        chosen = data.get("rule", {}).get("chosen")
        if chosen:
            lines.append(f"{chosen} groups chosen")
        for group in data.get("groups", []):
            lines.append(f"  group {group['number']}: {group['size']} people")
        for kind in ("bridging", "divisive"):
            if data.get(kind):
                ids = ", ".join(str(item["comment"]) for item in data[kind])
                lines.append(f"{kind}: {ids}")
        return "\n".join(lines)
