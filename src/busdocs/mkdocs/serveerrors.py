"""Build errors in the browser under `mkdocs serve`.

MkDocs 1.6's live-reload server keeps the last good site when a rebuild raises, and holds every
request (pages and the live-reload poll) until a build succeeds: the terminal says why, the
browser looks stuck. Under serve, the busdocs plugin (`on_serve`) wraps the server's builder with
`guard_builder`: a failed rebuild writes an error page over every page the last good build wrote
(and over `404.html`, which serve returns for any other address), then returns normally, so the
server bumps its epoch and every open page reloads into the error page. The next good build
writes the real pages again and the pages reload once more.

Nothing here runs in a real build: `on_serve` is only called by `mkdocs serve`, and the error is
swallowed only inside the wrapped serve builder.

The problems are the lines the CLI prints (`file:line: field: message`, MkDocs' warnings with the
source's real path), each with the lines around it read from the source.
"""

from __future__ import annotations

import html
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from busdocs.mkdocs.build import condense, real_sources

log = logging.getLogger("mkdocs.plugins.busdocs.serve")

MARKER = "busdocs-build-error"
"""The id of the error page's main element (tests and scripts look for it)."""

_LOCATED = re.compile(r"^\s*(?P<file>[\w./-]+\.(?:ya?ml|md|json|html|py|txt))(?::(?P<line>\d+))?:\s*(?P<rest>.*)$")
_DOC_LINK = re.compile(r"Doc file '(?P<file>[^']+)' contains (?:a link|an absolute link|a link to) '(?P<target>[^']+)'")
_DOC_FILE = re.compile(r"Doc file '(?P<file>[^']+)'")
_NOISE = re.compile(r"^(Aborted with .* in strict mode!|Aborted with a BuildError!|Error reading page .*:)$")


@dataclass(frozen=True, slots=True)
class Shown:
    """One problem as the error page shows it."""

    text: str
    """The line as the CLI prints it."""
    file: str | None = None
    line: int | None = None
    snippet: list[tuple[int, str]] = field(default_factory=list)


