"""Fixtures shared by the browser tests: one Chromium per test file, and one static server per
built site folder per test file (tests/conftest.py imports them).

Both live for one test file, not the whole run: each keeps a thread (the static server's, and the
one asyncio starts to wait for Playwright's driver process), and a build forks its page workers
only from a process with no other thread (`busdocs.mkdocs.parallel.can_fork`). A test file that
builds after a browser test file in the same test process still gets its workers.

Tests open browser contexts of their own (a context is a fresh profile: no cache, no cookies, no
service worker), or, in tests/test_browser.py, tabs of the file's one guarded context per site and
device, each tab watched on its own (`tabs`); sharing the browser saves the second or so a Chromium
launch costs, once per test instead of once per file. Playwright's sync
API runs one instance per thread, so every test of the process that needs a browser takes this one
(`searcheval.run_eval(..., browser=chromium)`), never launching its own while it is open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Debian's Chromium (its headless shell) through Playwright, launched the first time a test
    asks, closed at the end."""
    from busdocs.bench import searcheval
    from busdocs.bench.browser import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed: scripts/bootstrap --test")

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


QUIET_MS = 200
"""How long a loaded page must stay without a request for `settle`. Measured on both sites (one
page alone and eight side by side): after the load event Material fetches the sitemaps (the site's
and its other language's), its search worker and the search index, and Chromium the favicon; each
of those starts within about 40 ms of the one before it finishing, and none is started by a timer.
Five times that gap still catches a request chained to the last one on a busy machine; Playwright's
`networkidle` waits 500 ms of quiet for any page, which is the part of a visit this saves."""


class Requests:
    """The requests of a page (or of every page of a context) still in flight, and when the last
    one started or ended: attach it before the navigation (`Requests(page)`)."""

    def __init__(self, target: object) -> None:
        import time

        self._clock = time.monotonic
        self.pending: set[object] = set()
        self.finished: list[str] = []
        self.last = self._clock()
        target.on("request", self._started)
        target.on("requestfinished", self._ended)
        target.on("requestfailed", self._ended)

    def _started(self, request: object) -> None:
        self.pending.add(request)
        self.last = self._clock()

    def _ended(self, request: object) -> None:
        self.pending.discard(request)
        self.finished.append(request.url)
        self.last = self._clock()

    def quiet_for(self) -> float:
        return 0.0 if self.pending else (self._clock() - self.last) * 1000


def settle(page: object, requests: Requests, quiet_ms: int = QUIET_MS, timeout_ms: int = 15_000) -> None:
    """Wait until `page` has loaded, its search index has arrived (the last of Material's own fetches
    to start: its worker asks for it) and no request of it has been in flight for `quiet_ms`.
    What the tests that check "no request leaves the site" need instead of `networkidle`."""
    import time

    page.wait_for_load_state("load", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while not (any(u.split("?")[0].endswith("/search/search_index.json") for u in requests.finished)
               and requests.quiet_for() >= quiet_ms):
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url} did not settle in {timeout_ms} ms: in flight "
                                 f"{sorted(r.url for r in requests.pending)}; finished {requests.finished}")
        page.wait_for_timeout(20)  # lets Playwright deliver the page's events meanwhile
