"""A cache of rendered pages, keyed by content hash, so a rebuild does only the work that changed.

Four layers, each keyed by everything its output depends on:

- **Macros** of a page: its source, front matter and place, and a hash of every input macros read
  (`data/`, `runbooks/`, the configuration, the environment and date, the news pieces).

- **Markdown → HTML** of a page: its Markdown (after macros), the Markdown configuration and the
  set of files with their URLs (links resolve against them). A hit restores the page's HTML, table
  of contents, title and anchors as if it had been rendered, so link and anchor validation still see
  them, and registers again what rendering registered elsewhere: autorefs anchors, and the objects
  of mkdocstrings' `::: identifier` blocks in its inventory (`objects.inv`).
- **Page → final HTML** (the theme template): the page's rendered content, front matter, place in
  the navigation, and a signature of the whole navigation (every title and URL). A new page or a
  changed title changes the signature and so re-renders every page's navigation.

- **Search entries** of a page: its rendered content, table of contents, title and front matter.

Every key starts with the **inputs key** of the build (`inputs_key`): the versions of every
installed package, busdocs' own code, the theme overrides, every file of the page folders that is
not a page (assets, `.nav.yml`), the configuration files, the environment and the date. Anything
that can change what a page looks like without changing the page is in it. Where a key cannot be
made complete (a page that includes other files through Jinja, a template context value of a type
the key does not know), the cache does not serve that page.

The cache is written only after a build that logged no warning, so a cached page never hides a
warning. It lives in `.cache/render/`, one file per site. A cache that cannot be read (cut short,
written by another busdocs) is ignored with a notice; one that cannot be written costs only time.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

VERSION = 4

JINJA_INCLUDES = re.compile(r"{%-?\s*(?:include|import|from|extends)\b")
"""A page that pulls in other files through Jinja: its macros output depends on files the key
does not list, so that layer is not cached for it."""


def package_versions() -> tuple[tuple[str, str], ...]:
    """Name and version of every installed distribution: the code that renders a page.

    The inputs key calls this; a test may fake a version through it. Read from the names of the
    `*.dist-info` folders on `sys.path` (`mkdocs_material-9.8.2.dist-info`), as installers write
    them: reading every distribution's metadata file costs a quarter of a second.
    """
    return _installed(tuple(sys.path))


@lru_cache(maxsize=4)
def _installed(paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    found: set[tuple[str, str]] = set()
    for folder in paths:
        try:
            entries = os.scandir(folder or ".")
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.endswith((".dist-info", ".egg-info")):
                    name, _, version = entry.name.rsplit(".", 1)[0].partition("-")
                    found.add((name.lower().replace("_", "-"), version))
    if not found:  # an unusual layout: ask importlib
        found = {(str(d.metadata["Name"]).lower(), d.version) for d in importlib.metadata.distributions()}
    return tuple(sorted(found))


def inputs_key(*, root: Path, config_files: Iterable[Path], code: Iterable[Path], folders: Iterable[Path],
               other: Iterable[object] = ()) -> str:
    """What every page of a build is made from, besides its own source.

    The key holds no absolute path: a copy of the project elsewhere (another clone, a test's copy)
    has the same key, and what it renders is the same (a row of the equivalence test proves it).

    Args:
        root: The project folder; paths in the key are relative to it.
        config_files: The configuration files (and those they inherit), hashed whole.
        code: Folders of code and templates (busdocs, macros, theme overrides), hashed whole.
        folders: Page folders; every file in them that is not a page (`*.md`) is hashed.
        other: Further values (environment, date, options) that every page depends on.
    """
    return digest(VERSION, package_versions(), portable([(p.as_posix(), _read(p)) for p in config_files], root),
                  tree_digest(*code), tree_digest(*folders, skip_suffix=".md"), portable(list(other), root))


def portable(value: object, root: Path) -> str:
    """`repr(value)` with the project folder written as `<root>`, for keys that must not depend on
    where the project lies."""
    text = repr(value)
    for form in {str(root), str(root.resolve())}:
        text = text.replace(form, "<root>")
    return text


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def digest(*parts: object) -> str:
    """A hash of `parts`: strings by their text (a page's HTML is hashed as it is, not copied
    through `repr` first, which cost a serve rebuild 40 ms), anything else by its `repr`. Each part
    is prefixed by its kind and length, so no two lists of parts hash alike."""
    h = hashlib.sha256()
    for part in parts:
        if type(part) is str:
            data = part.encode("utf-8", "surrogatepass")
            h.update(b"s%d:" % len(data))
        else:
            data = repr(part).encode("utf-8", "surrogatepass")
            h.update(b"r%d:" % len(data))
        h.update(data)
    return h.hexdigest()


@dataclass
class Rendered:
    content: str
    toc: list[tuple[str, str, int, list[Any]]]
    title: str | None
    anchors: list[str]
    links: dict[str, dict[str, str]]
    registered: list[tuple[str, str | None, str | None, bool]] = field(default_factory=list)
    """Anchors the page registered with autorefs while it rendered (identifier, anchor, title,
    primary): a hit registers them again, so `[Heading][]` on other pages still resolves."""
    inventory: list[tuple[str, str, str, str, str | None, tuple[str, ...]]] = field(default_factory=list)
    """Objects mkdocstrings' `::: identifier` blocks put in its inventory (identifier, domain, role,
    uri, display name, aliases): a hit registers them again, so `objects.inv` is whole
    (`seams.record_inventory`)."""


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
    notices: list[str] = field(default_factory=list)
    """One line for each thing the reader should know (a cache ignored or not saved)."""

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
        if not path.exists():
            return cls(path)
        try:
            with path.open("rb") as fh:
                version, layers = pickle.load(fh)  # noqa: S301 - our own file in .cache/
            if version == VERSION and _well_formed(layers):
                return cls(path, **layers)
            reason = "it was written by another version of busdocs"
        except Exception as exc:  # noqa: BLE001 - cut short, foreign or from moved classes: start afresh
            reason = f"it cannot be read ({type(exc).__name__})"
        cache = cls(path)
        cache.notices.append(f"render cache {path.name} ignored: {reason}; pages render afresh")
        return cache

    def save(self) -> None:
        """Keep only what this build used (the cache never grows beyond one site).

        Written to a file of its own, then renamed: two builds at once leave one whole cache (the
        last one saved), never a mix. A cache that cannot be written costs only time.
        """
        layers = {name: {k: v for k, v in getattr(self, name).items() if k in self.used}
                  for name in ("pages", "outputs", "macros", "search")}
        partial = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=".partial", dir=self.path.parent)
            partial = Path(name)
            with os.fdopen(handle, "wb") as fh:
                pickle.dump((VERSION, layers), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(partial, 0o644)
            partial.replace(self.path)
        except OSError as exc:
            self.notices.append(f"render cache not saved ({exc.strerror or exc}): {self.path.parent}; "
                                "the next build renders every page again")
            if partial is not None:
                partial.unlink(missing_ok=True)


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


def tree_digest(*folders: Path, skip_suffix: str | None = None) -> str:
    """A hash of every file's path (relative to its folder, which is known by its place in
    `folders`) and bytes under `folders`, compiled Python left out. Where the folders lie does not
    change it."""
    return _files_digest(folders, "*", lambda folder, path: path.suffix != ".pyc"
                         and (skip_suffix is None or path.suffix != skip_suffix))


def python_sources_digest(*folders: Path, skip: Iterable[Path] = ()) -> str:
    """`tree_digest` of the Python sources (`*.py`, `*.pyi`) under `folders`: what mkdocstrings'
    Python handler reads from the folders of its `paths` option. Hidden folders, `__pycache__` and
    the folders in `skip` (the build's output) are left out."""
    skipped = {s.resolve() for s in skip}

    def keep(folder: Path, path: Path) -> bool:
        parts = path.relative_to(folder).parts
        return (path.suffix in (".py", ".pyi") and not any(p.startswith(".") or p == "__pycache__" for p in parts)
                and not any(s in path.resolve().parents for s in skipped))

    return _files_digest(folders, "*.py*", keep)


def _files_digest(folders: Iterable[Path], pattern: str, keep: Callable[[Path, Path], bool]) -> str:
    h = hashlib.sha256()
    for place, folder in enumerate(folders):
        h.update(f"\0folder {place}\0".encode())
        for path in sorted(folder.rglob(pattern)) if folder.is_dir() else []:
            if path.is_file() and keep(folder, path):
                h.update(path.relative_to(folder).as_posix().encode())
                h.update(b"\0")
                h.update(path.read_bytes())
    return h.hexdigest()


class Unkeyable(Exception):
    """A value the cache cannot key completely: whatever depends on it is not cached."""


def stable(value: Any, _seen: frozenset[int] = frozenset()) -> Any:
    """A representation of `value` that is the same in every process and changes when it changes.

    Plain data, dates, dataclasses, pydantic models and plain objects (by their attributes) are
    followed; MkDocs' pages, sections, links and files stand for their title and URL (their
    content is keyed separately). Anything else raises `Unkeyable`.
    """
    from datetime import date, datetime

    if value is None or isinstance(value, str | int | float | bool | date | datetime):
        return value
    if id(value) in _seen:
        return ("cycle", type(value).__qualname__)
    seen = _seen | {id(value)}
    if isinstance(value, dict):
        return ("dict", sorted(((str(k), stable(v, seen)) for k, v in value.items()), key=repr))
    if isinstance(value, list | tuple):
        return [stable(v, seen) for v in value]
    if isinstance(value, set | frozenset):
        return ("set", sorted((stable(v, seen) for v in value), key=repr))
    identity = _structure_identity(value)
    if identity is not None:
        return identity
    if hasattr(value, "model_dump"):  # pydantic
        return (type(value).__qualname__, stable(value.model_dump(), seen))
    if callable(value):
        raise Unkeyable(f"{type(value).__qualname__} {getattr(value, '__qualname__', '')}")
    if hasattr(value, "__dict__") and type(value).__module__ != "builtins":
        return (f"{type(value).__module__}.{type(value).__qualname__}", stable(vars(value), seen))
    raise Unkeyable(type(value).__qualname__)


def _structure_identity(value: Any) -> Any:
    from mkdocs.structure.files import File
    from mkdocs.structure.nav import Link, Section
    from mkdocs.structure.pages import Page

    if isinstance(value, Page):
        return ("Page", value.title, value.url)
    if isinstance(value, Section):
        return ("Section", value.title)
    if isinstance(value, Link):
        return ("Link", value.title, value.url)
    if isinstance(value, File):
        return ("File", value.src_uri, value.url)
    return None


def _well_formed(layers: object) -> bool:
    """The layers of a cache file are what this version writes (a foreign file is not trusted)."""
    if not isinstance(layers, dict) or set(layers) != {"pages", "outputs", "macros", "search"}:
        return False
    types = {"pages": Rendered, "outputs": str, "macros": str, "search": list}
    return all(isinstance(entries, dict) and all(isinstance(v, types[name]) for v in entries.values())
               for name, entries in layers.items())


_COMPILED_TEMPLATES: dict[tuple[str, str, str], Any] = {}
"""Compiled theme templates kept for the process, by what the environment's compiler reads
(`compile_signature`), Jinja's bucket key (template name and file) and the checksum of the source
they were compiled from (`template_code_cache`)."""

_COMPILE_OPTIONS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
                    "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
                    "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
                    "is_async", "newstyle_gettext")


