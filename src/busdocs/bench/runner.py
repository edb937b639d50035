"""`busdocs bench`: this project's build against a stock MkDocs + Material build, in the same run.

Generates a realistic corpus (or takes a folder of Markdown pages), builds it with a stock
configuration and with this project's configuration, each in its own process, and reports wall
time, peak memory and HTML weight per page; then the `mkdocs serve` edit loop, and the figures
other parts ask of it (deploy objects for an unchanged and a one-page rebuild, PDF speed).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from busdocs.bench.corpus import generate
from busdocs.errors import BusdocsError
from busdocs.sites import copy_project

STOCK_CONFIG = "site_name: Stock Material\ntheme:\n  name: material\nplugins:\n  - search\n"


@dataclass
class BenchResult:
    pages: int
    stock_s: float
    ours_s: float
    ratio: float
    html_kb_per_page: float
    stock_html_kb_per_page: float
    peak_mb: float
    stock_peak_mb: float
    extra: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data.update(data.pop("extra"))
        return data


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, subprocess.CompletedProcess[str] | None]:
    """Run `cmd`; return (seconds, peak resident MB of that process, failure or None)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    code = os.waitstatus_to_exitcode(status)
    failure = subprocess.CompletedProcess(cmd, code, out, err) if code else None
    return seconds, usage.ru_maxrss / 1024, failure


def kb_per_page(site: Path, folder: str) -> float:
    pages = [p for p in (site / folder).rglob("index.html")]
    return round(sum(p.stat().st_size for p in pages) / max(1, len(pages)) / 1024, 1)


def prepare(root: Path, work: Path, pages: int, corpus: Path | None) -> tuple[Path, Path, Path, int]:
    """Three projects holding the same corpus under `bench/`: stock, this project's configuration with
    the corpus as its only pages (like for like), and this whole project plus the corpus."""
    stock, ours, whole = work / "stock", work / "ours", work / "whole"
    (stock / "docs").mkdir(parents=True)
    copy_project(root, ours)
    copy_project(root, whole)
    for project in (stock, ours, whole):
        target = project / "docs" / "bench"
        if corpus is None:
            generate(target, pages)
        else:
            shutil.copytree(corpus, target)
    count = sum(1 for _ in (stock / "docs" / "bench").rglob("*.md")) + 1  # and the home page
    (stock / "docs" / "index.md").write_text(HOME)
    (stock / "mkdocs.yml").write_text(STOCK_CONFIG)
    only_corpus(ours)
    ensure_nav(whole / "docs" / "bench")
    config = whole / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Contact: contact.md\n", "  - Contact: contact.md\n  - Bench: bench/\n"))
    return stock, ours, whole, count


HOME = "# Stock\n\nThe same corpus with a stock configuration.\n"


def only_corpus(project: Path) -> None:
    """This project's configuration (theme, plugins, extensions, data, macros) with the corpus and
    the stock home page as its only pages. The project's own pages stay on disk, excluded from the
    build, since data cross-checks look for them."""
    docs = project / "docs"
    (docs / "index.md").write_text(HOME)
    ensure_nav(docs / "bench")
    config = project / "mkdocs.yml"
    text = re.sub(r"\nnav:\n(?:(?:  .*)?\n)*", "\nnav:\n  - Home: index.md\n  - Bench: bench/\n\n", config.read_text())
    text = re.sub(r"\n    api_pages: .*", "\n    guides_dir: no-guides", text)
    config.write_text(text + "\nexclude_docs: |\n  /*\n  !/index.md\n  !/bench/\n  !/assets/\n")


