"""Terminal output: tables and bars that fit an 80-column terminal and a CI log."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from busdocs.data.models.launch import Launch
from busdocs.content.readiness import GateStatus, effective, gate_status, overall_progress, section_progress


def console() -> Console:
    """A console that wraps to the terminal, or to 100 columns when output is not a terminal."""
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=100, no_color=True)
    return out


def text_bar(percent: int, width: int = 20) -> str:
    filled = round(width * percent / 100)
    return "█" * filled + "░" * (width - filled)


def print_status(launch: Launch, infra: Any = None, checks: Any = None) -> None:
    """Section, done/total and a bar for every section, then the gates."""
    out = console()
    table = Table(title="Launch readiness", title_justify="left", expand=False)
    table.add_column("Section", overflow="fold")
    table.add_column("Done", justify="right")
    table.add_column("Progress", no_wrap=True)
    for section in launch.sections:
        p = section_progress(section)
        table.add_row(section.title, f"{p.done}/{p.total}", f"{text_bar(p.percent)} {p.percent:3d} %")
    total = overall_progress(launch)
    table.add_section()
    table.add_row("All items", f"{total.done}/{total.total}", f"{text_bar(total.percent)} {total.percent:3d} %")
    out.print(table)
    for gate in launch.gates:
        st = gate_status(launch, gate, infra, checks)
        open_ = f"{len(st.blocking)} open" + (f", {len(st.unverified)} unverified resources" if st.unverified else "") \
            + (f", {len(st.unchecked)} account checks not passed" if st.unchecked else "")
        verdict = "GO" if st.ready else f"NO-GO ({open_})"
        out.print(f"gate {gate.id}: {verdict}")


def print_gate(launch: Launch, status: GateStatus) -> None:
    """A gate's verdict, then every item that blocks it."""
    out = console()
    if status.ready:
        out.print(f"gate {status.gate.id}: GO — every item is done or waived")
        return
    section_of = {i.id: s for s, i in launch.items()}
    owners = {o.id: o.name for o in launch.owners}
    out.print(f"gate {status.gate.id}: NO-GO — {len(status.blocking)} items block it"
              + (f", and {len(status.unverified)} resources are not verified against the account"
                 if status.unverified else "")
              + (f", and {len(status.unchecked)} account checks have not passed" if status.unchecked else ""))
    if status.unverified:
        out.print("unverified (data/infrastructure.yml, status: unverified): " + ", ".join(status.unverified))
    if status.unchecked:
        out.print("not passed against the account (data/verification.yml): " + "; ".join(status.unchecked))
    if not status.blocking:
        return
    table = Table(show_header=True, expand=False)
    for column in ("Item", "Status", "Owner", "Due"):
        table.add_column(column, overflow="fold")
    for item in status.blocking:
        entry = effective(section_of[item.id], item)
        label = item.status.replace("_", " ") + (f": {item.blocked_by}" if item.blocked_by else "")
        table.add_row(f"{item.id}\n{item.title}", label, owners.get(entry.owner, entry.owner),
                      entry.due.isoformat())
    out.print(table)
