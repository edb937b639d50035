"""Launch readiness computed from `data/launch.yml`: progress, gates, overdue items, owners.

Pure functions over the models; the dashboard page, `busdocs status` and the CI gates use them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from busdocs.data.models.infrastructure import Infrastructure
from busdocs.data.models.launch import Gate, Item, Launch, Section
from busdocs.data.models.verification import CHECK_COMMANDS, CHECKS, Verification

CLOSED = frozenset({"done", "waived"})
"""Statuses that let a gate pass."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Done items of a section (or of everything) out of its total."""

    id: str
    title: str
    done: int
    total: int
    waived: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass(frozen=True, slots=True)
class GateStatus:
    """A gate's verdict and the items that keep it closed."""

    gate: Gate
    blocking: tuple[Item, ...]
    unverified: tuple[str, ...] = ()
    """Resources the gate needs verified that are not (`production: database`)."""
    unchecked: tuple[str, ...] = ()
    """Checks against the account the gate needs passed that have not (`production: busdocs alarms
    check did not pass on 2026-12-01 …`)."""

    @property
    def ready(self) -> bool:
        return not self.blocking and not self.unverified and not self.unchecked


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An item with its effective owner and due date (inherited from its section)."""

    section: Section
    item: Item
    owner: str
    due: date


def effective(section: Section, item: Item) -> OpenItem:
    """The item with its section's owner and due date filled in."""
    return OpenItem(section, item, item.owner or section.owner, item.due or section.due)


def section_progress(section: Section) -> Progress:
    done = sum(1 for i in section.items if i.status == "done")
    waived = sum(1 for i in section.items if i.status == "waived")
    return Progress(section.id, section.title, done, len(section.items), waived)


def overall_progress(launch: Launch, group: str | None = None) -> Progress:
    """Progress of every item, or of one group (`tasks`, `readiness`, …)."""
    sections = [s for s in launch.sections if group is None or s.group == group]
    done = sum(section_progress(s).done for s in sections)
    total = sum(len(s.items) for s in sections)
    return Progress(group or "all", group or "All items", done, total)


def gate_items(launch: Launch, gate: Gate) -> list[Item]:
    """The items a gate covers: all items of its sections, then its single items (no repeats)."""
    by_id = {i.id: i for _, i in launch.items()}
    chosen: dict[str, Item] = {}
    for section in launch.sections:
        if section.id in gate.sections:
            chosen.update((i.id, i) for i in section.items)
    for item_id in gate.items:
        if item_id in by_id:
            chosen.setdefault(item_id, by_id[item_id])
    return list(chosen.values())


def unverified_resources(infra: Infrastructure | None, environments: list[str]) -> tuple[str, ...]:
    """`<environment>: <resource>` for every resource of `environments` still `status: unverified`
    (every one, when the infrastructure is not known: a gate never passes by missing data)."""
    if infra is None:
        return tuple(f"{env}: infrastructure not loaded" for env in environments)
    found = []
    for env in environments:
        resources = infra.get(env)
        if resources is None:
            found.append(f"{env}: no resources in data/infrastructure.yml")
            continue
        for path, resource in resources.resources():
            if resource.status != "verified":
                name = getattr(resource, "name", None) or getattr(resource, "id", None)
                label = path[0] if len(path) == 1 else f"{path[0]} {name}"
                found.append(f"{env}: {label}")
    return tuple(found)


def unchecked_environments(checks: Verification | None, environments: list[str]) -> tuple[str, ...]:
    """Why `busdocs alarms check` and `busdocs infra verify` do not count as passed for each of
    `environments` (data/verification.yml): never run, failed, or run against another endpoint than
    AWS. Without the record every check counts as not passed."""
    found = []
    for env in environments:
        for check in CHECKS:
            command = CHECK_COMMANDS[check]
            run = checks.run(env, check) if checks is not None else None  # type: ignore[arg-type]
            if run is None:
                found.append(f"{env}: {command} has not been run against the account")
            elif not run.passed:
                found.append(f"{env}: {command} did not pass on {run.date:%Y-%m-%d %H:%M} UTC "
                             f"({len(run.problems)} problems)")
            elif not run.against_aws:
                found.append(f"{env}: {command} last passed against {run.endpoint}, not AWS")
    return tuple(found)


def gate_status(launch: Launch, gate: Gate, infra: Infrastructure | None = None,
                checks: Verification | None = None) -> GateStatus:
    """Ready only when every item of the gate is done or waived, and, for every environment it needs
    verified (`verified_infrastructure`), every resource is verified and the last `busdocs alarms
    check` and `busdocs infra verify` against that account passed (`checks`, data/verification.yml)."""
    envs = gate.verified_infrastructure
    return GateStatus(gate, tuple(i for i in gate_items(launch, gate) if i.status not in CLOSED),
                      unverified_resources(infra, envs) if envs else (),
                      unchecked_environments(checks, envs) if envs else ())


def overdue(launch: Launch, today: date) -> list[OpenItem]:
    """Open items whose due date has passed, oldest first."""
    found = [effective(s, i) for s, i in launch.items() if i.status not in CLOSED]
    return sorted((o for o in found if o.due < today), key=lambda o: (o.due, o.section.id))


def by_owner(launch: Launch) -> dict[str, list[OpenItem]]:
    """Open items grouped by owner id, in the order owners are listed."""
    groups: dict[str, list[OpenItem]] = defaultdict(list)
    for section, item in launch.items():
        if item.status not in CLOSED:
            entry = effective(section, item)
            groups[entry.owner].append(entry)
    order = [o.id for o in launch.owners]
    return {owner: sorted(groups[owner], key=lambda o: o.due) for owner in order if owner in groups}


def status_report(launch: Launch, infra: Infrastructure | None = None,
                  checks: Verification | None = None) -> dict[str, object]:
    """The machine-readable report of `busdocs status --format json`."""
    return {
        "sections": [
            {"id": p.id, "title": p.title, "done": p.done, "total": p.total}
            for p in map(section_progress, launch.sections)
        ],
        "gates": {
            g.id: {"ready": st.ready, "blocking": [i.id for i in st.blocking], "unverified": list(st.unverified),
                   "unchecked": list(st.unchecked)}
            for g in launch.gates
            for st in [gate_status(launch, g, infra, checks)]
        },
    }
