"""Diagrams drawn from data as inline SVG at build time: no Mermaid, no script, no request.

Each diagram is a `<figure>` holding an `<svg role="img">` with a `<title>` and a `<desc>` (its
alt text, read by screen readers and search) and `<text>` elements, so the words can be selected,
found with the browser's search and printed in the PDF handbooks. Layout is a simple flow: a row
(or column) of boxes joined by arrows, with branch boxes hanging off a step.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from html import escape

from busdocs.content.service import CLEARED_BY
from busdocs.data.loader import DataSet

CHAR_W = 7.2
"""Average width of a bold 12 px sans-serif character (generous), for wrapping text into boxes."""
LINE_H = 15


@dataclass
class Box:
    label: str
    note: str = ""
    kind: str = "step"
    """`step` (main flow), `branch` (a failure or exception), `end`, `decision`."""
    branches: list[Box] = field(default_factory=list)


def _lines(text: str, width: float) -> list[str]:
    return textwrap.wrap(text, max(8, int(width / CHAR_W))) or [""]


def _text(x: float, y: float, lines: list[str], cls: str) -> str:
    spans = "".join(f'<tspan x="{x:.0f}" dy="{0 if i == 0 else LINE_H}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text x="{x:.0f}" y="{y:.0f}" class="{cls}" text-anchor="middle">{spans}</text>'


def _box(x: float, y: float, w: float, box: Box) -> tuple[str, float]:
    """SVG of one box at (x, y) of width w; returns (svg, height)."""
    label = _lines(box.label, w - 16)
    note = _lines(box.note, w - 16) if box.note else []
    h = 14 + LINE_H * (len(label) + len(note)) + (4 if note else 0)
    rx = 18 if box.kind == "end" else 6
    parts = [f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="{rx}" class="bd-{box.kind}"/>',
             _text(x + w / 2, y + 19, label, "bd-label")]
    if note:
        parts.append(_text(x + w / 2, y + 19 + LINE_H * len(label) + 4, note, "bd-note"))
    return "".join(parts), h


STYLE = (
    "<style>"
    ".bd-step{fill:#e8eaf6;stroke:#3f51b5;stroke-width:1.5}"
    ".bd-end{fill:#e8f5e9;stroke:#2e7d32;stroke-width:1.5}"
    ".bd-decision{fill:#fff8e1;stroke:#f57f17;stroke-width:1.5}"
    ".bd-branch{fill:#fdecea;stroke:#c62828;stroke-width:1.2;stroke-dasharray:4 2}"
    ".bd-label{font:600 12px system-ui,sans-serif;fill:#1a1a1a}"
    ".bd-note{font:11px system-ui,sans-serif;fill:#333}"
    ".bd-arrow{stroke:#555;stroke-width:1.5;fill:none;marker-end:url(#bd-head)}"
    ".bd-branch-line{stroke:#c62828;stroke-width:1.2;fill:none;stroke-dasharray:4 2}"
    "</style>"
    '<defs><marker id="bd-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
    'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#555"/></marker></defs>'
)


def flow_svg(diagram_id: str, title: str, description: str, steps: list[Box], box_w: float = 150) -> str:
    """A left-to-right flow of `steps`; each step's branches hang below it."""
    gap, margin = 34, 10
    parts, heights, x = [], [], margin
    for i, step in enumerate(steps):
        svg, h = _box(x, margin, box_w, step)
        parts.append(svg)
        heights.append(h)
        x += box_w + gap
    row_h = max(heights)
    bottom = margin + row_h
    for i in range(len(steps) - 1):
        x1 = margin + i * (box_w + gap) + box_w
        y = margin + heights[i] / 2
        parts.append(f'<path d="M{x1:.0f} {y:.0f}H{x1 + gap - 2:.0f}" class="bd-arrow"/>')
    for i, step in enumerate(steps):
        bx = margin + i * (box_w + gap)
        y = margin + row_h + 22
        top = margin + heights[i]
        for branch in step.branches:
            svg, h = _box(bx, y, box_w, branch)
            parts.append(f'<path d="M{bx + box_w / 2:.0f} {top:.0f}V{y:.0f}" class="bd-branch-line"/>')
            parts.append(svg)
            top = y + h
            y += h + 10
        bottom = max(bottom, y)
    width = margin + len(steps) * (box_w + gap) - gap + margin
    return _figure(diagram_id, title, description, width, bottom + margin, "".join(parts))


