"""Every private name of MkDocs, Material, the search plugin, autorefs, mkdocstrings, mkdocs-macros and
Pygments that busdocs relies on.

The render cache and the workers need a few things the plugin API does not offer. Each use is
here, once, with why; `tests/test_seams.py` pins the behaviour each one relies on, so an upgrade
that changes it fails a test instead of a site. Material is pinned to the minor version whose
navigation markup `busdocs.navhtml` reproduces (`tests/test_navhtml.py` compares them).
pymarkdownlnt's private names (for `busdocs lint`) are in `busdocs.authoring.seams`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from busdocs.mkdocs.rendercache import Rendered, build_toc, toc_tokens


def populate_page(page: Any, config: Any, files: Any) -> None:
    """Read and convert one page exactly as MkDocs' own page loop does, plugin events included.

    `mkdocs.commands.build._populate_page`: a worker renders a page ahead of the build with the
    very function the build uses, so the two cannot differ.
    """
    from mkdocs.commands.build import _populate_page

    _populate_page(page, config, files, False)


def build_page(page: Any, config: Any, doc_files: Sequence[Any], nav: Any, env: Any, *, excluded: bool) -> None:
    """Render one page through the theme and write it, as MkDocs' own second page loop does.

    `mkdocs.commands.build._build_page`, for the same reason as `populate_page`.
    """
    from mkdocs.commands.build import _build_page

    _build_page(page, config, doc_files, nav, env, False, excluded=excluded)


def anchor_order(anchor: str | None) -> tuple[bool, str]:
    """Sort key for anchor ids. MkDocs collects `None` too: raw HTML such as `<incident id>` has an
    `id` attribute with no value, and a plain sort of str and None raises TypeError."""
    return anchor is None, anchor or ""


def rendered_page(page: Any, html: str, registered: list[tuple[str, str | None, str | None, bool]],
                  inventory: list[tuple[str, str, str, str, str | None, tuple[str, ...]]] | None = None) -> Rendered:
    """What Markdown made of a page, for the render cache.

    MkDocs keeps three results of `Page.render` in attributes without a public setter:
    `_title_from_render` (the first heading, the page title when nav and front matter give none),
    `present_anchor_ids` and `links_to_anchors` (what anchor validation reads after the build).
    """
    return Rendered(html, toc_tokens(page.toc), page._title_from_render, sorted(page.present_anchor_ids or (), key=anchor_order),
                    {f.src_uri: dict(links) for f, links in (page.links_to_anchors or {}).items()}, registered,
                    inventory or [])


def restore_rendered_page(page: Any, hit: Rendered, files: Any) -> None:
    """Put a cached render back on a page, as if `Page.render` had just run (see `rendered_page`)."""
    page.content = hit.content
    page.toc = build_toc(hit.toc)
    page._title_from_render = hit.title
    page.present_anchor_ids = set(hit.anchors)
    page.links_to_anchors = {f: links for src, links in hit.links.items()
                             if (f := files.get_file_from_path(src)) is not None}


def wrap_search_index(index: Any, add: Callable[[Callable[[Any], None], Any], None]) -> None:
    """Route the search plugin's `SearchIndex.add_entry_from_context(page)` through `add(original, page)`.

    The search plugin (MkDocs' and Material's) indexes each page in `on_page_context` through this
    method and appends dicts to `index.entries`; the render cache reuses a page's entries.
    """
    original = index.add_entry_from_context
    index.add_entry_from_context = lambda page: add(original, page)


def search_entries(index: Any) -> list[Any]:
    """The search plugin's list of index entries (`SearchIndex.entries`), in page order."""
    return index.entries


