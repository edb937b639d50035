"""Work `busdocs build` starts in background processes before MkDocs is imported.

A build's first 0.5 s are serial: imports, configuration, data. The other core is idle then, so
the command starts at once what the build would otherwise do later, or in its serial start:

- The secret scan of every source folder (`secrets.SCANNED_FOLDERS`). The build's own scan
  (`BusdocsPlugin._start_source_checks`) started only after the serial start, beside the Markdown
  loop, whose pages it slowed; now it takes what this one found (`secrets.remember`) and reads every
  file again, scanning only content not seen. Findings are kept by content (`secrets.scan_file`),
  so nothing here can change what a build reports: a file edited meanwhile has other bytes and is
  scanned again.
- mkdocs-macros' `git` variable: its `get_git_info()` runs twelve git commands in the build's
  `on_config` (20–35 ms). The same function runs here, in the same working folder, and the build's
  mkdocs-macros gets its value (`seams.prefetch_macros_git_info`); every build of the command
  gets the same, as read when the command started.

Only the `busdocs` command's own process does this (`parallel.command_process`): a long-lived
process that calls `busdocs.cli.main` has its imports done, and forking it costs more.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from busdocs.data.secrets import SCANNED_FOLDERS
from busdocs.mkdocs import parallel

_STARTED: dict[Path, parallel.Background] = {}
_GIT: dict[str, parallel.Background] = {}
"""mkdocs-macros' git information by working folder (its git commands run there)."""


def start(root: Path, *, internal: bool = True) -> None:
    """Scan `root`'s sources in a background process (once; where the process can fork); `runbooks/`
    only where an `internal` site is among the builds (no public site reads it)."""
    root = root.resolve()
    here = os.getcwd()
    if here not in _GIT:
        info = parallel.Background(_macros_git_info)
        if info.forked:
            _GIT[here] = info
    if root not in _STARTED:
        folders = [f for f in SCANNED_FOLDERS if internal or f != "runbooks"]
        scan = parallel.Background(lambda: _scan(root, folders))
        if scan.forked:
            _STARTED[root] = scan


def findings(root: Path) -> Any:
    """What the background scan of `root` found (`secrets.known()`), for `secrets.remember`; None
    when none was started, or it failed, or another process read it already. In a process forked
    after `start` (the build's own background checks), or in the one that started it."""
    scan = _STARTED.get(root.resolve())
    return scan.sibling_result() if scan is not None else None


def macros_git_info() -> tuple[bool, Any]:
    """(True, what mkdocs-macros' `get_git_info()` gave) when `start` ran it for the working folder
    this process is in now, else (False, None). Waits for it if it still runs; a run that failed is
    run again here (`parallel.Background.result`)."""
    info = _GIT.get(os.getcwd())
    return (True, info.result()) if info is not None else (False, None)


def stop() -> None:
    """End the background work (at the end of the command)."""
    while _STARTED:
        _STARTED.popitem()[1].close()
    while _GIT:
        _GIT.popitem()[1].close()


def _macros_git_info() -> Any:
    from mkdocs_macros.context import get_git_info

    return getattr(get_git_info, "busdocs_original", get_git_info)()


def _scan(root: Path, folders: list[str]) -> Any:
    # The data files are scanned whole, as files: for text in UTF-8, that is the content the
    # loader's credential check (`scan_source_text`) looks up.
    from busdocs.data import secrets

    secrets.scan_sources(root, folders, cache=root / ".cache" / "secrets.json")
    return secrets.known()