def ladder_svg(diagram_id: str, title: str, description: str, columns: list[tuple[str, list[Box]]],
               box_w: float = 170) -> str:
    """Columns of boxes top to bottom (an escalation ladder per policy), each headed by its name."""
    margin, gap = 10, 24
    parts, bottom = [], 0.0
    for c, (name, boxes) in enumerate(columns):
        x = margin + c * (box_w + gap)
        parts.append(_text(x + box_w / 2, margin + 14, _lines(name, box_w), "bd-label"))
        y = margin + 14 + LINE_H * len(_lines(name, box_w)) + 6
        prev = None
        for box in boxes:
            if prev is not None:
                parts.append(f'<path d="M{x + box_w / 2:.0f} {prev:.0f}V{y - 2:.0f}" class="bd-arrow"/>')
            svg, h = _box(x, y, box_w, box)
            parts.append(svg)
            prev = y + h
            y += h + 22
        bottom = max(bottom, y)
    width = margin * 2 + len(columns) * (box_w + gap) - gap
    return _figure(diagram_id, title, description, width, bottom, "".join(parts))


def _figure(diagram_id: str, title: str, description: str, width: float, height: float, body: str) -> str:
    # One line, no blank lines: Markdown keeps it as one raw HTML block.
    return (f'<figure class="busdocs-diagram" id="{diagram_id}">'
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="100%" style="max-width:{width:.0f}px" aria-labelledby="{diagram_id}-title {diagram_id}-desc">'
            f'<title id="{diagram_id}-title">{escape(title)}</title><desc id="{diagram_id}-desc">{escape(description)}</desc>'
            f"{STYLE}{body}</svg><figcaption>{escape(title)}</figcaption></figure>")


# ---------------------------------------------------------------- the diagrams, from data


def _rule(data: DataSet, rule_id: str) -> str:
    return next(f"{r.value:g} {r.unit}" if not isinstance(r.value, str) else r.value
                for r in data.service.rules if r.id == rule_id)


def pass_purchase(data: DataSet) -> str:
    window = _rule(data, "payment-window-minutes")
    confirm = _rule(data, "payment-confirmation-minutes")
    failures = {f.id: f for f in data.service.payment_failures}

    def branch(fid: str) -> Box:
        f = failures[fid]
        return Box(f.title, f"Money back: {f.money_back}" if f.charged.startswith("Yes") else f.charged, "branch")

    steps = [
        Box("My pass → Buy a pass", "choose the pass and its first day"),
        Box("Pay with KuickPay", "the app issues a consumer number", branches=[branch("pay-screen-error")]),
        Box("Pay it within " + window, "banking app, JazzCash or Easypaisa",
            branches=[branch("consumer-number-not-found"), branch("bank-declined"), branch("not-enough-balance")]),
        Box("KuickPay confirms", f"within seconds, at most {confirm}",
            branches=[branch("paid-no-pass"), branch("paid-twice")]),
        Box("Pass active", "QR code on My pass, receipt by e-mail", "end"),
    ]
    desc = ("Buying a pass: " + "; then ".join(f"{s.label} ({s.note})" for s in steps) + ". What can go wrong: "
            + "; ".join(f"at '{s.label}': " + ", ".join(b.label for b in s.branches) for s in steps if s.branches) + ".")
    return flow_svg("diagram-pass-purchase", "How buying a pass works, and where it can fail", desc, steps)