def record_autorefs_anchors(autorefs: Any, page: Any) -> list[tuple[str, str | None, str | None, bool]]:
    """Note every anchor autorefs registers for `page` while it converts, until `stop_recording`.

    autorefs' Markdown tree processors call `plugin.register_anchor(...)` on the plugin instance
    (a public method); an attribute of the same name on the instance takes those calls first.
    """
    recorded: list[tuple[str, str | None, str | None, bool]] = []
    register = type(autorefs).register_anchor

    def recording(anchor_page: Any, identifier: str, anchor: str | None = None, *, title: str | None = None,
                  primary: bool = True) -> None:
        if anchor_page is page:
            recorded.append((identifier, anchor, title, primary))
        register(autorefs, anchor_page, identifier, anchor, title=title, primary=primary)

    autorefs.register_anchor = recording
    return recorded


def stop_recording(autorefs: Any) -> None:
    """Undo `record_autorefs_anchors`."""
    vars(autorefs).pop("register_anchor", None)


class InventoryRecording:
    """What mkdocstrings put in its inventory while one page converted: `items` to replay
    (`replay_inventory`), and `complete` False when something was registered that cannot be
    replayed (the page is then not cached)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, str, str | None, tuple[str, ...]]] = []
        self.complete = True


def _mkdocstrings_handlers(config: Any) -> Any | None:
    plugin = config.plugins.get("mkdocstrings")
    return getattr(plugin, "_handlers", None) if plugin is not None else None


def record_inventory(config: Any) -> InventoryRecording | None:
    """Note what mkdocstrings registers in its inventory (written as `objects.inv` after the build)
    until `stop_recording_inventory`; None without the mkdocstrings plugin.

    mkdocstrings' Markdown extension (`_process_headings`), for each heading it renders with a
    `data-role`, asks the handler for the identifier's aliases (`handler.get_aliases`), then calls
    `handlers.inventory.register(name=identifier, domain=, role=, priority=1, uri=)` and, for each
    alias not in the inventory yet, the same with `name=alias, priority=2`. Whether an alias goes in
    depends on what other pages registered before, so the identifier and its aliases are noted and
    `replay_inventory` decides again, in the build's own order. The plugin's `handlers` exist from
    `on_config` (`_handlers`; every configured handler is made then, for its inventories); the
    inventory and the handlers are called through their instances, so an attribute of the same
    name takes the calls first.
    """
    handlers = _mkdocstrings_handlers(config)
    if handlers is None:
        return None
    recording = InventoryRecording()
    aliases_of: dict[str, tuple[str, ...]] = {}
    for handler in handlers._handlers.values():
        def get_aliases(identifier: str, _handler: Any = handler, _own: Any = type(handler).get_aliases) -> Any:
            aliases = _own(_handler, identifier)
            aliases_of[identifier] = tuple(aliases)
            return aliases

        handler.get_aliases = get_aliases
    inventory = handlers.inventory
    register = type(inventory).register

    def recording_register(name: str, domain: str, role: str, uri: str, priority: int = 1,
                           dispname: str | None = None) -> None:
        if priority == 1 and name in aliases_of:
            recording.items.append((name, domain, role, uri, dispname, aliases_of[name]))
        elif priority != 2:  # not the pattern above: this page cannot be replayed
            recording.complete = False
        register(inventory, name=name, domain=domain, role=role, uri=uri, priority=priority, dispname=dispname)

    inventory.register = recording_register
    return recording


def stop_recording_inventory(config: Any) -> None:
    """Undo `record_inventory`."""
    handlers = _mkdocstrings_handlers(config)
    if handlers is not None:
        vars(handlers.inventory).pop("register", None)
        for handler in handlers._handlers.values():
            vars(handler).pop("get_aliases", None)


def replay_inventory(config: Any, items: Sequence[tuple[str, str, str, str, str | None, tuple[str, ...]]]) -> None:
    """Register again what a page registered (`record_inventory`), as mkdocstrings does."""
    handlers = _mkdocstrings_handlers(config)
    if handlers is None or not items:
        return
    inventory = handlers.inventory
    for name, domain, role, uri, dispname, aliases in items:
        inventory.register(name=name, domain=domain, role=role, priority=1, uri=uri, dispname=dispname)
        for alias in aliases:
            if alias not in inventory:
                inventory.register(name=alias, domain=domain, role=role, priority=2, uri=uri)


def wrap_serve_builder(server: Any, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Route every rebuild of `mkdocs serve` through `wrap(builder)`.

    `mkdocs.livereload.LiveReloadServer` keeps the function it calls on each change in its
    `builder` attribute (set by `__init__`, called as `self.builder()` by `_build_loop`); when the
    call raises, the loop keeps the old epoch and every request waits. The `on_serve` event hands
    plugins the server, not a way to change the builder, so the attribute is replaced.
    """
    server.builder = wrap(server.builder)


