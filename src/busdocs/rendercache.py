"""A cache of rendered pages, keyed by content hash, so a rebuild does only the work that changed.

Four layers, each keyed by everything its output depends on:

- **Macros** of a page: its source, front matter and place, and a hash of every input macros read
  (`data/`, `runbooks/`, the configuration, the environment and date, the news pieces).

- **Markdown → HTML** of a page: its Markdown (after macros), the Markdown configuration and the
  set of files with their URLs (links resolve against them). A hit restores the page's HTML, table
  of contents, title and anchors as if it had been rendered, so link and anchor validation still see
  them.
- **Page → final HTML** (the theme template): the page's rendered content, front matter, place in
  the navigation, and a signature of the whole navigation (every title and URL). A new page or a
  changed title changes the signature and so re-renders every page's navigation.

- **Search entries** of a page: its rendered content, table of contents, title and front matter.

The cache is written only after a build that logged no warning, so a cached page never hides a
warning. It lives in `.cache/render/`, one file per site.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION = 2

RENDER_SIDE_EFFECTS = re.compile(r"^:::\s", re.M)
"""Pages whose rendering registers things elsewhere (mkdocstrings objects for the inventory and
cross-references) are always rendered."""


def digest(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class Rendered:
    content: str
    toc: list[tuple[str, str, int, list[Any]]]
    title: str | None
    anchors: list[str]
    links: dict[str, dict[str, str]]


@dataclass
class RenderCache:
    path: Path
    pages: dict[str, Rendered] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)
    search: dict[str, list[Any]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0
    journal: list[tuple[str, str]] | None = None
    """When a list, every `put` is noted in it (a worker rendering ahead sends those entries back)."""

    def put(self, layer: str, key: str, value: Any) -> Any:
        """Store `value` under `key` in `layer` (`pages`, `outputs`, `macros` or `search`)."""
        getattr(self, layer)[key] = value
        if self.journal is not None:
            self.journal.append((layer, key))
        return value

    def fresh(self) -> list[tuple[str, str, Any]]:
        """The entries put since the journal was last emptied, and empty it."""
        entries = [(layer, key, getattr(self, layer)[key]) for layer, key in self.journal or ()]
        self.journal = []
        return entries

    @classmethod
    def load(cls, path: Path, keep_in_memory: bool = False) -> RenderCache:
        """The cache stored at `path`; under `mkdocs serve` the same object is reused between
        rebuilds (`keep_in_memory`), so an edit does not pay for reading and writing the file."""
        if keep_in_memory and path in _MEMORY:
            cache = _MEMORY[path]
            cache.used = set()
            cache.hits = cache.misses = 0
            return cache
        cache = cls._read(path)
        if keep_in_memory:
            _MEMORY[path] = cache
        return cache

    @classmethod
    def _read(cls, path: Path) -> RenderCache:
        try:
            with path.open("rb") as fh:
                version, layers = pickle.load(fh)  # noqa: S301 - our own file in .cache/
            if version == VERSION:
                return cls(path, **layers)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            pass
        return cls(path)

    def save(self) -> None:
        """Keep only what this build used (the cache never grows beyond one site)."""
        layers = {name: {k: v for k, v in getattr(self, name).items() if k in self.used}
                  for name in ("pages", "outputs", "macros", "search")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        with partial.open("wb") as fh:
            pickle.dump((VERSION, layers), fh, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(self.path)


_MEMORY: dict[Path, RenderCache] = {}


def forget(cache: RenderCache) -> None:
    """Drop the in-memory copy after a build with warnings: the next build starts from the file."""
    _MEMORY.pop(cache.path, None)


def toc_tokens(toc: Iterable[Any]) -> list[tuple[str, str, int, list[Any]]]:
    return [(item.title, item.id, item.level, toc_tokens(item.children)) for item in toc]


def build_toc(tokens: list[tuple[str, str, int, list[Any]]]) -> Any:
    from mkdocs.structure.toc import AnchorLink, TableOfContents

    def items(entries: list[tuple[str, str, int, list[Any]]]) -> list[Any]:
        out = []
        for title, anchor, level, children in entries:
            link = AnchorLink(title, anchor, level)
            link.children = items(children)
            out.append(link)
        return out

    return TableOfContents(items(tokens))


class WarningCounter(logging.Handler):
    """Counts the warnings logged where it is attached (a build, or a worker rendering ahead)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def tree_digest(*folders: Path) -> str:
    """A hash of every file's path and bytes under `folders` (the inputs macros may read)."""
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                h.update(path.as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()