def trip_life_cycle(data: DataSet) -> str:
    speed = _rule(data, "start-trip-speed-kmh")
    checklist = _rule(data, "checklist-valid-hours")
    every = _rule(data, "position-interval-seconds")
    buffer = _rule(data, "offline-buffer-hours")
    refusals = [Box(r.message, f"cleared by {CLEARED_BY[r.fixed_by]}", "branch")
                for r in data.service.trip_start_refusals[:5]]
    more = len(data.service.trip_start_refusals) - len(refusals)
    if more > 0:
        refusals.append(Box(f"… and {more} more reasons", "see When a trip will not start", "branch"))
    steps = [
        Box("Shift checklist submitted", f"valid for {checklist}"),
        Box("Start trip", f"stopped (under {speed}), route and departure chosen", "decision", branches=refusals),
        Box("Trip running", f"position every {every}; without signal kept up to {buffer}"),
        Box("End trip at the last stop", "or ended automatically after standing at the last stop", "end"),
    ]
    desc = ("A trip's life cycle: " + "; then ".join(f"{s.label} ({s.note})" for s in steps)
            + ". Start trip is refused when: " + "; ".join(r.label for r in refusals) + ".")
    return flow_svg("diagram-trip-life-cycle", "A trip's life cycle in the driver app", desc, steps, box_w=175)


def escalation_ladder(data: DataSet) -> str:
    people = {p.id: p.name for p in data.oncall.people}
    columns = []
    for policy in data.oncall.escalation_policies:
        boxes = [Box(people.get(s.who, s.who), f"after {s.after_minutes} min unacknowledged" if s.after_minutes
                     else "paged at once", "step" if i else "decision") for i, s in enumerate(policy.steps)]
        columns.append((policy.name, boxes))
    desc = "Escalation ladders. " + " ".join(
        f"{name}: " + ", then ".join(f"{b.label} ({b.note})" for b in boxes) + "." for name, boxes in columns)
    return ladder_svg("diagram-escalation", "Who is paged next when nobody acknowledges", desc, columns)


def deploy_pipeline(data: DataSet) -> str:
    envs = {e.name: e for e in data.environments.environments}
    staging = envs.get("staging")
    production = envs.get("production")
    gates = [g.title for g in data.launch.gates]
    steps = [
        Box("Merge to main", "pull request reviewed, tests green"),
        Box(f"Workflow {staging.deploy_workflow if staging else 'staging'}", "build, migrate, deploy to staging"),
        Box("Staging gate", "smoke tests; busdocs status --gate for launch stages: " + ", ".join(gates), "decision"),
        Box(f"Workflow {production.deploy_workflow if production else 'production'}",
            "blue-green: traffic moves in steps, a migration gate when the release has migrations",
            branches=[Box("Roll back", "same workflow, rollback input: traffic back to the last good release", "branch")]),
        Box("Live", "watched by the alarms and the first-five-minutes checks", "end"),
    ]
    desc = "The deploy pipeline: " + "; then ".join(f"{s.label} ({s.note})" for s in steps) + "."
    return flow_svg("diagram-deploy-pipeline", "From merge to production", desc, steps, box_w=160)


PUBLIC = {"pass-purchase": pass_purchase, "trip-life-cycle": trip_life_cycle}
INTERNAL = {"escalation-ladder": escalation_ladder, "deploy-pipeline": deploy_pipeline}


# ---------------------------------------------------------------- annotated screen mock-ups

PHONE_W, PHONE_H = 250, 470


@dataclass
class Row:
    """One element of a mocked-up screen, top to bottom."""

    kind: str
    """`bar-green`, `bar-grey`, `header`, `label`, `big`, `text`, `muted`, `button`, `button-grey`,
    `button-red`, `link`, `warn`."""
    text: str
    callout: int | None = None
    """The number of the note that explains it."""


ROW_H = {"bar-green": 26, "bar-grey": 26, "header": 34, "label": 20, "big": 34, "text": 20, "muted": 20,
         "button": 40, "button-grey": 40, "button-red": 40, "link": 26, "warn": 36}

MOCK_STYLE = (
    "<style>"
    ".mk-phone{fill:#fff;stroke:#222;stroke-width:3}.mk-screen{fill:#fafafa}"
    ".mk-bar-green{fill:#2e7d32}.mk-bar-grey{fill:#9e9e9e}"
    ".mk-button{fill:#3f51b5}.mk-button-grey{fill:#bdbdbd}.mk-button-red{fill:#c62828}.mk-warn{fill:#fff3e0;stroke:#ef6c00}"
    ".mk-t{font:13px system-ui,sans-serif;fill:#222}.mk-h{font:600 16px system-ui,sans-serif;fill:#111}"
    ".mk-big{font:600 22px ui-monospace,monospace;fill:#111}.mk-muted{font:12px system-ui,sans-serif;fill:#666}"
    ".mk-on{font:600 13px system-ui,sans-serif;fill:#fff}.mk-link{font:13px system-ui,sans-serif;fill:#3f51b5}"
    ".mk-dot{fill:#f57f17}.mk-n{font:700 12px system-ui,sans-serif;fill:#fff}"
    ".mk-note{font:13px system-ui,sans-serif;fill:#222}.mk-lead{stroke:#f57f17;stroke-width:1.2}"
    "</style>"
)