_INSTALLED_LISTINGS: dict[tuple[str, int], list[str]] = {}
"""The files of each installed theme folder (Material's ~14,000: its icons), by folder and mtime."""


def keep_installed_theme_listings(theme: Any) -> None:
    """List the installed theme folders once per process: every build lists its theme's folders
    (`Files.add_files_from_theme` → `env.list_templates()`) to copy their static files.

    MkDocs' build calls `config.theme.get_env()` for the Jinja environment it lists and renders with
    (`mkdocs.commands.build.build`; `Theme.get_env` makes a `jinja2.FileSystemLoader(theme.dirs)`);
    an attribute of that name on the theme instance takes the call first. Its loader lists a folder
    inside the Python installation (site-packages) from the kept listing; the project's own folders
    (`custom_dir`: overrides/) are walked every time, as before.

    The kept listing leaves out every path with a part that starts with a dot: MkDocs' filter in
    `Files.add_files_from_theme` drops those anyway (its `.*` and `*/.*` patterns), and Material's
    `.icons` folder alone holds 14,000 of its files, which a cold build would otherwise walk and
    filter one by one (0.04 s before the first page, with the other core idle).
    """
    import os
    import sysconfig

    import jinja2

    installed = {os.path.realpath(p) for key in ("purelib", "platlib") if (p := sysconfig.get_paths().get(key))}
    make_env = type(theme).get_env

    class Loader(jinja2.FileSystemLoader):
        def list_templates(self) -> list[str]:
            found: set[str] = set()
            for folder in self.searchpath:
                real = os.path.realpath(folder)
                if not any(real.startswith(p + os.sep) for p in installed):
                    found.update(jinja2.FileSystemLoader(folder, followlinks=self.followlinks).list_templates())
                    continue
                key = (real, os.stat(real).st_mtime_ns)
                if key not in _INSTALLED_LISTINGS:
                    _INSTALLED_LISTINGS[key] = _visible_templates(folder)
                found.update(_INSTALLED_LISTINGS[key])
            return sorted(found)

    def get_env() -> Any:
        env = make_env(theme)
        loader = env.loader
        if type(loader) is jinja2.FileSystemLoader:  # as MkDocs makes it: same folders, same options
            env.loader = Loader(loader.searchpath, encoding=loader.encoding, followlinks=loader.followlinks)
        return env

    theme.get_env = get_env


def _visible_templates(folder: str) -> list[str]:
    """`jinja2.FileSystemLoader(folder).list_templates()` without the paths that have a part starting
    with a dot (hidden folders are not walked)."""
    import os

    found = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for filename in filenames:
            if not filename.startswith("."):
                name = os.path.join(dirpath, filename)[len(folder):].strip(os.path.sep).replace(os.path.sep, "/")
                found.add(name[2:] if name[:2] == "./" else name)
    return sorted(found)


def quicken_macros(macros: Any) -> bool:
    """Let mkdocs-macros render pages whose only Jinja is plain `{{ … }}` without compiling them whole
    (`busdocs.mkdocs.quickmacros`); True when its environment allowed it.

    `MacrosPlugin.render` renders a page's Markdown as `self.env.from_string(markdown)` (the source
    alone) then `.render(**variables)`, inside the `try` that reports a page's errors; `env` is the
    plugin's Jinja environment (a property), made again by every `on_config`. An attribute
    `from_string` on that environment instance takes those calls first.
    """
    from busdocs.mkdocs import quickmacros

    return quickmacros.install(macros.env)


