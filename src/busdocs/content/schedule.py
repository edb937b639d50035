"""`busdocs publish-schedule`: what the next scheduled builds will publish or flag.

The daily rebuild (.github/workflows/scheduled.yml, just after midnight Asia/Karachi) changes the
sites by date alone: news pieces of `docs/news/` are published on their front matter `date`
(`busdocs.content.news`), open checklist items of `data/launch.yml` show as overdue the day after
they fall due (`busdocs.content.readiness.overdue`), and an alarm runbook gets its "Review overdue"
banner the day after its review falls due (`busdocs.content.runbooks`). This module asks the same
functions about each of the coming days, so it says exactly what the builds will do.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from busdocs.content import news, readiness, runbooks
from busdocs.data.models.launch import Launch
from busdocs.errors import BusdocsError, Problem, ProblemsError

TODAY_VARIABLE = "BUSDOCS_TODAY"
"""The build's date (YYYY-MM-DD), as the plugin reads it; unset, the system's date."""
NEWS_DIR = Path("docs") / "news"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing a scheduled build changes on `date` (the first build that shows it)."""

    date: date
    kind: str
    """`news` (a piece is published), `draft` (a piece is due but stays out: `draft: true`),
    `overdue` (a checklist item shows as overdue), `review` (a runbook's review goes stale)."""
    title: str
    source: str
    """The file that decides it: `docs/news/x.md`, `data/launch.yml`, `runbooks/alarms/x.md`."""
    detail: str
    site: str
    """Where it shows: `public` (the help center), `internal` (the ops site)."""

    def as_json(self) -> dict[str, str]:
        return {**asdict(self), "date": self.date.isoformat()}


def today() -> date:
    """The build's date: `BUSDOCS_TODAY` when set (tests, rehearsals), else the system's."""
    text = os.environ.get(TODAY_VARIABLE)
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BusdocsError(f"{TODAY_VARIABLE}={text!r} is not a date (YYYY-MM-DD)") from None


def news_pieces(root: Path) -> list[news.Piece]:
    """Every piece of `docs/news/` (not the listing), read as the build reads them.

    Raises:
        ProblemsError: A piece's front matter is missing or wrong (file and field named).
    """
    pieces, problems = [], []
    for path in sorted((root / NEWS_DIR).glob("*.md")):
        if path.name == "index.md":
            continue
        piece, found = news.read_piece(path, f"news/{path.name}", NEWS_DIR / path.name)
        problems += found
        if piece is not None:
            pieces.append(piece)
    if problems:
        raise ProblemsError(problems)
    return pieces


def schedule(root: Path, launch: Launch, start: date, days: int) -> list[Event]:
    """What the builds of each day after `start`, up to `start + days`, show that the build of
    `start` does not: in date order, then by kind."""
    pieces = news_pieces(root)
    books, problems = runbooks.load_runbooks(root)
    if problems:
        raise ProblemsError(problems)
    events: list[Event] = []
    shown_overdue = {o.item.id for o in readiness.overdue(launch, start)}
    for offset in range(1, days + 1):
        day = start + timedelta(days=offset)
        before = day - timedelta(days=1)
        for piece in pieces:
            if piece.meta.date != day:
                continue
            source = (NEWS_DIR / piece.src_uri.split("/", 1)[1]).as_posix()
            if piece.published(day):
                events.append(Event(day, "news", piece.meta.title, source,
                                    f"{news.KINDS[piece.meta.kind]}: published on the help center's News page",
                                    "public"))
            else:
                events.append(Event(day, "draft", piece.meta.title, source,
                                    "dated today but `draft: true`: stays out of the help center until the draft "
                                    "flag is removed", "public"))
        for entry in readiness.overdue(launch, day):
            if entry.item.id in shown_overdue:
                continue
            shown_overdue.add(entry.item.id)
            events.append(Event(day, "overdue", entry.item.title, "data/launch.yml",
                                f"{entry.item.id} ({entry.section.title}), owner {entry.owner}, was due "
                                f"{entry.due.isoformat()}, still {entry.item.status}", "internal"))
        for book in books:
            if book.review_overdue(day) and not book.review_overdue(before):
                events.append(Event(day, "review", book.meta.title, book.path.as_posix(),
                                    f"last reviewed {book.meta.last_reviewed.isoformat()}, every "
                                    f"{book.meta.review_interval_days} days: the page and `busdocs runbook` show "
                                    "'Review overdue'", "internal"))
    order = {"news": 0, "draft": 1, "overdue": 2, "review": 3}
    return sorted(events, key=lambda e: (e.date, order[e.kind], e.source, e.title))


def format_schedule(events: list[Event], start: date, days: int) -> str:
    """The schedule for a terminal or a CI log, one block per day."""
    end = start + timedelta(days=days)
    lines = [f"scheduled builds from {(start + timedelta(days=1)).isoformat()} to {end.isoformat()} "
             f"(today {start.isoformat()}):"]
    if not events:
        lines.append("  nothing is published or flagged by date in this period")
    current = None
    for event in events:
        if event.date != current:
            current = event.date
            lines.append(f"{event.date.isoformat()} ({event.date:%a})")
        verb = {"news": "publishes", "draft": "stays draft", "overdue": "overdue", "review": "review stale"}[event.kind]
        lines.append(f"  {verb:<13} {event.title}  [{event.source}]")
        lines.append(f"  {'':<13} {event.detail}")
    return "\n".join(lines)


__all__ = ["Event", "Problem", "format_schedule", "schedule", "today"]