def mockup_svg(mock_id: str, title: str, description: str, rows: list[Row], notes: dict[int, str]) -> str:
    """A phone with `rows` on its screen and numbered notes beside it, each joined by a line to what it
    explains. All words are `<text>`: selectable, searchable, read by screen readers via the description."""
    x0, y0, note_x, note_w = 10, 10, PHONE_W + 70, 300
    parts = [f'<rect x="{x0}" y="{y0}" width="{PHONE_W}" height="{PHONE_H}" rx="26" class="mk-phone"/>',
             f'<rect x="{x0 + 10}" y="{y0 + 34}" width="{PHONE_W - 20}" height="{PHONE_H - 60}" class="mk-screen"/>']
    y = y0 + 36
    anchors: dict[int, float] = {}
    inner_x, inner_w = x0 + 18, PHONE_W - 36
    for row in rows:
        h = ROW_H[row.kind]
        mid = y + h / 2
        if row.kind.startswith("bar"):
            parts.append(f'<rect x="{x0 + 10}" y="{y:.0f}" width="{PHONE_W - 20}" height="{h}" class="mk-{row.kind}"/>')
            parts.append(f'<text x="{x0 + PHONE_W / 2:.0f}" y="{mid + 5:.0f}" class="mk-on" text-anchor="middle">{escape(row.text)}</text>')
        elif row.kind.startswith("button"):
            parts.append(f'<rect x="{inner_x}" y="{y + 4:.0f}" width="{inner_w}" height="{h - 8}" rx="8" class="mk-{row.kind}"/>')
            parts.append(f'<text x="{x0 + PHONE_W / 2:.0f}" y="{mid + 5:.0f}" class="mk-on" text-anchor="middle">{escape(row.text)}</text>')
        elif row.kind == "warn":
            parts.append(f'<rect x="{inner_x}" y="{y + 2:.0f}" width="{inner_w}" height="{h - 4}" rx="4" class="mk-warn"/>')
            for i, line in enumerate(textwrap.wrap(row.text, 34)[:2]):
                parts.append(f'<text x="{inner_x + 6}" y="{y + 15 + i * 14:.0f}" class="mk-muted">{escape(line)}</text>')
        else:
            cls = {"header": "mk-h", "big": "mk-big", "muted": "mk-muted", "link": "mk-link"}.get(row.kind, "mk-t")
            parts.append(f'<text x="{inner_x}" y="{mid + 5:.0f}" class="{cls}">{escape(row.text)}</text>')
        if row.callout is not None:
            anchors[row.callout] = mid
        y += h
    ny = y0 + 20
    for n, note in sorted(notes.items()):
        lines = textwrap.wrap(note, int(note_w / 6.8))
        target = anchors.get(n, ny)
        parts.append(f'<path d="M{x0 + PHONE_W - 14} {target:.0f}L{note_x - 14} {ny + 4:.0f}" class="mk-lead"/>')
        parts.append(f'<circle cx="{note_x - 4}" cy="{ny:.0f}" r="10" class="mk-dot"/>'
                     f'<text x="{note_x - 4}" y="{ny + 4:.0f}" class="mk-n" text-anchor="middle">{n}</text>')
        for i, line in enumerate(lines):
            parts.append(f'<text x="{note_x + 12}" y="{ny + 4 + i * 16:.0f}" class="mk-note">{escape(line)}</text>')
        ny += max(40, 16 * len(lines) + 18)
    height = max(PHONE_H + 2 * y0, ny)
    width = note_x + note_w + 20
    return (f'<figure class="busdocs-diagram busdocs-mockup" id="{mock_id}">'
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height:.0f}" width="100%" '
            f'style="max-width:{width}px" aria-labelledby="{mock_id}-title {mock_id}-desc">'
            f'<title id="{mock_id}-title">{escape(title)}</title><desc id="{mock_id}-desc">{escape(description)}</desc>'
            f"{MOCK_STYLE}{''.join(parts)}</svg><figcaption>{escape(title)}</figcaption></figure>")


