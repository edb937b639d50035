"""The launch readiness dashboard as Markdown and plain HTML: readable without JavaScript."""

from __future__ import annotations

from typing import Any

from datetime import date
from html import escape

from busdocs.data.models.launch import Launch
from busdocs.content.readiness import (
    OpenItem,
    Progress,
    by_owner,
    effective,
    gate_items,
    gate_status,
    overall_progress,
    overdue,
    section_progress,
)

GROUP_TITLES = {"tasks": "Task sections", "deliverables": "Deliverables", "acceptance": "Acceptance criteria",
                "readiness": "Production readiness checklist", "post-launch": "Post-launch activities"}
OPEN_LIST_LIMIT = 10
"""A NO-GO banner with more blocking items than this is folded (a <details>, no script needed)."""
STATUS_LABELS = {"todo": "to do", "in_progress": "in progress", "done": "done", "blocked": "blocked",
                 "waived": "waived"}


def bar(progress: Progress) -> str:
    """A progress bar that needs no script: a sized block with its figures as text."""
    pct = progress.percent
    label = f"{progress.done}/{progress.total} done ({pct} %)"
    return (f'<span class="busdocs-bar" role="img" aria-label="{escape(label)}">'
            f'<span class="busdocs-bar__fill" style="width: {pct}%"></span></span> {escape(label)}')


def _owner_name(launch: Launch, owner_id: str) -> str:
    return next((o.name for o in launch.owners if o.id == owner_id), owner_id)


def _item_row(launch: Launch, entry: OpenItem, today: date) -> str:
    item = entry.item
    late = " **overdue**" if entry.due < today else ""
    extra = f" — blocked by: {item.blocked_by}" if item.status == "blocked" else ""
    return (f"| `{item.id}` | {escape(item.title)}{extra} | {STATUS_LABELS[item.status]} | "
            f"{escape(_owner_name(launch, entry.owner))} | {entry.due.isoformat()}{late} |")


def _table(launch: Launch, entries: list[OpenItem], today: date) -> str:
    rows = ["| Item | Title | Status | Owner | Due |", "|---|---|---|---|---|"]
    rows += [_item_row(launch, e, today) for e in entries]
    return "\n".join(rows)


def gates_markdown(launch: Launch, today: date, infra: Any = None, checks: Any = None) -> str:
    """One GO / NO-GO banner per gate, listing exactly what blocks it."""
    blocks = []
    sections = {s.id: s for s in launch.sections}
    section_of = {i.id: s for s, i in launch.items()}
    for gate in launch.gates:
        status = gate_status(launch, gate, infra, checks)
        total = len(gate_items(launch, gate))
        if status.ready:
            blocks.append(f'!!! success "GO — {gate.title}"\n\n    {gate.description} All {total} items are '
                          "done or waived.\n")
            continue
        entries = [effective(section_of[i.id], i) for i in status.blocking]
        table = _table(launch, entries, today).replace("\n", "\n    ") if entries else ""
        covered = ", ".join(sections[s].title for s in gate.sections if s in sections)
        scope = f" Covers: {covered}." if covered else ""
        unverified = (f"\n\n    **{len(status.unverified)} resources not verified against the account** "
                      f"(`status: unverified` in `data/infrastructure.yml`): {', '.join(status.unverified)}."
                      if status.unverified else "")
        unverified += (f"\n\n    **{len(status.unchecked)} checks against the account have not passed** "
                       f"(`data/verification.yml`): {'; '.join(status.unchecked)}." if status.unchecked else "")
        # Short lists stay open; long ones fold so every banner is visible at a glance.
        fold = "???+" if len(status.blocking) <= OPEN_LIST_LIMIT else "???"
        extra = f", {len(status.unverified)} resources unverified" if status.unverified else ""
        extra += f", {len(status.unchecked)} account checks not passed" if status.unchecked else ""
        blocks.append(f'{fold} failure "NO-GO — {gate.title}: {len(status.blocking)} of {total} items open{extra}"\n\n'
                      f"    {gate.description}{scope}{unverified}\n\n    {table}\n")
    return "\n".join(blocks)


def progress_markdown(launch: Launch) -> str:
    """Overall progress, then a table of sections with bars, per group."""
    out = [f"**Overall:** {bar(overall_progress(launch))}\n"]
    for group, title in GROUP_TITLES.items():
        sections = [s for s in launch.sections if s.group == group]
        if not sections:
            continue
        out.append(f"### {title}\n")
        out.append(f"{bar(overall_progress(launch, group))}\n")
        out.append("| Section | Progress | Owner | Due |\n|---|---|---|---|")
        for section in sections:
            out.append(f"| {escape(section.title)} | {bar(section_progress(section))} | "
                       f"{escape(_owner_name(launch, section.owner))} | {section.due.isoformat()} |")
        out.append("")
    return "\n".join(out)


def overdue_markdown(launch: Launch, today: date) -> str:
    late = overdue(launch, today)
    if not late:
        return f"No open item is past its due date (as of {today.isoformat()})."
    return f"{len(late)} open items are past their due date (as of {today.isoformat()}).\n\n" + _table(
        launch, late, today)


def owners_markdown(launch: Launch, today: date) -> str:
    out = []
    for owner_id, entries in by_owner(launch).items():
        owner = next(o for o in launch.owners if o.id == owner_id)
        late = sum(1 for e in entries if e.due < today)
        summary = f"{owner.name}, {owner.role}: {len(entries)} open" + (f", {late} overdue" if late else "")
        table = _table(launch, entries, today).replace("\n", "\n    ")
        out.append(f'??? note "{escape(summary)}"\n\n    {table}\n')
    return "\n".join(out) if out else "Every item is done or waived."


def metrics_markdown(launch: Launch) -> str:
    rows = ["| Metric | Kind | Target | Source | Review |", "|---|---|---|---|---|"]
    for m in launch.metrics:
        rows.append(f"| {escape(m.name)} | {m.kind} | {escape(m.target_text)} | {escape(m.source)} | "
                    f"{escape(m.review)} |")
    return "\n".join(rows)
