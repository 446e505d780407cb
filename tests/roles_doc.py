"""docs/roles.md's tables as {action: roles allowed}, so that each roles
test can check that it tests exactly what the document promises."""

import re
from pathlib import Path

ROLES_DOC = Path(__file__).resolve().parents[1] / "docs" / "roles.md"


def doc_table(heading, columns):
    """The table under the `## <heading>` section: its header must be
    "action" and `columns`, each row an `action` and one ✔ or ✘ per column."""
    section = ROLES_DOC.read_text().split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["action", *columns], header
    table = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        action = re.match(r"`(\w+)`", cells[0]).group(1)
        marks = cells[1:]
        assert len(marks) == len(columns) and set(marks) <= {"✔", "✘"}, line
        table[action] = {role for role, mark in zip(columns, marks, strict=True) if mark == "✔"}
    return table
