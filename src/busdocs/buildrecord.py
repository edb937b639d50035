"""The record a build leaves in its output: which audience it is for and whether it finished.

Deploy reads it to refuse an unfinished or failed build, or a build meant for the other audience.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

MARKER = ".busdocs-build.json"
State = Literal["building", "complete", "failed"]


def write_marker(site_dir: Path, audience: str, state: State, environment: str, detail: str = "",
                 pages: list[dict[str, object]] | None = None, preview: int | None = None,
                 preview_url: str | None = None) -> None:
    """Record the build's audience and state in `site_dir`.

    `pages` lists the site's pages in navigation order (`src`, `url`, `title`, `sections`), for
    tools that read the built site (the PDF handbooks). `preview` is the change number of a preview
    build (`BUSDOCS_PREVIEW`): deploy sends it only under `previews/pr-<n>/`; `preview_url` is where
    it is served (the leak guard of `busdocs pdf` lets the build's own address through).
    """
    site_dir.mkdir(parents=True, exist_ok=True)
    record: dict[str, object] = {"audience": audience, "state": state, "environment": environment,
                                 "time": datetime.now(UTC).isoformat(timespec="seconds")}
    if detail:
        record["detail"] = detail
    if preview:
        record["preview"] = preview
        record["preview_url"] = preview_url or ""
    if pages is not None:
        record["pages"] = pages
    (site_dir / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def read_marker(site_dir: Path) -> dict[str, Any] | None:
    """The build record of `site_dir`, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((site_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
