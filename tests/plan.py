"""Read the launch plan's checklists straight from its Markdown, to count them against the data."""

from __future__ import annotations

import re
from pathlib import Path

PLAN = Path(__file__).resolve().parent.parent / "plan" / "phase-8-deployment-launch.md"
GROUPS = {"Key Features / Tasks": "tasks", "Deliverables": "deliverables", "Acceptance Criteria": "acceptance",
          "Production Readiness Checklist": "readiness", "Post-Launch Activities": "post-launch"}


def plan_sections(path: Path = PLAN) -> list[tuple[str, str, list[str]]]:
    """`(group, section title, item titles)` in the plan's order."""
    sections: list[tuple[str, str, list[str]]] = []
    group = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            group = next((g for key, g in GROUPS.items() if key in line), None)
            if group == "acceptance":
                sections.append((group, "Acceptance criteria", []))
            continue
        if line.startswith("### ") and group and group != "acceptance":
            sections.append((group, re.sub(r"^\d+\.\s*", "", line[4:]).strip(), []))
            continue
        match = re.match(r"^- \[ \] (.+)$", line) or (re.match(r"^- ✅ (.+)$", line) if group == "deliverables"
                                                       else None)
        if match and group and sections:
            sections[-1][2].append(match.group(1).strip())
    return sections
