"""Fixtures shared by the browser tests: one Chromium per test file, and one static server per
built site folder per test file (tests/conftest.py imports them).

Both live for one test file, not the whole run: each keeps a thread (the static server's, and the
one asyncio starts to wait for Playwright's driver process), and a build forks its page workers
only from a process with no other thread (`busdocs.mkdocs.parallel.can_fork`). A test file that
builds after a browser test file in the same test process still gets its workers.

Each test still opens browser contexts of its own (a context is a fresh profile: no cache, no
cookies, no service worker), so sharing the browser shares no state between tests; it saves the
second or so a Chromium launch costs, once per test instead of once per file. Playwright's sync
API runs one instance per thread, so every test of the process that needs a browser takes this one
(`searcheval.run_eval(..., browser=chromium)`), never launching its own while it is open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Debian's Chromium through Playwright, launched the first time a test asks, closed at the end."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is not installed: scripts/bootstrap --test")
    pytest.importorskip("playwright.sync_api")
    from busdocs.bench import searcheval

    with searcheval._browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def serve_site() -> Iterator[Callable[[Path], str]]:
    """`serve_site(folder)` → the base URL (`http://127.0.0.1:<free port>/`) of a static server of
    `folder`, started the first time a folder is asked for and shared by the file's later tests
    (the folders served are read-only builds)."""
    from busdocs.bench.browser import serve

    running: dict[Path, str] = {}
    with ExitStack() as stack:
        def serve_once(folder: Path) -> str:
            folder = Path(folder).resolve()
            if folder not in running:
                running[folder] = stack.enter_context(serve(folder))
            return running[folder]

        yield serve_once
