"""The last line of defence for the public site: nothing internal in its output."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".html", ".json", ".xml", ".txt", ".js", ".css", ".map", ".md", ".svg", ".csv", ".yml",
                 ".yaml"}


@dataclass(frozen=True, slots=True)
class Leak:
    """One file of a public build that must not be there or that holds internal text."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


def scan_output(site_dir: Path, needles: Iterable[str], internal_sources: Iterable[str] = ()) -> list[Leak]:
    """Leaks in a built site.

    Args:
        site_dir: The built site.
        needles: Strings that must not occur in any text file (internal values and hosts).
        internal_sources: Output files (relative to `site_dir`) that were built from internal sources.

    Returns:
        Every leak found; empty when the site is clean.
    """
    leaks = [Leak(path, "built from an internal source (runbooks/)") for path in sorted(internal_sources)]
    needles = sorted({n for n in needles if n}, key=len, reverse=True)
    if not needles:
        return leaks
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in needles:
            if needle in text:
                # Report the value by its first characters only: the log must not leak it either.
                shown = needle[:12] + "…" if len(needle) > 12 else needle
                leaks.append(Leak(path.relative_to(site_dir).as_posix(), f"contains internal value {shown!r}"))
    return leaks