REUSABLE_MARKDOWN_EXTENSIONS = frozenset({
    "abbr", "admonition", "attr_list", "def_list", "fenced_code", "footnotes", "md_in_html", "tables", "toc",
    "pymdownx.details", "pymdownx.emoji", "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.keys",
    "pymdownx.mark", "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist",
})
"""Extensions whose state between two documents is what `Markdown.reset()` resets (each registers
its `reset` with the instance, or keeps no state past the block it parses); `busdocs.mkdocs`'s
configurations use only these. `tests/test_markdown_reuse.py` builds both sites with and without
reuse and compares every file."""


class _MarkdownModule:
    """The `markdown` package as `mkdocs.structure.pages` sees it, but `Markdown(...)` with the
    build's own extensions gives the instance it gave for the page before, reset."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.enabled = False
        self.kept: tuple[tuple[Any, ...], Any, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)

    def Markdown(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 - the name MkDocs calls
        extensions, configs = kwargs.get("extensions"), kwargs.get("extension_configs")
        if not self.enabled or args or set(kwargs) != {"extensions", "extension_configs"} \
                or not reusable_markdown(extensions, configs):
            return self.module.Markdown(*args, **kwargs)
        if self.kept is not None and self.kept[0] == tuple(extensions) and self.kept[1] == configs:
            md = self.kept[2]
            md.reset()
            return md
        import copy

        md = self.module.Markdown(*args, **kwargs)
        try:
            self.kept = (tuple(extensions), copy.deepcopy(configs), md)
        except Exception:  # noqa: BLE001 - settings that cannot be copied to compare: no reuse
            self.kept = None
        return md


def reusable_markdown(extensions: Any, configs: Any) -> bool:
    """Whether a Markdown instance with these extensions can convert one page after another."""
    if not isinstance(extensions, list) or not isinstance(configs, dict):
        return False
    footnotes = configs.get("footnotes") or {}
    return (all(isinstance(e, str) and e in REUSABLE_MARKDOWN_EXTENSIONS for e in extensions)
            and not footnotes.get("UNIQUE_IDS"))  # its ids would count the documents


def reuse_markdown(enabled: bool) -> bool:
    """Let MkDocs convert each page with one Markdown instance per process, reset between pages,
    instead of a new one (building one costs 0.4 ms: about a tenth of converting a page). True when on.

    `mkdocs.structure.pages.Page.render` makes its instance as `markdown.Markdown(extensions=
    config['markdown_extensions'], extension_configs=config['mdx_configs'] or {})` through that
    module's name `markdown`, then registers its own four processors by name (a name registered
    again replaces the one before) and converts. That name is replaced, once, by `_MarkdownModule`;
    an instance is reused only for the same extensions and settings, all of them in
    `REUSABLE_MARKDOWN_EXTENSIONS`; anything else gets a new instance as before. `tests/test_seams.py`
    pins how Page.render makes and extends its instance.
    """
    from mkdocs.structure import pages

    if not isinstance(pages.markdown, _MarkdownModule):
        pages.markdown = _MarkdownModule(pages.markdown)
    pages.markdown.enabled = enabled
    pages.markdown.kept = None  # a new build: its configuration makes its own instance
    return enabled


_STYLESHEETS: dict[tuple[type, Any, str], tuple[dict[Any, str], dict[str, Any]]] = {}
"""What `HtmlFormatter._create_stylesheet` made, by formatter class, style and class prefix."""


def keep_pygments_stylesheets() -> None:
    """Let Pygments' HTML formatter make its token-to-CSS tables once per style, not once per block.

    pymdownx.highlight makes a new `pygments.formatters.html.HtmlFormatter` (a subclass) for every
    code block, and `HtmlFormatter.__init__` ends with `self._create_stylesheet()`, which walks every
    token type of the style to fill `self.ttype2class` and `self.class2style`: 0.12 ms a block, a
    third of highlighting one. The tables depend on the style, the `classprefix` option and the
    class (its `_get_css_class`) alone, so a copy of the first formatter's tables serves the next.
    The method is replaced on the class, once; `tests/test_seams.py` pins that the tables and the
    highlighted HTML are the same with and without it.
    """
    from pygments.formatters.html import HtmlFormatter

    make = HtmlFormatter._create_stylesheet
    if getattr(make, "busdocs_kept", False):
        return

    def create_stylesheet(self: Any) -> None:
        key = (type(self), self.style, self.classprefix)
        kept = _STYLESHEETS.get(key)
        if kept is None:
            make(self)
            _STYLESHEETS[key] = (dict(self.ttype2class), dict(self.class2style))
        else:
            self.ttype2class, self.class2style = dict(kept[0]), dict(kept[1])

    create_stylesheet.busdocs_kept = True  # type: ignore[attr-defined]
    create_stylesheet.original = make  # type: ignore[attr-defined]
    HtmlFormatter._create_stylesheet = create_stylesheet


def prefetch_macros_git_info(prefetched: Callable[[], tuple[bool, Any]]) -> None:
    """Give mkdocs-macros the `git` variable computed ahead, when `prefetched()` has one.

    `mkdocs_macros.context.define_env`, which `MacrosPlugin.on_config` calls for every build, sets
    `env.variables['git'] = get_git_info()`: twelve git commands in a row (`git log -1`, `git
    describe --tags`, …), 20–35 ms of the build's serial start. It looks the function up in its
    module when it runs, so the module's name is replaced, once: the replacement returns a copy
    of what `prefetched()` gives (the same function run in the background when `busdocs build`
    started, `busdocs.mkdocs.prescan`), or runs the original. `tests/test_seams.py` pins the call
    and the value.
    """
    import copy

    from mkdocs_macros import context

    original = getattr(context.get_git_info, "busdocs_original", context.get_git_info)

    def get_git_info() -> Any:
        found, value = prefetched()
        return copy.deepcopy(value) if found else original()

    get_git_info.busdocs_original = original  # type: ignore[attr-defined]
    context.get_git_info = get_git_info


class SkippedWrites(logging.Filter):
    """The pages whose output a page worker wrote already, byte for byte (`skip_write`)."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop MkDocs' note that it skipped one of these pages (it wrote nothing new: it did write it)."""
        if record.levelno != logging.INFO or not isinstance(record.msg, str):
            return True
        match = _SKIPPED.fullmatch(record.msg)
        return match is None or match[1] not in self.pages


_SKIPPED = re.compile(r"Page skipped: '(.*)'\. Generated empty output\.", re.S)
"""MkDocs' INFO line for a page whose output is empty (`mkdocs.commands.build._build_page`)."""


def skip_write(writes: SkippedWrites, page: Any) -> str:
    """What to return from the last `on_post_page` so that MkDocs does not write `page` again.

    `mkdocs.commands.build._build_page` writes the output only `if output.strip()`; otherwise it
    logs `Page skipped: '<src_uri>'. Generated empty output.` at INFO level and writes nothing. A
    page a theme worker rendered was written by that worker with the very bytes the build's own
    `_build_page` would write again (checked by their digest): the build returns "" for it, and
    `writes`, a filter on MkDocs' build logger, drops that line. `tests/test_seams.py` pins both.
    """
    writes.pages.add(page.file.src_uri)
    return ""


def build_logger() -> logging.Logger:
    """The logger of `mkdocs.commands.build` (where `_build_page` logs)."""
    return logging.getLogger("mkdocs.commands.build")