def compile_signature(env: Any) -> str:
    """What Jinja's compiler reads of `env` besides a template's source: its syntax and options, its
    extensions (their tags), the names of its filters and tests and what each is passed (a call is
    written for it at compile time: context, environment or neither), whether a `finalize` is set,
    and its policies. Two environments alike in these compile a source to the same code. A
    callable `autoescape` decides per template name as it compiles: such an environment's code is
    kept for this environment alone."""

    def passed(func: Any) -> str:
        return repr(getattr(func, "jinja_pass_arg", None))

    def value(item: Any) -> Any:
        return item if isinstance(item, (str, int, float, bool, type(None))) else \
            getattr(item, "__qualname__", type(item).__qualname__)

    autoescape = env.autoescape if not callable(env.autoescape) else f"per template, {id(env)}"
    return digest(sorted(env.extensions), sorted((n, passed(f)) for n, f in env.filters.items()),
                  sorted((n, passed(f)) for n, f in env.tests.items()),
                  [value(getattr(env, option, None)) for option in _COMPILE_OPTIONS], autoescape,
                  None if env.finalize is None else passed(env.finalize),
                  sorted((k, repr(v) if isinstance(v, (dict, list, tuple)) else value(v)) for k, v in env.policies.items()))


def template_code_cache(folder: Path) -> Any:
    """A Jinja bytecode cache for the theme's templates: kept in this process first, then in
    `folder` (`.cache/jinja`), which later processes read. Material's templates take about 0.2 s to
    compile; a process that builds again (tests, `mkdocs serve`, a build of every site) compiles
    each once, even when its `.cache/` is new. A template is served only for the same name, file
    and source checksum as Jinja's own file cache checks, so an edited override is compiled again,
    and only to an environment whose compiler reads the same (`compile_signature`: each signature
    has its own sub-folder), so a filter added or changed elsewhere compiles the templates again.
    Where `folder` cannot be made, only the process keeps them."""
    import jinja2

    kept = _COMPILED_TEMPLATES

    class Kept(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.below: dict[str, jinja2.BytecodeCache | None] = {}

        def _below(self, signature: str) -> jinja2.BytecodeCache | None:
            if signature not in self.below:
                try:
                    place = folder / signature[:16]
                    place.mkdir(parents=True, exist_ok=True)
                    self.below[signature] = jinja2.FileSystemBytecodeCache(str(place))
                except OSError:  # the render cache says so once when it cannot save either
                    self.below[signature] = None
            return self.below[signature]

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            signature = compile_signature(bucket.environment)
            code = kept.get((signature, bucket.key, bucket.checksum))
            if code is not None:
                bucket.code = code
                return
            below = self._below(signature)
            if below is not None:
                below.load_bytecode(bucket)
                if bucket.code is not None:
                    kept[(signature, bucket.key, bucket.checksum)] = bucket.code

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            signature = compile_signature(bucket.environment)
            kept[(signature, bucket.key, bucket.checksum)] = bucket.code
            below = self._below(signature)
            if below is not None:
                below.dump_bytecode(bucket)

    return Kept()


def precompile_templates(env: Any, names: Iterable[str]) -> int:
    """Compile the templates `names` and every template they extend, include or import by a
    constant name into `env`'s bytecode cache, as Jinja's loader does on their first use (the same
    bucket, the same code); returns how many were compiled. A template named by an expression
    (`{% include "partials/" ~ x %}`) is compiled when it is used, as before. Nothing is done when the
    first of `names` is compiled already (a warm build)."""
    import jinja2
    from jinja2 import meta

    cache, loader = env.bytecode_cache, env.loader
    if cache is None or loader is None:
        return 0
    queue, seen, compiled = list(names), set(), 0
    first = queue[0] if queue else None
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        try:
            source, filename, _ = loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            continue
        bucket = cache.get_bucket(env, name, filename, source)
        if name == first and bucket.code is not None:
            return 0  # compiled by an earlier build with what it uses; a changed part compiles when used
        tree = env.parse(source, name, filename)
        queue.extend(found for found in meta.find_referenced_templates(tree) if found is not None)
        if bucket.code is None:
            bucket.code = env.compile(tree, name, filename)
            cache.set_bucket(bucket)
            compiled += 1
    return compiled

