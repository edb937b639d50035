"""The secret scan of a project's sources, started by `busdocs build` before MkDocs is imported.

A build's first 0.3 s are serial: imports, configuration, data. The other core is idle then, and
the build's own secret scan (`BusdocsPlugin._start_source_checks`) starts only after that, beside
the Markdown loop, whose pages it slows. So the command starts the scan of every source folder
(`secrets.SCANNED_FOLDERS`) in a background process at once; the build's scan, when it starts,
takes what that one found (`secrets.remember`) and reads every file again, scanning only content
not seen. Findings are kept by content (`secrets.scan_file`), so nothing here can change what a
build reports: a file edited meanwhile has other bytes and is scanned again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from busdocs.mkdocs import parallel

_STARTED: dict[Path, parallel.Background] = {}


def start(root: Path) -> None:
    """Scan `root`'s sources in a background process (once; where the process can fork)."""
    root = root.resolve()
    if root not in _STARTED:
        scan = parallel.Background(lambda: _scan(root))
        if scan.forked:
            _STARTED[root] = scan


def findings(root: Path) -> Any:
    """What the background scan of `root` found (`secrets.known()`), for `secrets.remember`; None
    when none was started, or it failed, or another process read it already. In a process forked
    after `start` (the build's own background checks), or in the one that started it."""
    scan = _STARTED.get(root.resolve())
    return scan.sibling_result() if scan is not None else None


def stop() -> None:
    """End the background scans (at the end of the command)."""
    while _STARTED:
        _STARTED.popitem()[1].close()


def _scan(root: Path) -> Any:
    from busdocs.checks import data_file_paths
    from busdocs.data import secrets
    from busdocs.data.loader import credential_problems

    secrets.scan_sources(root, secrets.SCANNED_FOLDERS, skip=data_file_paths(),
                         cache=root / ".cache" / "secrets.json")
    credential_problems(root)
    return secrets.known()
