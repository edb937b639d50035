"""Launch day (`data/launch.yml` `launch_days`) and hypercare (`data/oncall.yml` `hypercare`) as
Markdown for the ops site: the run-of-show hour by hour, the go/no-go calls, the rollback criteria,
the 48-hour roster and the watch list. Dates come from `data/site.yml`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from busdocs.content.ops_reference import table
from busdocs.data.models.launch import Launch, LaunchDay
from busdocs.data.models.oncall import OnCall
from busdocs.data.models.site import Site
from busdocs.errors import BusdocsError


class UnknownLaunchDay(BusdocsError):
    """A page asked for a launch day `data/launch.yml` does not have."""


def _day_text(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def launch_day(launch: Launch, day_id: str) -> LaunchDay:
    for day in launch.launch_days:
        if day.id == day_id:
            return day
    known = ", ".join(d.id for d in launch.launch_days) or "none"
    raise UnknownLaunchDay(f"no launch day {day_id!r} in data/launch.yml (known: {known})")


def launch_date(site: Site, day: LaunchDay) -> date:
    return getattr(site.launch, day.date_of)


def owner_name(launch: Launch, owner_id: str) -> str:
    for owner in launch.owners:
        if owner.id == owner_id:
            return f"{owner.name}, {owner.role}"
    return owner_id


def run_of_show_markdown(launch: Launch, site: Site, day_id: str) -> str:
    """The day's steps, grouped by date, with the go/no-go calls marked; then the rollback criteria
    and how to roll back."""
    day = launch_day(launch, day_id)
    start = launch_date(site, day)
    out = [f"**{day.title}: {_day_text(start)}.** {day.audience} Before the first call, the "
           f"gate *{day.gate}* must be GO on the [launch readiness](../launch-readiness.md) page.\n"]
    for offset in sorted({s.day for s in day.steps}):
        when = start + timedelta(days=offset)
        label = {-1: "The day before", 0: "Launch day", 1: "The day after", 2: "Two days after"}[offset]
        out.append(f"#### {label}: {_day_text(when)} {{ #{day.id}-day{offset + 1} }}\n")
        rows = []
        for s in sorted((s for s in day.steps if s.day == offset), key=lambda s: s.at):
            what = s.what.strip()
            call = f"**GO/NO-GO**: go only if {s.decision.strip()}" if s.decision else "—"
            rows.append((s.at, owner_name(launch, s.who), what, call))
        out.append(table(["Time", "Who", "What", "Go/no-go"], rows))
        out.append("")
    out.append(f"#### Roll back if {{ #{day.id}-rollback-criteria }}\n")
    out.append("Any one of these, and the launch owner rolls back without waiting for the next call:\n")
    out += [f"- {c.strip()}" for c in day.rollback_criteria]
    out.append(f"\n#### How to roll back {{ #{day.id}-rollback }}\n")
    out += [f"{n}. {step.strip()}" for n, step in enumerate(day.rollback, 1)]
    return "\n".join(out) + "\n"


def decisions_markdown(launch: Launch, site: Site) -> str:
    """Every go/no-go call of every launch day, in time order: when, who, what must hold."""
    rows = []
    for day in launch.launch_days:
        start = launch_date(site, day)
        for s in day.steps:
            if s.decision:
                when = datetime.combine(start + timedelta(days=s.day), datetime.strptime(s.at, "%H:%M").time())
                rows.append((when, day.title, owner_name(launch, s.who), s.decision.strip()))
    rows.sort(key=lambda r: r[0])
    return table(["When", "Launch", "Who calls it", "Go only if"],
                 [(f"{w:%a %d %b %H:%M}", d, who, c) for w, d, who, c in rows])


def _person(oncall: OnCall, person_id: str | None) -> str:
    if person_id is None:
        return "— (desk and chat closed)"
    for p in oncall.people:
        if p.id == person_id:
            return f"{p.name}, {p.phone}"
    return person_id


def hypercare_start(oncall: OnCall, site: Site) -> datetime:
    assert oncall.hypercare is not None
    return datetime.combine(site.launch.official_launch, datetime.strptime(oncall.hypercare.start_time, "%H:%M").time())


def hypercare_roster_markdown(oncall: OnCall, site: Site) -> str:
    """The shifts with their dates and times, who watches, who backs up, the desk and the lead."""
    care = oncall.hypercare
    if care is None:
        return "No hypercare roster in `data/oncall.yml` yet."
    start = hypercare_start(oncall, site)
    end = start + timedelta(hours=care.hours)
    rows = []
    for shift in sorted(care.shifts, key=lambda s: s.starts_hour):
        a = start + timedelta(hours=shift.starts_hour)
        b = a + timedelta(hours=shift.hours)
        rows.append((f"{a:%a %d %b %H:%M} – {b:%a %H:%M}", _person(oncall, shift.primary),
                     _person(oncall, shift.secondary), _person(oncall, shift.desk), _person(oncall, shift.lead)))
    head = (f"Hypercare runs **{care.hours} hours**, from {start:%A %d %B %Y %H:%M} to {end:%A %d %B %H:%M} "
            f"(Pakistan time). The team posts every check in `{care.channel}`; check-ins at {care.check_in}.\n")
    return head + "\n" + table(["Shift", "Watching (primary)", "Second engineer", "Help-desk lead", "Decides (rollback, declare)"],
                               rows) + "\n"


def hypercare_watch_markdown(oncall: OnCall) -> str:
    care = oncall.hypercare
    if care is None:
        return "No watch list in `data/oncall.yml` yet."
    return table(["Watch", "Where", "Read every", "Act when", "What to do"],
                 [(f"**{w.what}**", w.where, f"{w.every_minutes} min", w.act_when, w.action) for w in care.watch]) + "\n"
