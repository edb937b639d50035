"""When each source file last changed, from git history in one call, with a fallback."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path


def last_commit_dates(root: Path) -> dict[str, datetime]:
    """`{repository path: time of the last commit that touched it}`; empty outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", str(root), "log", "--format=%x00%ct", "--name-only", "--no-renames", "HEAD"],
            capture_output=True, text=True, check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return {}
    prefix = _prefix(root)
    dates: dict[str, datetime] = {}
    for block in result.stdout.split("\0")[1:]:
        lines = block.strip().splitlines()
        if not lines:
            continue
        when = datetime.fromtimestamp(int(lines[0]), UTC)
        for name in lines[1:]:
            name = name.strip()
            if name.startswith(prefix):
                dates.setdefault(name[len(prefix):], when)  # newest first: keep the first seen
    return dates


def _prefix(root: Path) -> str:
    """The project's folder inside its git repository (`""` when it is the top)."""
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True, text=True,
                             check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return ""
    return top


def last_updated(path: str, root: Path, dates: dict[str, datetime]) -> datetime:
    """The last commit of `path`; for a file git does not know (new, or no history), its modification time."""
    if path in dates:
        return dates[path]
    try:
        return datetime.fromtimestamp((root / path).stat().st_mtime, UTC)
    except OSError:
        return datetime.now(UTC)


def format_date(when: datetime) -> str:
    """`25 November 2026`."""
    return f"{when.day} {when:%B %Y}"
