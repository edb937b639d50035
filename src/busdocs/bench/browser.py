"""Page loads of a built site in chromium over an emulated slow network.

Each page is opened in a fresh browser context (empty cache, cache disabled) through a CDP session
with 400 kbit/s down and up and 400 ms round-trip latency; the CPU is not throttled. For each page:
first contentful paint, the load event, and the bytes that crossed the (emulated) network.

    .venv/bin/python bench/browser.py                 # site/public, home and a guide page
    .venv/bin/python bench/browser.py site/internal "" runbooks/

The site is served by Python's http.server, which does not compress: the byte counts are the
uncompressed sizes. Pass --gzip to compress text responses as CloudFront would (gzip, not Brotli).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path.cwd()  # `make bench` runs from the project root
CHROMIUM = "/usr/bin/chromium-headless-shell"
"""Debian's `chromium-headless-shell`: Chromium's headless-only build (the one Playwright itself runs
headless), the same Blink and V8 as the full browser without its windowing and GPU processes.
Measured on the tests' browser files on this 2-core machine: 50 CPU-s against 66 for the full
`chromium`, whose `--headless` starts the whole browser; page loads of the bench are the same
(FCP, load, bytes) in both."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
KBPS = 400
"""Emulated bandwidth, kilobits per second, each way."""
RTT_MS = 400
"""Emulated round-trip latency added to every request."""
DEFAULT_PATHS = ["", "students/buy-a-pass/"]
"""The home and a guide page."""
_COMPRESSIBLE = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".map")
_TIMEOUT_MS = 120_000


class _Handler(http.server.SimpleHTTPRequestHandler):
    gzip_text = False

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def send_head(self):  # type: ignore[override]
        """As the base class, and with --gzip text files go out compressed, like CloudFront sends them."""
        if not self.gzip_text or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the base class redirects to the slash URL
            path = path / "index.html"
        if path.suffix not in _COMPRESSIBLE or not path.is_file():
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that hangs up before it has read the whole answer (a page closed or navigated
        away while its assets were loading) is not an error: no traceback for that; any other
        exception is printed as the base class prints it."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipeError, ConnectionResetError, …
            return
        super().handle_error(request, client_address)


@contextmanager
def serve(site_dir: Path, *, gzip_text: bool = False) -> Iterator[str]:
    """Serve `site_dir` on 127.0.0.1 (a free port) and yield its base URL."""
    handler_class = type("Handler", (_Handler,), {"gzip_text": gzip_text})
    handler = functools.partial(handler_class, directory=str(site_dir))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="bench-serve", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# The first paint can come just after the load event: wait for it (10 s at most) instead of missing it.
_TIMING_JS = """() => new Promise(resolve => {
    const fcp = () => performance.getEntriesByName('first-contentful-paint')[0];
    const done = () => {
        const nav = performance.getEntriesByType('navigation')[0];
        resolve({fcp: fcp() ? fcp().startTime : null, load: nav.loadEventEnd, dcl: nav.domContentLoadedEventEnd});
    };
    if (fcp()) return done();
    new PerformanceObserver((list, observer) => { if (fcp()) { observer.disconnect(); done(); } })
        .observe({type: 'paint', buffered: true});
    setTimeout(done, 10000);
})"""


def _measure(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        finished: dict[str, float] = {}
        cdp.on("Network.loadingFinished", lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]))
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False,
            "latency": RTT_MS,
            "downloadThroughput": KBPS * 1024 / 8,
            "uploadThroughput": KBPS * 1024 / 8,
        })
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})  # CPU not throttled

        page.goto(url, wait_until="load", timeout=_TIMEOUT_MS)
        bytes_at_load = sum(finished.values())
        requests_at_load = len(finished)
        timing = page.evaluate(_TIMING_JS)
        # What Material fetches after the load event (search index, sitemap) also crosses the network.
        page.wait_for_load_state("networkidle", timeout=_TIMEOUT_MS)
        return {
            "fcp_ms": round(timing["fcp"]) if timing["fcp"] is not None else None,
            "dcl_ms": round(timing["dcl"]),
            "load_ms": round(timing["load"]),
            "bytes_at_load": int(bytes_at_load),
            "requests_at_load": requests_at_load,
            "bytes": int(sum(finished.values())),
            "requests": len(finished),
        }
    finally:
        context.close()


@contextmanager
def launch() -> Iterator[object]:
    """`CHROMIUM` through Playwright, closed on the way out with nothing of Playwright left running.
    Playwright's driver is a process that asyncio waits for in a thread of its own, which ends a
    moment after the driver does: this waits for the threads Playwright started, so the process can
    fork right after (a build forks its page workers only from a process with no other thread,
    `busdocs.mkdocs.parallel.can_fork`; a test file that builds after a browser test file once
    found that thread still there)."""
    from playwright.sync_api import sync_playwright

    before = set(threading.enumerate())
    playwright = sync_playwright().start()
    started = set(threading.enumerate()) - before
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        for thread in started:
            thread.join(timeout=10)


def measure_pages(site_dir: Path, paths: list[str], *, gzip_text: bool = False) -> list[dict]:
    """Open each path of the built site at `site_dir` in chromium over a 400 kbit/s, 400 ms network.

    Args:
        site_dir: A built site (e.g. `site/public`).
        paths: Page URLs relative to the site root (`""` is the home, `students/` a section).
        gzip_text: Compress text responses (as CloudFront does); off, bytes are uncompressed sizes.

    Returns:
        One dict per path: `path`, `fcp_ms` (first contentful paint), `dcl_ms` (DOMContentLoaded),
        `load_ms` (load event end), `bytes_at_load` / `requests_at_load` (transferred until the load
        event), `bytes` / `requests` (including what the page fetched after load, e.g. the search
        index). Bytes are `Network.loadingFinished` encodedDataLength (headers included) of the page's
        own requests; the search worker's script is fetched by the worker and not counted.
    """
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        raise FileNotFoundError(f"{site_dir}: no index.html; build it first (busdocs build --site public)")
    results = []
    with serve(site_dir, gzip_text=gzip_text) as base, launch() as browser:
        for path in paths:
            results.append({"path": "/" + path.lstrip("/"), **_measure(browser, base + path.lstrip("/"))})
    return results


def format_table(rows: list[dict]) -> str:
    head = f"{'page':<26} {'FCP':>8} {'DCL':>8} {'load':>8} {'KB at load':>11} {'KB total':>9} {'requests':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        fcp = f"{r['fcp_ms'] / 1000:.2f} s" if r["fcp_ms"] is not None else "-"
        lines.append(f"{r['path']:<26} {fcp:>8} {r['dcl_ms'] / 1000:>6.2f} s {r['load_ms'] / 1000:>6.2f} s "
                     f"{r['bytes_at_load'] / 1024:>11.1f} {r['bytes'] / 1024:>9.1f} "
                     f"{r['requests_at_load']:>4} /{r['requests']:>3}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default=str(ROOT / "site" / "public"), help="built site folder")
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS, help="pages relative to the site root")
    parser.add_argument("--gzip", action="store_true", help="compress text responses as a CDN would")
    args = parser.parse_args(argv)
    rows = measure_pages(Path(args.site), args.paths, gzip_text=args.gzip)
    encoding = "gzip" if args.gzip else "uncompressed"
    print(f"{os.path.relpath(args.site)}: chromium, {KBPS} kbit/s down/up, {RTT_MS} ms RTT, "
          f"CPU not throttled, cache disabled, {encoding}")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
