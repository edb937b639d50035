"""Alarm runbooks: one page per CloudWatch alarm, in `runbooks/alarms/<alarm-name>.md`.

A runbook starts with front matter and has the same sections in the same order:

```markdown
---
title: High API error rate
alarms: [high-api-error-rate]
service: api
severity: SEV1
owner: backend
escalation: standard
dashboards: [overview]
last_reviewed: 2026-11-20
review_interval_days: 90
---

# High API error rate

{{ first_five_minutes() }}

## Summary
## Impact
## Diagnosis
## Mitigation
## Escalation
## Verification
## Rollback
## Related
```

This module reads and checks them without MkDocs, for `busdocs check` and `busdocs runbook`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pydantic import Field, ValidationError

from busdocs.errors import Problem
from busdocs.data.models.base import Model, Slug
from busdocs.data.yamlio import format_path, parse_yaml

ALARMS_DIR = Path("runbooks") / "alarms"
SECTIONS = ("Summary", "Impact", "Diagnosis", "Mitigation", "Escalation", "Verification", "Rollback", "Related")
"""The fixed sections of every runbook, in order."""


class RunbookMeta(Model):
    """Front matter of an alarm runbook."""

    title: str
    alarms: list[Slug] = Field(min_length=1)
    """CloudWatch alarm names this runbook answers (they must exist in `data/monitoring.yml`)."""
    service: str
    severity: str = Field(pattern=r"^SEV[1-3]$")
    owner: Slug
    """Team id from `data/oncall.yml`."""
    escalation: Slug
    """Escalation policy id from `data/oncall.yml`."""
    dashboards: list[Slug] = Field(min_length=1)
    """Ids of dashboards in `data/monitoring.yml` (their names differ per environment)."""
    last_reviewed: date
    review_interval_days: int = Field(gt=0, le=365)
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    verified: bool = False
    """True once every production value the runbook shows was checked against the account:
    `busdocs check` then fails on any unverified production value it shows (file, line, value)."""


@dataclass(slots=True)
class Runbook:
    """A parsed runbook: where it is, its front matter and its sections."""

    path: Path
    """Repository path, e.g. `runbooks/alarms/high-api-error-rate.md`."""
    meta: RunbookMeta
    body: str
    """The Markdown after the front matter."""
    sections: dict[str, str] = field(default_factory=dict)
    """Section title → its Markdown, in page order."""
    body_line: int = 1
    """The file's line where `body` starts."""

    def line_of(self, text: str) -> int | None:
        """The file's line of the first occurrence of `text` in the body."""
        at = self.body.find(text)
        return None if at < 0 else self.body_line + self.body.count("\n", 0, at)

    @property
    def name(self) -> str:
        return self.path.stem

    def review_due(self) -> date:
        return self.meta.last_reviewed + timedelta(days=self.meta.review_interval_days)

    def review_overdue(self, today: date) -> bool:
        return today > self.review_due()