def ensure_nav(folder: Path) -> None:
    """Give every folder of the corpus a `.nav.yml` (its index, its pages, its sub-folders) if it has none."""
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and any(p.rglob("*.md")))
    for sub in subs:
        ensure_nav(sub)
    nav = folder / ".nav.yml"
    if not nav.exists():
        lines = ["- index.md"] if (folder / "index.md").exists() else []
        nav.write_text("\n".join([*lines, '- "*"', *(f"- {sub.name}/" for sub in subs)]) + "\n", encoding="utf-8")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port of `host` that nothing listens on, chosen by the OS (a bind to port 0).

    The port is free when this returns; a server started on it afterwards can still lose it to
    another program, so callers start again on a new port when their server cannot bind.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def serve_edit_loop(ours: Path, timeout: float = 120, attempts: int = 3) -> float | None:
    """Seconds from saving one page to `mkdocs serve` serving the new version (None if it never did).

    `mkdocs serve` listens on a free port of 127.0.0.1 picked at run time (`free_port`), never a
    fixed one, so benches and test runs can share a machine with each other and with whatever holds
    8000; should another program take the port first, mkdocs exits and the loop starts again on a
    new port (at most `attempts` times).
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = str(Path(sys.executable).with_name("mkdocs"))
    bench = ours / "docs" / "bench"
    page = sorted(p for p in bench.rglob("*.md") if p.name != "index.md")[0]
    path = f"/bench/{page.relative_to(bench).with_suffix('').as_posix()}/"
    for _ in range(attempts):
        port = free_port()
        proc = subprocess.Popen([mkdocs, "serve", "-f", str(ours / "mkdocs.yml"), "-a", f"127.0.0.1:{port}",
                                 "--livereload"], cwd=ours, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}{path}"
        try:
            # mkdocs serve injects its live-reload script: the page comes from our server, not another
            if not _wait_for(url, lambda body: "livereload" in body, timeout, proc):
                if proc.poll() is not None:
                    continue  # it stopped: the port was taken meanwhile (or the build failed); again
                return None
            marker = f"edit-marker-{time.time_ns()}"
            started = time.perf_counter()
            page.write_text(page.read_text() + f"\n\n{marker}\n")
            if not _wait_for(url, lambda body: marker in body, timeout, proc):
                return None
            return time.perf_counter() - started
        finally:
            _stop(proc)
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _wait_for(url: str, ok: Callable[[str], bool], timeout: float,
              proc: subprocess.Popen[bytes] | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
                if ok(response.read().decode("utf-8", "replace")):
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def run_bench(root: Path, pages: int = 500, corpus: Path | None = None, serve: bool = True,
              say: Callable[[str], None] = print) -> BenchResult:
    """Build the corpus with stock and with this project's configuration; measure both."""
    work = Path(tempfile.mkdtemp(prefix="busdocs-bench-"))
    try:
        stock, ours, whole, count = prepare(root, work, pages, corpus)
        say(f"corpus: {count} pages in {work}")
        mkdocs = str(Path(sys.executable).with_name("mkdocs"))
        busdocs = str(Path(sys.executable).with_name("busdocs"))
        say("building with stock MkDocs + Material …")
        stock_s, stock_mb, failed = timed([mkdocs, "build", "-q", "-f", str(stock / "mkdocs.yml")], cwd=stock)
        if failed:
            raise BusdocsError(f"stock build failed:\n{failed.stderr[-2000:]}")
        say("building the corpus with this project's configuration …")
        ours_s, ours_mb = build_with_busdocs(busdocs, ours)
        say("rebuilding it (render cache warm) …")
        warm_s, _ = build_with_busdocs(busdocs, ours)
        say("building this whole project with the corpus added …")
        whole_s, _ = build_with_busdocs(busdocs, whole)
        # Page weight is taken from the whole project: its pages carry the real site's navigation.
        result = BenchResult(count, round(stock_s, 2), round(ours_s, 2), round(ours_s / stock_s, 2),
                             kb_per_page(whole / "site" / "public", "bench"), kb_per_page(stock / "site", "bench"),
                             round(ours_mb, 1), round(stock_mb, 1))
        result.extra["ours_warm_s"] = round(warm_s, 2)
        result.extra["warm_ratio"] = round(warm_s / stock_s, 2)
        result.extra["whole_s"] = round(whole_s, 2)
        result.extra["whole_ratio"] = round(whole_s / stock_s, 2)
        if serve:
            say("measuring the mkdocs serve edit loop (whole project) …")
            loop = serve_edit_loop(whole)
            result.extra["serve_edit_s"] = round(loop, 2) if loop is not None else None
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_with_busdocs(busdocs: str, project: Path) -> tuple[float, float]:
    """A timed `busdocs build` of the public site of `project` (seconds, peak MB)."""
    seconds, peak, failed = timed([busdocs, "--root", str(project), "build", "--site", "public", "--no-editions",
                                   "--out", str(project / "site")], cwd=project)
    if failed:
        raise BusdocsError(f"busdocs build of {project.name} failed:\n{failed.stderr[-2000:]}")
    return seconds, peak


def table(results: list[BenchResult]) -> str:
    """A plain table of the results, one row per corpus size."""
    head = (f"{'pages':>6} {'stock s':>8} {'ours s':>7} {'ratio':>6} {'warm s':>7} {'ratio':>6} {'whole s':>8} "
            f"{'KB/page':>8} {'stock KB':>9} {'peak MB':>8} {'serve s':>8}")
    rows = [head, "-" * len(head)]
    for r in results:
        serve = r.extra.get("serve_edit_s")
        rows.append(f"{r.pages:>6} {r.stock_s:>8.2f} {r.ours_s:>7.2f} {r.ratio:>6.2f} {r.extra['ours_warm_s']:>7.2f} "
                    f"{r.extra['warm_ratio']:>6.2f} {r.extra['whole_s']:>8.2f} {r.html_kb_per_page:>8.1f} "
                    f"{r.stock_html_kb_per_page:>9.1f} {r.peak_mb:>8.1f} {serve if serve is not None else '—':>8}")
    return "\n".join(rows)


def machine() -> str:
    """One line about the machine the figures come from."""
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])  # type: ignore[index]
        mem = f", {kb // 1024 // 1024} GiB"
    except (OSError, TypeError):
        pass
    return f"{os.cpu_count()} cores{mem}, {cpu or 'unknown CPU'}, Python {sys.version.split()[0]}"
