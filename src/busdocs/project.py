"""The project's source layout, for tools that work on a copy of it (tests, `busdocs bench`)."""

from __future__ import annotations

import shutil
from pathlib import Path

SOURCES = ("docs", "guides", "runbooks", "data", "macros", "overrides", "src", "mkdocs.yml", "mkdocs.internal.yml",
           "mkdocs.offline.yml")
"""Everything a build reads, relative to the project root."""


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the build sources of the project at `root` into `dest` (created) and return `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in SOURCES:
        src = root / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest
