"""`busdocs publish-schedule` (issue 21): what the scheduled builds of the coming days publish or flag,
checked against the functions the build itself uses, on a project copy with dated changes."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from busdocs.cli import main
from busdocs.content import readiness, runbooks
from busdocs.content.schedule import schedule
from busdocs.data.loader import load_data

TODAY = date(2026, 12, 2)


def _run(project: Path, monkeypatch: pytest.MonkeyPatch, capsys, today: date, *args: str) -> dict:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BUSDOCS_TODAY", today.isoformat())
    assert main(["--root", str(project), "publish-schedule", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def _piece(edit, name: str, day: date, draft: bool = False) -> None:  # type: ignore[no-untyped-def]
    edit(f"docs/news/{name}.md", f"---\ntitle: Route R7 {name}\ndate: {day.isoformat()}\nkind: announcement\n"
         f"summary: Route R7 changes its Friday timetable.\n{'draft: true' if draft else ''}\n---\n\n# Route R7\n\nText.\n")


def test_news_coming_due_drafts_and_nothing_outside_the_window(project: Path, edit, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    _piece(edit, "in-three-days", TODAY + timedelta(days=3))
    _piece(edit, "draft-in-two-days", TODAY + timedelta(days=2), draft=True)
    _piece(edit, "in-nine-days", TODAY + timedelta(days=9))
    _piece(edit, "already-out", TODAY)
    report = _run(project, monkeypatch, capsys, TODAY)
    news = [(e["date"], e["kind"], e["source"]) for e in report["events"] if e["kind"] in ("news", "draft")]
    assert news == [((TODAY + timedelta(days=2)).isoformat(), "draft", "docs/news/draft-in-two-days.md"),
                    ((TODAY + timedelta(days=3)).isoformat(), "news", "docs/news/in-three-days.md")]
    wider = _run(project, monkeypatch, capsys, TODAY, "--days", "10")
    assert ((TODAY + timedelta(days=9)).isoformat(), "news", "docs/news/in-nine-days.md") in [
        (e["date"], e["kind"], e["source"]) for e in wider["events"]]


def test_overdue_items_and_stale_reviews_appear_on_the_first_day_the_build_shows_them(
        project: Path, edit, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    # one runbook's review falls due in two days: its banner appears on the third
    path = project / "runbooks" / "alarms" / "high-cpu-usage.md"
    text = path.read_text(encoding="utf-8")
    interval = int(re.search(r"^review_interval_days: *(\d+)", text, re.M).group(1))
    reviewed = TODAY + timedelta(days=2) - timedelta(days=interval)
    path.write_text(re.sub(r"^last_reviewed: *\S+", f"last_reviewed: {reviewed.isoformat()}", text, count=1,
                           flags=re.M), encoding="utf-8")
    launch = load_data(project).launch
    start = min(readiness.effective(s, i).due for s, i in launch.items() if i.status not in readiness.CLOSED)
    start -= timedelta(days=2)  # just before the first open item falls due
    events = schedule(project, launch, start, 14)
    for event in (e for e in events if e.kind == "overdue"):
        ids_on = {o.item.id for o in readiness.overdue(launch, event.date)}
        ids_before = {o.item.id for o in readiness.overdue(launch, event.date - timedelta(days=1))}
        assert event.detail.split()[0] in ids_on - ids_before
    assert any(e.kind == "overdue" for e in events)

    report = _run(project, monkeypatch, capsys, TODAY)
    reviews = [e for e in report["events"] if e["kind"] == "review"]
    books = {b.path.as_posix(): b for b in runbooks.load_runbooks(project)[0]}
    stale = [(e["date"], e["source"]) for e in reviews]
    assert ((TODAY + timedelta(days=3)).isoformat(), "runbooks/alarms/high-cpu-usage.md") in stale
    for day, source in stale:
        book = books[source]
        assert book.review_overdue(date.fromisoformat(day)) and not book.review_overdue(
            date.fromisoformat(day) - timedelta(days=1))


def test_text_output_bad_days_and_bad_today(root: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BUSDOCS_TODAY", "2027-01-10")
    assert main(["--root", str(root), "publish-schedule", "--days", "16"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("scheduled builds from 2027-01-11 to 2027-01-26 (today 2027-01-10):")
    assert main(["--root", str(root), "publish-schedule", "--days", "0"]) == 2
    monkeypatch.setenv("BUSDOCS_TODAY", "tomorrow")
    assert main(["--root", str(root), "publish-schedule"]) == 1
    assert "BUSDOCS_TODAY='tomorrow' is not a date" in capsys.readouterr().err