_FRONT = re.compile(r"\A---\n(.*?\n)---\n", re.S)
_H2 = re.compile(r"^## +(.+?)\s*(?:\{[^}]*\})?\s*$", re.M)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter YAML or None, body, line number where the body starts)."""
    match = _FRONT.match(text)
    if not match:
        return None, text, 1
    return match.group(1), text[match.end():], match.group(0).count("\n") + 1


def split_sections(body: str) -> list[tuple[str, int, str]]:
    """`(title, line, markdown)` for every `## ` section of `body` (lines relative to the body)."""
    found = list(_H2.finditer(body))
    out = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(body)
        out.append((match.group(1).strip(), body.count("\n", 0, match.start()) + 1,
                    body[match.end():end].strip("\n")))
    return out


def parse_runbook(path: Path, shown: Path) -> tuple[Runbook | None, list[Problem]]:
    """Read one runbook; every problem names the file, the line and the field."""
    text = path.read_text(encoding="utf-8")
    front, body, body_line = split_front_matter(text)
    if front is None:
        return None, [Problem(shown, 1, "front matter", "a runbook starts with front matter between '---' lines")]
    loaded = parse_yaml(front, shown)
    problems = [Problem(p.file, (p.line or 0) + 1 or None, p.field, p.message) for p in loaded.problems]
    if loaded.data is None:
        return None, problems
    try:
        meta = RunbookMeta.model_validate(loaded.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            line = loaded.lines.line_of(loc)
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "required field is missing"
            elif error["type"] == "extra_forbidden":
                message = "unknown field"
            elif not isinstance(error.get("input"), dict | list):
                message += f" (got {error['input']!r})"
            problems.append(Problem(shown, line + 1 if line else 1, format_path(loc), message))
        return None, problems
    sections = split_sections(body)
    head = body[:_H2.search(body).start()] if _H2.search(body) else body
    if "first_five_minutes()" not in head:
        title = re.search(r"^# ", body, re.M)
        line = body_line + (body.count("\n", 0, title.start()) if title else 0)
        problems.append(Problem(shown, line, "first_five_minutes",
                                "every alarm runbook starts with the first-five-minutes box: put "
                                "{{ first_five_minutes() }} right below its title, before the first section"))
    titles = [t for t, _, _ in sections]
    for expected in SECTIONS:
        if expected not in titles:
            problems.append(Problem(shown, None, f"section {expected!r}",
                                    f"missing; every runbook has: {', '.join(SECTIONS)}"))
    present = [t for t in titles if t in SECTIONS]
    if not problems and present != list(SECTIONS):
        problems.append(Problem(shown, None, "sections", f"out of order: expected {', '.join(SECTIONS)}"))
    for title, line, markdown in sections:
        if title in SECTIONS and not markdown.strip():
            problems.append(Problem(shown, body_line + line - 1, f"section {title!r}", "is empty"))
    runbook = Runbook(shown, meta, body, {t: m for t, _, m in sections}, body_line)
    return runbook, problems


NOT_AFFECTED = re.compile(
    r"\b(?:none yet|nothing yet|usually none|no (?:user|visible) impact|nothing is down|none directly visible|"
    r"(?<!that )(?:users|students|riders|drivers) (?:are|is) (?:not |not yet |un)affected|"
    r"(?<!that )(?:users|students|nobody) (?:do|does|will) not (?:yet )?notice)\b", re.I)
"""How an Impact section says that users are not affected (yet): fine for an alarm that waits for the
next working day, a contradiction for one that pages at night."""


def paging_problems(rb: Runbook, alarm: object, severity: object, impact_field: Problem) -> list[Problem]:
    """The paging policy agrees with the severity matrix and with the runbook: an alarm whose severity
    pages at any hour is one users notice (`impact: users` in data/monitoring.yml), and its runbook's
    Impact section does not say they are not affected yet.

    Args:
        impact_field: Where the alarm's `impact` is in data/monitoring.yml (file, line, field; the
            message is replaced).
    """
    problems: list[Problem] = []
    if not getattr(severity, "page"):
        return problems
    sev = getattr(alarm, "severity")
    if getattr(alarm, "impact") != "users":
        problems.append(Problem(impact_field.file, impact_field.line, impact_field.field,
                                f"{getattr(alarm, 'name')!r} is {sev}, which pages at any hour, but its impact is "
                                f"'none-yet': an alarm users do not notice yet waits for the next working day "
                                "(a severity without page: true), or says impact: users"))
    impact = rb.sections.get("Impact", "")
    if match := NOT_AFFECTED.search(impact):
        at = rb.body.find("## Impact")
        line = rb.body_line + rb.body.count("\n", 0, at + rb.body[at:].find(match.group(0))) if at >= 0 else None
        problems.append(Problem(rb.path, line, "section 'Impact'",
                                f"says {match.group(0)!r} (users not affected yet) but {sev} pages on-call at any "
                                "hour: lower the alarm's severity in data/monitoring.yml (and the front matter), "
                                "or say how users are affected"))
    return problems


def load_runbooks(root: Path) -> tuple[list[Runbook], list[Problem]]:
    """Every runbook under `root/runbooks/alarms`, with the problems found in them."""
    runbooks, problems = [], []
    folder = root / ALARMS_DIR
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        if path.name == "index.md":
            continue
        runbook, found = parse_runbook(path, ALARMS_DIR / path.name)
        problems += found
        if runbook is not None:
            runbooks.append(runbook)
    return runbooks, problems


def cross_check(runbooks: list[Runbook], data: object) -> list[Problem]:
    """Both ways: every alarm has a runbook; every runbook names existing alarms, teams, policies."""
    from busdocs.data.loader import DataSet

    assert isinstance(data, DataSet)
    mon, oc = data.monitoring, data.oncall
    alarms = {a.name: a for a in mon.alarms}
    severities = {s.id for s in mon.severities}
    teams = {t.id for t in oc.teams}
    policies = {p.id for p in oc.escalation_policies}
    dashboards = {d.id for d in mon.dashboards}
    problems: list[Problem] = []
    covered: set[str] = set()
    for rb in runbooks:
        meta = rb.meta
        if rb.name not in meta.alarms:
            problems.append(Problem(rb.path, None, "alarms",
                                    f"a runbook is named after its alarm: {rb.name!r} is not in its alarms list"))
        for i, name in enumerate(meta.alarms):
            if name not in alarms:
                problems.append(Problem(rb.path, None, f"alarms[{i}]", f"no alarm {name!r} in data/monitoring.yml"))
        if rb.name in alarms and rb.name in meta.alarms:
            covered.add(rb.name)  # one URL per alarm: only the file named after it covers it
        if meta.severity not in severities:
            problems.append(Problem(rb.path, None, "severity", f"unknown severity {meta.severity!r}"))
        elif meta.alarms[0] in alarms and alarms[meta.alarms[0]].severity != meta.severity:
            problems.append(Problem(rb.path, None, "severity", f"{meta.severity} differs from the alarm's "
                                    f"{alarms[meta.alarms[0]].severity} in data/monitoring.yml"))
        for name in meta.alarms:
            found = alarms.get(name)
            for field_name in ("threshold_reason", "baseline") if found is not None else ():
                if not getattr(found, field_name):
                    index = next(i for i, a in enumerate(mon.alarms) if a.name == name)
                    problems.append(data.problem("monitoring", ("alarms", index, "name"), f"alarm {name!r} has no "
                                                 f"{field_name}: every runbook's facts show why the threshold is "
                                                 "where it is and the metric's normal value"))
        if meta.alarms[0] in alarms and meta.severity in severities:
            index = next(i for i, a in enumerate(mon.alarms) if a.name == meta.alarms[0])
            severity = next(s for s in mon.severities if s.id == alarms[meta.alarms[0]].severity)
            problems += paging_problems(rb, alarms[meta.alarms[0]], severity,
                                        data.problem("monitoring", ("alarms", index, "impact"), ""))
        if meta.owner not in teams:
            problems.append(Problem(rb.path, None, "owner", f"no team {meta.owner!r} in data/oncall.yml"))
        if meta.escalation not in policies:
            problems.append(Problem(rb.path, None, "escalation",
                                    f"no escalation policy {meta.escalation!r} in data/oncall.yml"))
        for i, board in enumerate(meta.dashboards):
            if board not in dashboards:
                problems.append(Problem(rb.path, None, f"dashboards[{i}]", f"no dashboard {board!r} in "
                                        "data/monitoring.yml"))
    for i, alarm in enumerate(mon.alarms):
        if alarm.name not in covered:
            problems.append(data.problem("monitoring", ("alarms", i, "name"),
                                         f"alarm {alarm.name!r} has no runbook (write {ALARMS_DIR}/{alarm.name}.md)"))
    return problems


def overdue_reviews(runbooks: list[Runbook], today: date) -> list[Runbook]:
    """Runbooks past their review interval, most overdue first."""
    return sorted((rb for rb in runbooks if rb.review_overdue(today)), key=lambda rb: rb.review_due())
