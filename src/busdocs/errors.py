"""Errors and problems: what a writer can act on, never a traceback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong in one source file.

    Attributes:
        file: The file, relative to the project root where possible.
        line: 1-based line number, or None when the problem has no single line.
        field: Dotted path of the field (`variables[3].visibility`), or "" for the whole file.
        message: What is wrong, in words a writer can act on.
    """

    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class BusdocsError(Exception):
    """Base of every error busdocs raises for a problem the user can fix."""


class ProblemsError(BusdocsError):
    """Raised with every problem found in one run, so all are reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (str(p.file), p.line or 0, p.field, p.message))
        super().__init__(format_problems(self.problems))


def format_problems(problems: Iterable[Problem]) -> str:
    """Render problems one per line, followed by a count."""
    items = list(problems)
    lines = [str(p) for p in items]
    lines.append(f"{len(items)} problem{'s' if len(items) != 1 else ''} found")
    return "\n".join(lines)


class VisibilityError(BusdocsError):
    """A public page asked for an internal value."""
