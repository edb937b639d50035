"""Strict builds of the two sites through MkDocs' Python API.

A site is built into a temporary folder beside its destination and moved into place only when
the build succeeded, so a failed build never leaves a half-written site where a finished one was.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from busdocs.errors import BusdocsError
from busdocs.sites import OFFLINE_ZIP, config_file



class BuildFailed(BusdocsError):
    """A strict build stopped; `messages` holds the warnings and errors that stopped it."""

    def __init__(self, site: str, messages: list[str], reason: str) -> None:
        self.site = site
        self.messages = messages
        text = "\n".join(messages + [f"{site} site: {reason}"])
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: str
    out_dir: Path
    seconds: float
    pages: int
    notices: tuple[str, ...] = ()
    """Things worth a line that did not stop the build (a render cache ignored or not saved)."""


_MACRO_ERROR = re.compile(r"_File_: `(?P<file>[^`]+)`.*?_(?P<type>\w+)_: (?P<message>[^\n]+)", re.S)
_MACRO_SYNTAX = re.compile(r"_File_: `(?P<file>[^`]+)`.*?_Line (?P<line>\d+) in Markdown file:_ \*\*(?P<message>[^*]+)",
                           re.S)


def condense(message: str) -> str:
    """One readable line for a mkdocs-macros error report (which carries a whole traceback)."""
    if "Macro Syntax Error" in message and (m := _MACRO_SYNTAX.search(message)):
        return f"{m['file']}:{m['line']}: macro syntax error: {m['message'].strip()}"
    if "Macro Rendering Error" in message and (m := _MACRO_ERROR.search(message)):
        text = m["message"].strip()
        if m["type"] == "UndefinedError":
            text = f"undefined variable or macro: {text}"
        return f"{m['file']}: {text}"
    return message


_DOC_FILE = re.compile(r"Doc file '([^']+)'")


def real_sources(message: str, sources: dict[str, str]) -> str:
    """Name the file in the repository (`guides/students/x.md`), not its place in the site."""
    return _DOC_FILE.sub(lambda m: f"Doc file '{sources.get(m[1], m[1])}'", message)


NOTICES_FROM = "mkdocs.plugins.busdocs"
"""busdocs' own plugin logs its notices at INFO level; the build passes them on."""


class _Collector(logging.Handler):
    """Collects the warnings and errors of one build, condensed to one line each, and busdocs' notices."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []
        self.notices: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(condense(record.getMessage()))
        elif record.name.startswith(NOTICES_FROM):
            self.notices.append(record.getMessage())


@contextmanager
def _collect_warnings() -> Iterator[_Collector]:
    logger = logging.getLogger("mkdocs")
    notices = logging.getLogger(NOTICES_FROM)
    collector = _Collector()
    old_propagate, old_level = logger.propagate, notices.level
    logger.addHandler(collector)
    logger.propagate = False  # MkDocs' own console handler is not installed by the API; stay quiet
    notices.setLevel(logging.INFO)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.propagate = old_propagate
        notices.setLevel(old_level)


GC_THRESHOLD = 10_000
"""Allocations between two collections of the cycle collector's youngest generation during a build."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """A build allocates millions of short-lived objects (Markdown trees, template output) and keeps
    few: at Python's default threshold (700) the cycle collector ran ~450 times and went through
    the whole heap three times in a cold build of the 501-page bench corpus (0.14 s of the build
    process, and as much again in its workers, which inherit the setting); at 10,000 it runs a
    tenth as often (0.06 s) and the peak memory grows by about 3 MB. The threshold is put back after."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _stop_workers(config: object) -> None:
    """Workers rendering ahead must not write into a folder about to be removed."""
    plugin = config.plugins.get("busdocs") if config is not None else None  # type: ignore[attr-defined]
    if plugin is not None:
        plugin.stop_workers()


def _staging_dir(out_dir: Path) -> Path:
    """A new, empty folder beside `out_dir` that becomes `out_dir` when the build succeeds.

    Made by a plain mkdir, so it gets the usual permissions (0755 under the common umask 022), not
    the 0700 of `tempfile.mkdtemp`: a web server or link checker running as another user must be
    able to read the finished site.
    """
    for _ in range(100):
        staging = out_dir.with_name(f".{out_dir.name}.building-{secrets.token_hex(4)}")
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging
    raise BusdocsError(f"cannot make a build folder beside {out_dir}: too many leftovers named "
                       f".{out_dir.name}.building-*")


def build_site(root: Path, site: str, out_dir: Path) -> BuildResult:
    """Build one site strictly into `out_dir`, replacing it only on success.

    Args:
        root: Project root holding `mkdocs.yml` and `mkdocs.internal.yml`.
        site: `public` or `internal`.
        out_dir: Where the finished site goes (e.g. `site/public`).

    Raises:
        BuildFailed: With every warning that stopped the strict build.
        BusdocsError: When the folder beside `out_dir` cannot be written.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = _staging_dir(out_dir)
    except OSError as exc:
        raise BusdocsError(f"cannot write the {site} site to {out_dir}: {exc.strerror or exc}") from None
    started = time.perf_counter()
    with _collect_warnings() as collector, _fewer_collections():
        try:
            config = None
            config = load_config(config_file=str(config_file(root, site)), strict=True, site_dir=str(staging))
            # As `mkdocs build` does: MkDocs keeps plugins with on_startup for the whole process, so
            # one that served before in this process must hear that this is a build.
            config.plugins.on_startup(command="build", dirty=False)
            build(config)
        except (Abort, ConfigurationError, PluginError, SystemExit) as exc:
            _stop_workers(config)
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, SystemExit) and not isinstance(exc, Abort):  # macros' on_error_fail
                reason = f"stopped by a plugin (exit {exc.code})"
            else:
                reason = str(exc).strip() or type(exc).__name__
            messages = collector.messages
            plugin = config.plugins.get("busdocs") if config is not None else None
            if plugin is not None:
                messages = [real_sources(m, plugin.sources) for m in messages]
            raise BuildFailed(site, messages, reason) from None
        except BaseException:
            _stop_workers(config)
            shutil.rmtree(staging, ignore_errors=True)
            raise
    pages = sum(1 for _ in staging.rglob("*.html"))
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{staging.name[-8:]}")
        out_dir.rename(old)
    staging.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return BuildResult(site, out_dir, time.perf_counter() - started, pages, tuple(collector.notices))


def zip_offline(offline_dir: Path, internal_dir: Path) -> Path:
    """Zip the offline bundle into the internal site's downloads (never into the public site)."""
    import zipfile

    target = internal_dir / OFFLINE_ZIP
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(offline_dir.rglob("*")):
            if path.is_file() and path.name != ".busdocs-build.json":
                archive.write(path, Path("bus-tracker-ops") / path.relative_to(offline_dir))
    partial.replace(target)
    return target