def snippet(path: Path, line: int, around: int = 2) -> list[tuple[int, str]]:
    """The lines `line - around` … `line + around` of `path` (1-based), or [] if unreadable."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    start, end = max(1, line - around), min(len(lines), line + around)
    return [(n, lines[n - 1]) for n in range(start, end + 1)]


def _line_of(path: Path, needle: str) -> int | None:
    try:
        for number, text in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if needle in text:
                return number
    except OSError:
        pass
    return None


_UNDEFINED = re.compile(r"undefined variable or macro: '(?P<name>[^']+)'")


def locate(text: str, root: Path, sources: dict[str, str] | None = None) -> Shown:
    """Find the file and line a problem line names, and read its snippet.

    `sources` maps a page's place in the site (`students/x.md`) to its file (`guides/students/x.md`).
    """
    sources = sources or {}
    if m := _LOCATED.match(text):
        file, line = sources.get(m["file"], m["file"]), int(m["line"]) if m["line"] else None
        if line is None and (u := _UNDEFINED.search(m["rest"])):  # mkdocs-macros names the page only
            line = _line_of(root / file, u["name"])
        if file != m["file"] or line is not None and not m["line"]:
            text = f"{file}{f':{line}' if line else ''}: {m['rest']}"
    elif m := _DOC_LINK.search(text):  # MkDocs names the page and the link, not the line: find it
        file, line = m["file"], _line_of(root / m["file"], f"({m['target']}")
        if line is None:
            line = _line_of(root / m["file"], m["target"])
        if line is not None:
            text = f"{file}:{line}: {text}"
    elif m := _DOC_FILE.search(text):
        file, line = m["file"], None
    else:
        return Shown(text)
    return Shown(text, file, line, snippet(root / file, line) if line else [])


def problems_of(messages: list[str], error: BaseException | None, root: Path,
                sources: dict[str, str]) -> list[Shown]:
    """Every problem line of a failed build, located, in the order logged, without repeats.

    `messages` are the warnings and errors the build logged; `error` is what it raised (only
    worth showing when nothing logged it, e.g. a plugin raising something unexpected).
    """
    lines: list[str] = []
    for message in messages:
        for part in real_sources(condense(message), sources).splitlines():
            part = part.strip()
            if part and not part.endswith("has problems:") and not _NOISE.match(part):
                lines.append(part)
    if error is not None and not lines:
        text = str(error).strip()
        if isinstance(error, SystemExit) and not text:
            text = f"stopped by a plugin (exit {error.code})"
        if not isinstance(error, SystemExit) and type(error).__module__.split(".")[0] not in ("mkdocs", "busdocs"):
            text = "".join(traceback.format_exception_only(type(error), error)).strip()
        lines += [p.strip() for p in real_sources(text, sources).splitlines() if p.strip() and not _NOISE.match(p)]
    seen: set[str] = set()
    shown = []
    for line in lines:
        if line not in seen and not re.fullmatch(r"\d+ problems? found", line):
            seen.add(line)
            shown.append(locate(line, root, sources))
    return shown or [Shown("the build failed without a message; see the terminal")]


def error_page(site: str, problems: list[Shown]) -> str:
    """A self-contained HTML page (no theme, no assets: the site may be half-written)."""
    items = []
    for problem in problems:
        code = ""
        if problem.snippet:
            rows = "".join(
                f'<span class="{"hit" if n == problem.line else ""}"><b>{n:>5}</b>  {html.escape(text)}</span>\n'
                for n, text in problem.snippet)
            code = f'<pre><code>{rows}</code></pre>'
        items.append(f"<li><p>{html.escape(problem.text)}</p>{code}</li>")
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed: {count}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1b1b1f }}
h1 {{ color: #b00020; font-size: 1.5rem }} li {{ margin-bottom: 1.2rem }} li p {{ font-family: monospace; margin: 0 }}
pre {{ background: #f4f4f6; padding: .6rem; overflow-x: auto; margin: .3rem 0 }} .hit {{ background: #ffd7d7; display: block }}
.note {{ color: #555 }}
</style></head>
<body><main id="{MARKER}">
<h1>The {html.escape(site)} site did not build: {count}</h1>
<p class="note">This page is shown by <code>mkdocs serve</code> only. Fix the file and save: this tab reloads by
itself when the next build succeeds. The terminal shows the same list.</p>
<ol>
{chr(10).join(items)}
</ol>
</main></body></html>
"""


def html_pages(site_dir: Path) -> list[str]:
    """Every HTML file of a built site, relative to it."""
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))


def write_error_pages(site_dir: Path, pages: list[str], page: str) -> int:
    """Write `page` at every path of `pages` and at `404.html`; returns how many were written."""
    written = 0
    for relative in dict.fromkeys([*pages, "404.html", "index.html"]):
        target = site_dir / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, encoding="utf-8")
            written += 1
        except OSError:
            pass
    return written


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(log.name):
            self.messages.append(record.getMessage())


@contextmanager
def _collect() -> Iterator[_Collector]:
    collector = _Collector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


def guard_builder(builder: Callable[..., Any], *, site: str, site_dir: Path, root: Path,
                  sources: Callable[[], dict[str, str]]) -> Callable[..., None]:
    """`builder`, but a failed build leaves error pages in `site_dir` instead of raising."""
    known: list[str] = html_pages(site_dir) if site_dir.is_dir() else []

    def guarded(*args: Any, **kwargs: Any) -> None:
        nonlocal known
        with _collect() as collector:
            try:
                builder(*args, **kwargs)
            except KeyboardInterrupt:
                raise
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - every failure becomes a page
                problems = problems_of(collector.messages, exc, root, sources())
                written = write_error_pages(site_dir, known, error_page(site, problems))
                if not collector.messages:  # nothing was printed yet (MkDocs logs what it knows)
                    for problem in problems:
                        log.error(problem.text)
                log.error(f"build failed: {len(problems)} problem(s); {written} pages in the browser show them "
                          "until the next good build")
                return
        known = html_pages(site_dir)

    guarded.busdocs_guarded = True  # type: ignore[attr-defined]
    return guarded