def _mock_description(rows: list[Row], notes: dict[int, str]) -> str:
    screen = "; ".join(r.text for r in rows)
    return f"The screen shows, top to bottom: {screen}. Notes: " + " ".join(f"{n}. {t}" for n, t in sorted(notes.items()))


def student_payment_screen(data: DataSet) -> str:
    monthly = next((t for t in data.passes.types if t.id == "monthly"), data.passes.types[0])
    window = data.passes.payment_window_minutes
    price = f"{data.site.university.currency} {monthly.price:,}"
    rows = [Row("header", "Pay with KuickPay"), Row("text", f"{monthly.name} · {price}", 1),
            Row("label", "KuickPay consumer number"), Row("big", "1234 5678 9012 3", 2),
            Row("button", "Copy"), Row("muted", f"{window - 1}:41 left to pay", 3),
            Row("button", "Open banking app", 4), Row("muted", "Waiting for payment", 5),
            Row("link", "Cancel payment")]
    notes = {1: "The bank shows the same amount and University Bus Tracker. A different amount means another number.",
             2: "The consumer number of this checkout (an example here). Tap Copy and paste it in your banking "
                "app under KuickPay; do not type it.",
             3: f"You have {window} minutes from Pay with KuickPay. When the countdown ends the number expires: "
                "tap Start again; nothing was charged.",
             4: "Opens the KuickPay page with the number filled in, on most phones.",
             5: "Changes to Active when KuickPay confirms, usually within seconds. Pull down to refresh."}
    return mockup_svg("mockup-student-payment", "The payment screen of the student app, explained",
                      _mock_description(rows, notes), rows, notes)


def driver_trip_screen(data: DataSet) -> str:
    every = _rule(data, "position-interval-seconds")
    rows = [Row("bar-green", "Sharing location", 1), Row("muted", "R1 Main Campus – Blue Area · 08:15"),
            Row("label", "Next stop"), Row("big", "Zero Point", 2), Row("muted", "then Faizabad, Blue Area"),
            Row("text", "Passes scanned: 12"), Row("button", "Scan pass", 3),
            Row("button-red", "Report", 4), Row("button-grey", "End trip", 5)]
    notes = {1: f"Green: your position is sent every {every}. Amber: no signal, positions are kept and sent later. "
                "Red: location is off, turn it on at the next safe stop.",
             2: "Stops are passed by themselves when the bus comes within 50 m; you tap nothing.",
             3: "Scan passes only while stopped.",
             4: "Breakdown, Accident, Road closed or Passenger incident. Emergencies: call first.",
             5: "At the last stop only; the app asks you to confirm."}
    return mockup_svg("mockup-driver-trip", "The trip screen of the driver app, explained",
                      _mock_description(rows, notes), rows, notes)


def driver_start_refused(data: DataSet) -> str:
    refusal = next(r for r in data.service.trip_start_refusals if r.id == "no-checklist")
    rows = [Row("bar-grey", "Not sharing"), Row("header", "New trip"), Row("label", "Route"),
            Row("text", "R1 Main Campus – Blue Area"), Row("label", "Departure"), Row("text", "08:15 from Main Campus", 1),
            Row("button-grey", "Start trip", 2), Row("warn", refusal.message, 3)]
    notes = {1: "Departures from 30 minutes before now to 20 minutes after their time; one another bus started is grey.",
             2: "Grey: the app will not start the trip.",
             3: "Why, in words. Find the message in the table below: it says what you do and who clears it."}
    return mockup_svg("mockup-driver-refused", "Start trip refused, and where the app says why",
                      _mock_description(rows, notes), rows, notes)


PUBLIC.update({"student-payment-screen": student_payment_screen, "driver-trip-screen": driver_trip_screen,
               "driver-start-refused": driver_start_refused})
